"""CPU training of a tiny random-weight model: finite, falling loss; an adapter vLLM can load;
peft reload and merge; the hf judge judging with the adapter end to end."""

from __future__ import annotations

import json
import math

import pytest

from kgjudge.judge.base import Pair
from kgjudge.train.trainer import check_adapter_config

pytestmark = pytest.mark.integration


def test_loss_is_finite_and_falls(trained) -> None:  # noqa: ANN001
    assert trained.steps == 8 and len(trained.losses) >= 4
    assert all(math.isfinite(x) for x in trained.losses)
    first, last = trained.losses[:2], trained.losses[-2:]
    assert sum(last) / 2 < sum(first) / 2


def test_adapter_holds_only_what_vllm_loads(trained) -> None:  # noqa: ANN001
    config_path = trained.adapter / "adapter_config.json"
    assert check_adapter_config(config_path) == []
    config = json.loads(config_path.read_text())
    assert config["peft_type"] == "LORA" and config["r"] == 4 and config["lora_alpha"] == 8
    assert sorted(config["target_modules"]) == ["k_proj", "o_proj", "q_proj", "v_proj"]
    assert not config["use_dora"] and config["bias"] == "none" and not config["modules_to_save"]
    assert (trained.adapter / "adapter_model.safetensors").is_file()


def test_refused_adapter_settings_are_caught(trained, tmp_path) -> None:  # noqa: ANN001
    config = json.loads((trained.adapter / "adapter_config.json").read_text())
    (tmp_path / "adapter_model.safetensors").write_bytes(b"")
    config.update(use_dora=True, modules_to_save=["lm_head"])
    (tmp_path / "adapter_config.json").write_text(json.dumps(config))
    problems = check_adapter_config(tmp_path / "adapter_config.json")
    assert any("use_dora" in p for p in problems) and any("modules_to_save" in p for p in problems)


def test_adapter_reloads_with_peft_and_merges(trained, tiny_model_dir) -> None:  # noqa: ANN001
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    before = {k: v.clone() for k, v in base.state_dict().items()}
    model = PeftModel.from_pretrained(base, trained.adapter)
    merged = model.merge_and_unload()
    after = merged.state_dict()
    changed = [k for k in before if "q_proj" in k and not torch.equal(before[k], after[k])]
    assert changed, "merging the trained adapter changed no q_proj weight"
    ids = torch.tensor([[2, 5, 6, 7]])
    assert torch.isfinite(merged(ids).logits).all()


def test_sidecars_record_recipe_hashes_and_report(trained) -> None:  # noqa: ANN001
    out = trained.out
    info = json.loads((out / "train_info.json").read_text())
    assert info["data"]["sha256"]["train"] != info["data"]["sha256"]["eval"]
    assert info["steps"] == 8 and info["tokens_per_second"] > 0
    assert (out / "recipe.toml").is_file() and (out / "recipe.json").is_file()
    report = json.loads((out / "eval_report.json").read_text())
    overall = report["rubrics"]["all"]
    assert overall["n"] == report["n"] > 0
    assert 0.0 <= overall["unscored_rate"] <= 1.0
    assert {"item.pearson", "item.spearman", "item.kendall", "exact", "off_by_one"} <= set(overall)


def test_hf_judge_judges_with_the_adapter(pack, trained, tiny_model_dir) -> None:  # noqa: ANN001
    from kgjudge.judge import get_judge
    from kgjudge.pipeline import Pipeline

    judge = get_judge("hf", pack, model=str(tiny_model_dir), adapter=str(trained.adapter),
                      max_new_tokens=8)
    pair = Pair(id="p", reference="Small left pleural effusion. No pneumothorax.",
                candidate="No pneumothorax.")
    verdicts = Pipeline(pack, judge=judge).judge_pair(pair, ["completeness", "hallucination"])
    assert [v.rubric for v in verdicts] == ["completeness", "hallucination"]
    for v in verdicts:
        assert v.backend == "hf" and v.adapter == str(trained.adapter)
        assert v.status in ("ok", "unscored") and v.completion_tokens and v.prompt_hash


def test_agreement_report_per_rubric_overall_and_source() -> None:
    from kgjudge.train.evaluation import agreement_report

    records = [{"id": f"r{i}", "rubric": "completeness" if i % 2 else "hallucination",
                "reference_id": f"doc{i % 3}", "source": "labelled" if i < 4 else "synthetic",
                "score": 1 + i % 5} for i in range(10)]
    scores = [1 + i % 5 if i != 3 else None for i in range(10)]
    report = agreement_report(records, scores)
    assert set(report["rubrics"]) == {"completeness", "hallucination", "all",
                                      "source:labelled", "source:synthetic"}
    overall = report["rubrics"]["all"]
    assert overall["n"] == 10 and abs(overall["unscored_rate"] - 0.1) < 1e-9
    assert overall["exact"] == 1.0 and overall["item.spearman"] > 0.99
