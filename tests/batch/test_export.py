"""Export rows, overrides in the export, atomic files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from batch_helpers import comparison, pair, verdict

from kgjudge.errors import ConfigError
from kgjudge.export import COLUMNS, atomic_text, export_run
from kgjudge.store import Store


def test_rows_carry_metrics_verdict_and_latest_override(tmp_path: Path) -> None:
    db, out = tmp_path / "s.sqlite", tmp_path / "out" / "scores.csv"
    with Store(db) as store:
        run = store.create_run(config={}, domain="d")
        store.add_result(run, pair("c1"), comparison=comparison(),
                         verdicts=[verdict("c1", "accuracy", 4, rationale="a\nb, \"c\""),
                                   verdict("c1", "style", 2)])
        store.add_override(run, "c1", "accuracy", new_score=2, reason="missed, badly", who="x")
        store.add_override(run, "c1", "accuracy", new_score=3, reason="on reflection\nok",
                           who="y")
        assert export_run(store, run, out=out) == 2
        assert export_run(store, run, fmt="jsonl", out=tmp_path / "s.jsonl") == 2
    with out.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == COLUMNS
        accuracy, style = list(reader)
    assert accuracy["rationale"] == 'a\nb, "c"' and accuracy["node_f1"] == "1.0"
    assert (accuracy["score"], accuracy["override_score"], accuracy["final_score"]) == ("4", "3",
                                                                                        "3")
    assert accuracy["override_reason"] == "on reflection\nok" and accuracy["override_who"] == "y"
    assert (style["override_score"], style["final_score"]) == ("", "2")
    first = json.loads((tmp_path / "s.jsonl").read_text().splitlines()[0])
    assert first["override_score"] == 3 and first["ams"] is None
    assert sorted(p.name for p in out.parent.iterdir()) == ["scores.csv"]  # no temp file left


def test_atomic_file_keeps_the_old_one_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "scores.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_text(target) as handle:
        handle.write("half")
        raise RuntimeError("disk on fire")
    assert target.read_text() == "old" and list(tmp_path.iterdir()) == [target]


def test_unknown_format(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store, pytest.raises(ConfigError, match="csv"):
        export_run(store, store.create_run(config={}, domain="d"), fmt="xlsx")


def test_export_is_an_ordinary_file_not_private(tmp_path: Path) -> None:
    import os
    import stat

    old = os.umask(0o022)
    try:
        with atomic_text(tmp_path / "new.csv") as handle:
            handle.write("a\n")
        assert stat.S_IMODE((tmp_path / "new.csv").stat().st_mode) == 0o644
        (tmp_path / "kept.csv").write_text("x\n")
        (tmp_path / "kept.csv").chmod(0o640)
        with atomic_text(tmp_path / "kept.csv") as handle:
            handle.write("b\n")
        assert stat.S_IMODE((tmp_path / "kept.csv").stat().st_mode) == 0o640
    finally:
        os.umask(old)
