"""The ``hf`` judge: in-process transformers (with an optional peft adapter), batched.

For small models, offline evaluation and tests. Greedy generation in batches (left padding);
the score probabilities are read from the logits at the generated score token, restricted to the
five score tokens (with and without a leading space) and renormalised.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from kgjudge.errors import ConfigError, KgJudgeError, require
from kgjudge.judge.base import Case, Verdict
from kgjudge.judge.parse import SCORES, normalise, parse_output, score_of_token
from kgjudge.judge.prompt import Prompt, build_prompt
from kgjudge.judge.verdicts import error_verdict, reply_verdict
from kgjudge.weights import load_local, local_adapter


@dataclass(frozen=True)
class HFJudgeSettings:
    """Model and generation settings of the hf judge."""

    model: str = ""
    """A local model folder (or hub id already in the local cache; nothing is downloaded)."""
    adapter: str | None = None
    """A peft adapter folder."""
    device: str = "cpu"
    dtype: str = "auto"
    batch_size: int = 8
    max_new_tokens: int = 512
    context_window: int | None = None
    truncate: bool = False


class HFJudge:
    """Judges cases with a transformers causal LM loaded in this process."""

    name = "hf"

    def __init__(self, pack: Any = None, *, settings: HFJudgeSettings | None = None,
                 model_obj: Any = None, tokenizer: Any = None, **options: Any) -> None:
        """``model_obj``/``tokenizer``: an already loaded model and tokenizer (benchmarks)."""
        unknown = set(options) - set(HFJudgeSettings.__dataclass_fields__)
        if unknown:
            raise ConfigError(f"unknown hf judge setting(s) {sorted(unknown)}; known: "
                              f"{', '.join(HFJudgeSettings.__dataclass_fields__)}")
        self.settings = HFJudgeSettings(**{**(settings or HFJudgeSettings()).__dict__, **options})
        self.torch = require("torch", extra="train", purpose="the hf judge")
        if model_obj is None:
            model_obj, tokenizer = _load(self.settings)
        self.model, self.tokenizer = model_obj, tokenizer
        self.tokenizer.padding_side = "left"  # generation continues on the right
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.score_ids = score_token_ids(self.tokenizer)
        self.model.eval()

    def judge(self, case: Case) -> Verdict:
        return next(iter(self.judge_many([case])))

    def judge_many(self, cases: Iterable[Case]) -> Iterator[Verdict]:
        """Judges in batches of ``batch_size``; verdicts in input order."""
        iterator = iter(cases)
        while batch := list(islice(iterator, max(1, self.settings.batch_size))):
            yield from self._judge_batch(batch)

    def _meta(self) -> dict[str, Any]:
        return {"backend": self.name, "model": self.settings.model or
                getattr(self.model, "name_or_path", ""), "adapter": self.settings.adapter or ""}

    def _judge_batch(self, cases: list[Case]) -> list[Verdict]:
        start = time.perf_counter()
        prompts: list[Prompt | None] = []
        failed: dict[int, Verdict] = {}
        for i, case in enumerate(cases):
            try:
                prompts.append(build_prompt(
                    case, tokenizer=self.tokenizer, context_window=self._context(),
                    max_new_tokens=self.settings.max_new_tokens, truncate=self.settings.truncate))
            except KgJudgeError as e:
                prompts.append(None)
                failed[i] = error_verdict(case, e, **self._meta())
        ready = [(i, p) for i, p in enumerate(prompts) if p is not None]
        outputs = self._generate([p.text for _, p in ready]) if ready else []
        latency = (time.perf_counter() - start) / max(1, len(ready))
        verdicts = dict(failed)
        for (i, prompt), (text, raw, probs, n_new) in zip(ready, outputs, strict=True):
            verdicts[i] = reply_verdict(
                cases[i], text, raw=raw, probabilities=probs, latency_s=latency,
                prompt_hash=prompt.hash, prompt_tokens=prompt.tokens, completion_tokens=n_new,
                truncated=prompt.truncated, **self._meta())
        return [verdicts[i] for i in range(len(cases))]

    def _context(self) -> int | None:
        if self.settings.context_window:
            return self.settings.context_window
        return getattr(self.model.config, "max_position_embeddings", None)

    def _generate(self, texts: list[str]) -> list[tuple[str, str, dict[int, float] | None, int]]:
        """(text without special tokens, raw text, score probabilities, new tokens) per prompt."""
        torch = self.torch
        batch = self.tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
        batch = batch.to(self.model.device)
        with torch.inference_mode():
            out = self.model.generate(
                **batch, max_new_tokens=self.settings.max_new_tokens, do_sample=False,
                output_scores=True, return_dict_in_generate=True,
                pad_token_id=self.tokenizer.pad_token_id)
        new = out.sequences[:, batch["input_ids"].shape[1]:]
        step_logits = torch.stack(out.scores, dim=1)  # (batch, steps, vocab)
        results = []
        for row, tokens in enumerate(new):
            ids = [int(t) for t in tokens if int(t) != self.tokenizer.pad_token_id]
            text = self.tokenizer.decode(ids, skip_special_tokens=True)
            raw = self.tokenizer.decode(ids, skip_special_tokens=False)
            probs = self._score_probabilities(text, tokens, step_logits[row])
            results.append((text, raw, probs, len(ids)))
        return results

    def _score_probabilities(self, text: str, tokens: Any, logits: Any) -> dict[int, float] | None:
        """Softmax at the last generated token that stands for the parsed score."""
        score = parse_output(text).score
        if score is None:
            return None
        for step in range(len(tokens) - 1, -1, -1):
            if int(tokens[step]) in self.score_ids[score]:
                return probabilities_from_logits(logits[step], self.score_ids)
        return None


def score_token_ids(tokenizer: Any) -> dict[int, set[int]]:
    """Vocabulary ids standing for each score 1..5 ("5", " 5", "▁5", "Ġ5" where they exist)."""
    ids: dict[int, set[int]] = {k: set() for k in SCORES}
    unk = getattr(tokenizer, "unk_token_id", None)
    for token, token_id in tokenizer.get_vocab().items():
        score = score_of_token(token)
        if score is not None and token_id != unk:
            ids[score].add(token_id)
    return ids


def probabilities_from_logits(logits: Any, score_ids: dict[int, set[int]],
                              ) -> dict[int, float] | None:
    """Renormalised p(1..5) from one position's logits, summing each score's token variants."""
    import torch

    probs = torch.softmax(logits.float(), dim=-1)
    mass = {k: float(sum(probs[i] for i in ids)) if ids else 0.0 for k, ids in score_ids.items()}
    return normalise(mass)


def _load(settings: HFJudgeSettings) -> tuple[Any, Any]:
    if not settings.model:
        raise ConfigError("the hf judge needs a model folder: pass model=PATH (--model PATH)")
    transformers = require("transformers", extra="train", purpose="the hf judge")
    what = f"model '{settings.model}' for the hf judge"
    tokenizer = load_local(transformers.AutoTokenizer, settings.model, what=what)
    model = load_local(transformers.AutoModelForCausalLM, settings.model, what=what,
                       dtype=settings.dtype).to(settings.device)
    if settings.adapter:
        peft = require("peft", extra="train", purpose="loading a LoRA adapter in the hf judge")
        adapter = local_adapter(settings.adapter)
        try:
            model = peft.PeftModel.from_pretrained(model, str(adapter))
        except (OSError, ValueError) as e:
            raise ConfigError(f"cannot load adapter '{settings.adapter}': {e}") from e
    return model, tokenizer
