"""The openai backend against a real local server (transformers serve) and the hf backend, both on
a tiny random-weight model: verdicts come back (probably unscored), raw output kept, no crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgjudge.judge import get_judge
from kgjudge.judge.hf import probabilities_from_logits, score_token_ids
from kgjudge.judge.parse import expected_score
from tests.helpers import comparisons

from .conftest import make_case

pytestmark = pytest.mark.integration


def cases(rubrics):  # noqa: ANN001, ANN201
    return [make_case(b, rubrics[r]) for b in comparisons.BY_SEVERITY[:2]
            for r in ("factual_correctness", "completeness")]


def check_verdicts(verdicts, cases_) -> None:  # noqa: ANN001
    assert [(v.case_id, v.rubric) for v in verdicts] == [(c.id, c.rubric.id) for c in cases_]
    for v in verdicts:
        assert v.status in ("ok", "unscored"), v.error
        assert v.prompt_hash and len(v.prompt_hash) == 64
        if v.status == "unscored":
            assert v.score is None and v.expected_score is None and v.error
        else:
            assert 1 <= v.score <= 5
        assert isinstance(v.raw_output, str)


def test_openai_backend_end_to_end(tiny_server, rubrics) -> None:  # noqa: ANN001
    judge = get_judge("openai", None, base_url=tiny_server.base_url, model=tiny_server.model,
                      api_key="sk-test-never-shown", max_tokens=16, concurrency=2)
    try:
        models = judge.endpoint.models()
        judge.check_server()  # as batch does first: this real server answers, so no error
        batch = cases(rubrics)
        verdicts = list(judge.judge_many(batch))
    finally:
        judge.close()
    assert isinstance(models, list)  # transformers serve lists hub-cache models only
    check_verdicts(verdicts, batch)
    assert all(v.backend == "openai" and v.model == tiny_server.model for v in verdicts)
    assert all(v.completion_tokens is not None for v in verdicts)
    assert "sk-test-never-shown" not in tiny_server.log.read_text(errors="replace")


def test_hf_backend_batched(tiny_model_dir: Path, rubrics) -> None:  # noqa: ANN001
    judge = get_judge("hf", None, model=str(tiny_model_dir), batch_size=3, max_new_tokens=12)
    batch = cases(rubrics)
    verdicts = list(judge.judge_many(batch))
    check_verdicts(verdicts, batch)
    assert all(v.backend == "hf" and v.prompt_tokens and v.completion_tokens for v in verdicts)
    # Greedy decoding: one by one gives the same replies as batched.
    single = [judge.judge(c) for c in batch[:2]]
    assert [v.raw_output for v in single] == [v.raw_output for v in verdicts[:2]]


def test_hf_prompt_too_long_is_an_error_verdict(tiny_model_dir: Path, rubrics) -> None:  # noqa: ANN001
    judge = get_judge("hf", None, model=str(tiny_model_dir), context_window=64,
                      max_new_tokens=4)
    verdict = judge.judge(make_case(rubric=rubrics["completeness"]))
    assert verdict.status == "error" and "PromptTooLong" in verdict.error


def test_score_probabilities_from_logits(tiny_model_dir: Path) -> None:
    import torch
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    ids = score_token_ids(tokenizer)
    assert all(len(ids[k]) == 1 for k in range(1, 6))
    logits = torch.full((len(tokenizer),), -1e4)
    for k, p in {3: 0.25, 4: 0.75}.items():
        logits[next(iter(ids[k]))] = torch.log(torch.tensor(p))
    probs = probabilities_from_logits(logits, ids)
    assert probs[4] == pytest.approx(0.75, abs=1e-4)
    assert expected_score(probs) == pytest.approx(3.75, abs=1e-3)


def test_hf_backend_with_peft_adapter(tiny_model_dir: Path, tmp_path: Path, rubrics) -> None:  # noqa: ANN001
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    lora = get_peft_model(base, LoraConfig(r=2, lora_alpha=4, target_modules=["q_proj", "v_proj"],
                                           task_type="CAUSAL_LM"))
    lora.save_pretrained(tmp_path / "adapter")
    judge = get_judge("hf", None, model=str(tiny_model_dir), adapter=str(tmp_path / "adapter"),
                      max_new_tokens=4)
    verdict = judge.judge(make_case(rubric=rubrics["completeness"]))
    assert verdict.status in ("ok", "unscored") and verdict.adapter == str(tmp_path / "adapter")
    assert type(judge.model).__name__.startswith("Peft")
