"""Judgments per second: the kg judge, and the hf backend batched against one by one.

Every figure comes with a baseline measured in the same run and their ratio:
- kg: the kg judge on precomputed comparisons, against the whole pipeline (extract, compare,
  judge) on the same pairs;
- hf on the tiny random-weight model (tests/helpers/tiny_model.py): batched against one by one;
- with --gpu and a CUDA device: the same for a ~1B-parameter Llama shape with random weights.

    .venv/bin/python scripts/bench_judge.py [--domain radiology] [--repeat 20] [--gpu]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.helpers builds the tiny model


def example_pairs(pack):  # noqa: ANN001, ANN201
    """Pairs from the pack's examples folder (references/<id>.txt, candidates/<id>.txt)."""
    from kgjudge.judge.base import Pair

    folder = pack.examples_path
    pairs = []
    for cand in sorted((folder / "candidates").glob("*.txt")):
        ref = folder / "references" / cand.name
        if ref.exists():
            pairs.append(Pair(cand.stem, ref.read_text(), cand.read_text()))
    if not pairs:
        raise SystemExit(f"no example pairs in {folder}")
    return pairs


def rate(n: int, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("inf")


def bench_kg(domain: str, repeat: int) -> None:
    from kgjudge.domain import load_pack
    from kgjudge.judge.kg import KgJudge
    from kgjudge.pipeline import Pipeline

    pack = load_pack(domain)
    pairs = example_pairs(pack)
    pipeline = Pipeline(pack, judge=KgJudge(pack), cache_size=0)  # no cache: full cost per pair
    pipeline.compare_pair(pairs[0])  # warm-up: builds the spaCy pipeline once
    start = time.perf_counter()
    cases = [c for p in pairs for c in pipeline.cases(p)]
    full = time.perf_counter() - start
    full += _time(lambda: list(pipeline.judge.judge_many(cases)))
    judge_only = _time(lambda: [list(pipeline.judge.judge_many(cases)) for _ in range(repeat)])
    n = len(cases)
    kg_rate, full_rate = rate(n * repeat, judge_only), rate(n, full)
    print(f"kg judge ({domain}, {len(pairs)} pairs x {len(pack.default_rubrics)} rubrics):")
    print(f"  judge only      {kg_rate:10.0f} judgments/s")
    print(f"  full pipeline   {full_rate:10.1f} judgments/s  (baseline: extract+compare+judge)")
    print(f"  ratio           {kg_rate / full_rate:10.0f}x  (the judge is not the bottleneck)")


def bench_hf(model_dir: Path, label: str, *, cases: list, device: str, batch: int,
             max_new_tokens: int) -> None:
    from kgjudge.judge.hf import HFJudge

    judge = HFJudge(None, model=str(model_dir), device=device, batch_size=batch,
                    max_new_tokens=max_new_tokens)
    judge.judge(cases[0])  # warm-up (kernels, caches)
    one = _time(lambda: [judge.judge(c) for c in cases])
    batched = _time(lambda: list(judge.judge_many(cases)))
    print(f"hf backend, {label} ({len(cases)} cases, {max_new_tokens} new tokens, {device}):")
    print(f"  one by one      {rate(len(cases), one):10.2f} judgments/s  (baseline)")
    print(f"  batched ({batch:>3})   {rate(len(cases), batched):10.2f} judgments/s")
    print(f"  ratio           {one / batched:10.2f}x")


def _time(fn) -> float:  # noqa: ANN001
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def hf_cases(domain: str, n: int) -> list:
    from kgjudge.domain import load_pack
    from kgjudge.pipeline import Pipeline

    pack = load_pack(domain)
    pipeline = Pipeline(pack)
    cases = [c for p in example_pairs(pack) for c in pipeline.cases(p)]
    return (cases * (n // len(cases) + 1))[:n]


def build_1b(folder: Path) -> Path:
    """A ~1B-parameter Llama shape (like Llama 3.2 1B), random weights, the tiny tokenizer."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    from tests.helpers.tiny_model import build_tokenizer

    tokenizer = build_tokenizer()
    config = LlamaConfig(vocab_size=32000, hidden_size=2048, intermediate_size=8192,
                         num_hidden_layers=16, num_attention_heads=32, num_key_value_heads=8,
                         max_position_embeddings=8192, pad_token_id=tokenizer.pad_token_id,
                         bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id)
    with torch.device("cuda"):
        model = LlamaForCausalLM(config).to(torch.bfloat16)
    print(f"  ~{sum(p.numel() for p in model.parameters()) / 1e9:.2f}B parameters", flush=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domain", default="radiology")
    parser.add_argument("--repeat", type=int, default=20, help="kg judge passes over the cases")
    parser.add_argument("--hf-cases", type=int, default=16)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--gpu", action="store_true", help="also a ~1B shape on CUDA")
    args = parser.parse_args()
    import tempfile

    import torch

    from tests.helpers.tiny_model import build_tiny_model

    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads, "
          f"CUDA: {torch.cuda.is_available()}")
    bench_kg(args.domain, args.repeat)
    cases = hf_cases(args.domain, args.hf_cases)
    with tempfile.TemporaryDirectory() as tmp:
        tiny = build_tiny_model(Path(tmp) / "tiny")
        bench_hf(tiny, "tiny random Llama (hidden 32, 2 layers)", cases=cases, device="cpu",
                 batch=args.batch, max_new_tokens=16)
        if args.gpu and torch.cuda.is_available():
            big = build_1b(Path(tmp) / "1b")
            bench_hf(big, "~1B random Llama", cases=cases, device="cuda", batch=args.batch,
                     max_new_tokens=64)
        elif args.gpu:
            print("~1B shape: skipped, no CUDA device here")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
