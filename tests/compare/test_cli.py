"""`kgjudge score REF CAND`: text and JSON output, graph files, stdin, usage errors."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from kgjudge.cli import main

from .constructed import worked_candidate, worked_reference

PACK = str(Path(__file__).parents[1] / "extract" / "pack")


@pytest.fixture
def pair(tmp_path: Path) -> tuple[str, str]:
    ref = tmp_path / "ref.txt"
    cand = tmp_path / "cand.txt"
    ref.write_text("Small left pleural effusion. No pneumothorax.\n")
    cand.write_text("Small right pleural effusion. Pneumothorax.\n")
    return str(ref), str(cand)


def test_text_output_has_scores_and_diff(pair, capsys) -> None:
    assert main(["score", *pair, "--domain", PACK]) == 0
    out = capsys.readouterr().out
    assert out.startswith("nodes  precision")
    assert "! contradicted: pneumothorax: absent in the reference, present in the candidate" in out
    assert "~ relation mismatch: effusion: located at left pleural in the reference, right " \
           "pleural in the candidate" in out


def test_json_output_is_one_object(pair, capsys, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(Path(pair[1]).read_text()))
    assert main(["score", pair[0], "-", "--domain", PACK, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= {"scores", "diff", "lines", "alignment"}
    assert data["scores"]["contradictions"] == 1
    assert {i["kind"] for i in data["diff"]["items"]} >= {"contradicted", "relation_mismatch"}


def test_graph_json_files_are_compared_without_extraction(tmp_path, capsys) -> None:
    ref, cand = tmp_path / "r.json", tmp_path / "c.json"
    ref.write_text(worked_reference().to_json())
    cand.write_text(worked_candidate().to_json())
    assert main(["score", str(ref), str(cand), "--domain", PACK, "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)["scores"]
    assert round(scores["nsc"], 4) == 0.5714 and scores["ams"] == 0.5


def test_usage_errors_exit_2(pair, tmp_path, capsys) -> None:
    assert main(["score", "-", "-", "--domain", PACK]) == 2
    assert main(["score", pair[0], str(tmp_path / "absent.txt"), "--domain", PACK]) == 2
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main(["score", pair[0], str(bad), "--domain", PACK]) == 2
    assert "kgjudge extract" in capsys.readouterr().err


def test_assertion_override_gives_rexkg_numbers(pair, capsys) -> None:
    assert main(["score", *pair, "--domain", PACK, "--json", "--assertion", "ignore"]) == 0
    ignored = json.loads(capsys.readouterr().out)["scores"]
    assert main(["score", *pair, "--domain", PACK, "--json"]) == 0
    respected = json.loads(capsys.readouterr().out)["scores"]
    # the flipped pneumothorax matches when assertions are ignored, and is still reported
    assert ignored["matched"] > respected["matched"]
    assert ignored["contradictions"] == respected["contradictions"] == 1
