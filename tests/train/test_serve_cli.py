"""``kgjudge serve --print`` and ``kgjudge train data`` from the command line; the vLLM command;
Self-Taught-Evaluator filtering with a stand-in judge."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from kgjudge.cli import main
from kgjudge.judge.base import Verdict
from kgjudge.train.serve import serve_plan

PACK = str(Path(__file__).parent / "pack")


def _adapter(tmp_path: Path, rank: int) -> Path:
    adapter = tmp_path / "run" / "adapter"
    adapter.mkdir(parents=True)
    (adapter / "adapter_config.json").write_text(json.dumps({"r": rank, "peft_type": "LORA"}))
    (adapter.parent / "train_info.json").write_text(json.dumps({"system_role": False}))
    return adapter


def test_vllm_command_and_matching_settings(recipe, tmp_path: Path) -> None:  # noqa: ANN001
    adapter = _adapter(tmp_path, 12)
    plan = serve_plan(recipe, "trainrad", adapter, port=8123)
    command = list(plan.command)
    assert command[:4] == ["vllm", "serve", recipe.model.base, "--enable-lora"]
    assert command[command.index("--lora-modules") + 1] == f"trainrad={adapter}"
    assert command[command.index("--max-lora-rank") + 1] == "16"  # 12 rounded up to vLLM's 16
    assert shlex.split(plan.shell()) == ["HF_HUB_OFFLINE=1", *command]  # no download by vLLM
    settings = plan.judge_settings()
    assert settings == {"base_url": "http://127.0.0.1:8123/v1", "model": recipe.model.base,
                        "adapter": "trainrad", "system_role": False}


def test_serve_print_runs_nothing(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    adapter = _adapter(tmp_path, 4)
    code = main(["serve", "--domain", PACK, "--adapter", str(adapter), "--print"])
    out, err = capsys.readouterr()
    assert code == 0
    assert out.startswith("HF_HUB_OFFLINE=1 vllm serve replaced-by-the-tests --enable-lora "
                          "--lora-modules ")
    assert "--max-lora-rank 8" in out and "KGJUDGE_OPENAI_BASE_URL" in err


def test_serve_without_adapter_says_how_to_make_one(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    code = main(["serve", "--domain", PACK, "--adapter", str(tmp_path), "--print"])
    assert code == 2 and "kgjudge train --domain" in capsys.readouterr().err


def test_train_data_cli_writes_jsonl(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    out = tmp_path / "data.jsonl"
    code = main(["train", "data", "--domain", PACK, "--out", str(out), "--max-references", "3"])
    summary = json.loads(capsys.readouterr().out)
    assert code == 0 and summary["examples"] > 0 and summary["references"] <= 3
    lines = out.read_text().splitlines()
    assert len(lines) == summary["examples"]
    record = json.loads(lines[0])
    assert [m["role"] for m in record["prompt"]] == ["system", "user"]
    assert record["completion"][0]["role"] == "assistant"


def test_iterate_keeps_only_correctly_ordered_judgments(pack, recipe) -> None:  # noqa: ANN001
    from kgjudge.train.iterate import agreeing_judgments, ordered_pairs

    references = [(Path(PACK) / "examples/references/r1.txt").read_text()]
    pairs = ordered_pairs(pack, recipe, references, seed=5, limit=6)
    assert pairs and all(better.score > worse.score for better, worse in pairs)

    class Judge:  # agrees on even pairs, inverts odd ones
        name = "stand-in"

        def judge_many(self, cases):  # noqa: ANN001, ANN202
            for n, case in enumerate(cases):
                k, first = divmod(n, 2)
                score = (4 if first == 0 else 2) if k % 2 == 0 else (2 if first == 0 else 4)
                yield Verdict(case.id, case.rubric.id, "ok", score=score, rationale=f"r{n}")

    kept = agreeing_judgments(pairs, pack, Judge())
    assert len(kept) == 2 * len(range(0, len(pairs), 2))
    assert all(e.source == "iterate" for e in kept)
    assert [e.score for e in kept[:2]] == [4, 2] and kept[0].rationale == "r0"


@pytest.mark.slow
def test_iterate_trains_a_second_round(pack, recipe, records, tmp_path: Path) -> None:  # noqa: ANN001
    from dataclasses import replace

    from kgjudge.train.iterate import iterate

    quick = replace(recipe, trainer=replace(recipe.trainer, max_steps=2),
                    iterate=replace(recipe.iterate, pairs_per_round=4),
                    evaluation=replace(recipe.evaluation, max_new_tokens=4))
    results = iterate(pack, quick, records, tmp_path, 1, progress=False)
    assert len(results) == 2 and all(r.steps == 2 for r in results)
    assert (tmp_path / "round-1" / "adapter" / "adapter_config.json").is_file()
