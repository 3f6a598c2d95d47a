"""LoRA training throughput and peak memory: TRL SFTTrainer against a bare PyTorch loop.

With CUDA: a ~0.5B-parameter model shape (Qwen2.5-0.5B's config, random weights, bf16). Without:
the tiny CPU model of the tests. Both runs train the same LoRA (kgjudge.train.trainer's config
on the model's attention and MLP projections) on the same random token batches with the loss on
the completion half; the bare loop (forward, backward, AdamW step, nothing else) is the baseline,
so the ratio shows what the TRL path costs. Prints one JSON object; nothing is downloaded.

    .venv/bin/python scripts/bench_train.py [--steps 20] [--seq-len 1024] [--batch 4] [--cpu]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

#: Qwen2.5-0.5B's shape (494M parameters with the tied embedding).
QWEN_05B = dict(hidden_size=896, intermediate_size=4864, num_hidden_layers=24,
                num_attention_heads=14, num_key_value_heads=2, vocab_size=151936,
                max_position_embeddings=32768, tie_word_embeddings=True)
TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def build(cuda: bool, folder: Path):  # noqa: ANN201 - (model, tokenizer, label)
    import torch
    from transformers import AutoModelForCausalLM, Qwen2Config, Qwen2ForCausalLM

    from tests.helpers.tiny_model import build_tiny_model, build_tokenizer

    tokenizer = build_tokenizer()
    if cuda:
        torch.manual_seed(0)
        model = Qwen2ForCausalLM(Qwen2Config(**QWEN_05B)).to(torch.bfloat16).to("cuda")
        return model, tokenizer, "Qwen2.5-0.5B shape, random weights, bf16, CUDA"
    build_tiny_model(folder)
    return AutoModelForCausalLM.from_pretrained(folder), tokenizer, "tiny Llama, fp32, CPU"


def batches(vocab: int, steps: int, batch: int, seq_len: int) -> list[dict]:
    import torch

    g = torch.Generator().manual_seed(0)
    rows = []
    for _ in range(steps * batch):
        ids = torch.randint(10, vocab, (seq_len,), generator=g).tolist()
        rows.append({"input_ids": ids, "completion_mask": [0] * (seq_len // 2)
                     + [1] * (seq_len - seq_len // 2)})
    return rows


def lora(model):  # noqa: ANN001, ANN201
    from peft import LoraConfig, get_peft_model

    names = {n.rsplit(".", 1)[-1] for n, _ in model.named_modules()}
    config = LoraConfig(r=16, lora_alpha=32, lora_dropout=0.0, bias="none",
                        target_modules=[t for t in TARGETS if t in names], task_type="CAUSAL_LM")
    return get_peft_model(model, config)


def peak_mb(torch, cuda: bool) -> float:  # noqa: ANN001
    if cuda:
        return torch.cuda.max_memory_allocated() / 2**20
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bare_loop(model, rows: list[dict], batch: int, cuda: bool) -> dict:  # noqa: ANN001
    """Baseline: forward, backward and AdamW on the same LoRA and batches, nothing else."""
    import torch

    device = "cuda" if cuda else "cpu"
    optimiser = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    model.train()
    tokens = 0
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    for k in range(0, len(rows), batch):
        chunk = rows[k:k + batch]
        ids = torch.tensor([r["input_ids"] for r in chunk], device=device)
        mask = torch.tensor([r["completion_mask"] for r in chunk], device=device)
        labels = ids.masked_fill(mask == 0, -100)
        with torch.autocast(device, dtype=torch.bfloat16, enabled=cuda):
            loss = model(input_ids=ids, labels=labels).loss
        loss.backward()
        optimiser.step()
        optimiser.zero_grad(set_to_none=True)
        tokens += ids.numel()
    if cuda:
        torch.cuda.synchronize()
    elapsed = time.perf_counter() - start
    return {"tokens_per_second": tokens / elapsed, "peak_memory_mb": peak_mb(torch, cuda),
            "seconds": elapsed}


def trl_run(model, tokenizer, rows: list[dict], batch: int, cuda: bool, out: Path) -> dict:  # noqa: ANN001
    import datasets
    import torch
    import trl

    config = trl.SFTConfig(
        output_dir=str(out), max_steps=len(rows) // batch, per_device_train_batch_size=batch,
        learning_rate=1e-4, logging_steps=max(1, len(rows) // batch // 4), save_strategy="no",
        report_to="none", bf16=cuda, use_cpu=not cuda, completion_only_loss=True,
        max_length=len(rows[0]["input_ids"]), disable_tqdm=True, dataset_num_proc=None)
    trainer = trl.SFTTrainer(model=model, args=config, processing_class=tokenizer,
                             train_dataset=datasets.Dataset.from_list(rows))
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    trainer.train()
    if cuda:
        torch.cuda.synchronize()
    elapsed = time.perf_counter() - start
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    return {"tokens_per_second": trainer._total_train_tokens / elapsed,  # noqa: SLF001
            "peak_memory_mb": peak_mb(torch, cuda), "seconds": elapsed, "losses": losses}


def main() -> int:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int)
    parser.add_argument("--seq-len", type=int)
    parser.add_argument("--batch", type=int)
    parser.add_argument("--cpu", action="store_true", help="measure the tiny CPU model even "
                                                           "when CUDA is available")
    args = parser.parse_args()
    cuda = torch.cuda.is_available() and not args.cpu
    steps = args.steps or (20 if cuda else 6)
    seq_len = args.seq_len or (1024 if cuda else 256)
    batch = args.batch or (4 if cuda else 2)
    print(f"bench_train: measuring on {'CUDA' if cuda else 'CPU (no CUDA: tiny model)'}",
          file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        model, tokenizer, label = build(cuda, Path(tmp) / "tiny")
        params = sum(p.numel() for p in model.parameters())
        rows = batches(model.config.vocab_size, steps, batch, seq_len)
        baseline = bare_loop(lora(model), rows, batch, cuda)
        model, tokenizer, _ = build(cuda, Path(tmp) / "tiny2")
        measured = trl_run(lora(model), tokenizer, rows, batch, cuda, Path(tmp) / "out")
    result = {
        "device": torch.cuda.get_device_name(0) if cuda else "cpu", "model": label,
        "parameters": params, "steps": steps, "batch": batch, "seq_len": seq_len,
        "trl_sft_lora": measured, "baseline_bare_loop": baseline,
        "throughput_ratio_trl_vs_bare": measured["tokens_per_second"]
        / baseline["tokens_per_second"],
        "peak_memory_ratio_trl_vs_bare": measured["peak_memory_mb"] / baseline["peak_memory_mb"],
        "peak_memory_kind": "torch.cuda.max_memory_allocated per run" if cuda else
        "process peak RSS (cumulative: the second run's figure includes the first's)",
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
