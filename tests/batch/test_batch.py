"""Batch orchestration with a fake processor: bad inputs, resume, workers, remote judging."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
from batch_helpers import make_folder

from kgjudge.batch import BatchSettings, run_batch
from kgjudge.export import export_run
from kgjudge.store import Store

RUBRICS = ("factual_correctness", "completeness")


def settings(pack_dir: Path, **kw: object) -> BatchSettings:
    return BatchSettings(domain=str(pack_dir), processor="batch_fakes:factory", **kw)


def bad_folder(root: Path) -> tuple[Path, dict[str, str]]:
    """Good pairs plus one pair per kind of bad input; returns id -> expected reason."""
    make_folder(root, 3)
    ref, cand = root / "references", root / "candidates"
    expected = {}

    def add(name: str, reason: str, content: bytes | None, *, side: Path = cand) -> None:
        other = ref if side is cand else cand
        (other / f"{name}.txt").write_text("fine text effusion")
        if content is not None:
            (side / f"{name}.txt").write_bytes(content)
        expected[name] = reason

    add("empty", "empty file", b"")
    add("binary", "binary file", b"\x89PNG\x00\x00\x01")
    add("latin1", "invalid UTF-8", "résumé".encode("latin-1"))
    add("huge", "file too large", b"word " * 400)
    add("timeout", "JudgeTimeout", b"JUDGE_TIMEOUT please")
    add("fivexx", "JudgeError", b"JUDGE_5XX please")
    add("garbled", "unscored", b"UNPARSABLE please")
    add("bug", "internal error", b"CRASH please")
    (cand / "noref.txt").write_text("orphan")
    expected["noref"] = "missing reference"
    (ref / "nocand.txt").write_text("orphan")
    expected["nocand"] = "missing candidate"
    locked = cand / "locked.txt"
    (ref / "locked.txt").write_text("fine")
    locked.write_text("secret")
    locked.chmod(0)
    if os.access(locked, os.R_OK):  # root reads anything: use a dangling link instead
        locked.chmod(0o644)
        locked.unlink()
        os.symlink(root / "nowhere", locked)
    expected["locked"] = "unreadable file"
    (ref / "folder.txt").write_text("fine")
    (cand / "folder.txt").mkdir()
    expected["folder"] = "not a file"
    return root, expected


@pytest.mark.parametrize("jobs", [1, 2])
def test_bad_inputs_never_stop_the_run(tmp_path: Path, pack_dir: Path, jobs: int) -> None:
    root, expected = bad_folder(tmp_path / "in")
    db = tmp_path / "run.sqlite"
    report = run_batch(root, settings(pack_dir, jobs=jobs, max_bytes=1000, chunk=2), db=db)
    assert report.exit_code == 1
    assert report.processed == report.total == 3 + len(expected)
    out = tmp_path / "scores.csv"
    with Store(db) as store:
        export_run(store, report.run_id, out=out)
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(RUBRICS) * (3 + len(expected))
    by_case = {}
    for row in rows:
        by_case.setdefault(row["case_id"], []).append(row)
    for case_id in ("r0000", "r0001", "r0002"):
        assert {r["status"] for r in by_case[case_id]} == {"ok"}
        assert all(r["score"] in "12345" and r["node_f1"] for r in by_case[case_id])
        assert by_case[case_id][0]["rationale"] == f'{case_id}: first line\nsecond line, "quoted"'
    for case_id, reason in expected.items():
        for row in by_case[case_id]:
            assert row["status"] in ("error", "unscored"), case_id
            text = row["error"] or row["status"]
            assert text.startswith(reason), (case_id, text)
    reasons = set(report.failures)
    assert {"empty file", "binary file", "invalid UTF-8", "file too large", "JudgeTimeout",
            "JudgeError", "unscored", "missing reference", "missing candidate",
            "unreadable file", "not a file", "internal error"} <= reasons


def test_resume_recomputes_nothing(tmp_path: Path, pack_dir: Path) -> None:
    root = make_folder(tmp_path / "in", 5)
    db = tmp_path / "run.sqlite"
    first = run_batch(root, settings(pack_dir), db=db)
    assert (first.processed, first.skipped, first.exit_code) == (5, 0, 0)
    for i in range(5, 8):
        (root / "references" / f"r{i}.txt").write_text("new")
        (root / "candidates" / f"r{i}.txt").write_text("new")
    second = run_batch(root, settings(pack_dir), db=db)
    assert second.run_id == first.run_id
    assert (second.processed, second.skipped) == (3, 5)
    other = run_batch(root, settings(pack_dir, rubrics=("completeness",)), db=db)
    assert other.run_id != first.run_id and other.processed == 8
    with Store(db) as store:
        assert len(store.verdicts(first.run_id)) == 8 * len(RUBRICS)


def test_on_loaded_is_called_once_the_processor_is_built(tmp_path: Path, pack_dir: Path) -> None:
    # the CLI settles what was loaded there (gc.freeze); a processor passed in was not built here
    root = make_folder(tmp_path / "in", 3)
    seen: list[int] = []
    report = run_batch(root, settings(pack_dir), db=tmp_path / "a.sqlite",
                       on_outcome=lambda _: seen.append(0), on_loaded=lambda: seen.append(1))
    assert report.processed == 3 and seen == [1, 0, 0, 0]
    from batch_fakes import factory

    seen.clear()
    run_batch(root, settings(pack_dir), db=tmp_path / "b.sqlite",
              processor=factory(settings(pack_dir)), on_loaded=lambda: seen.append(1))
    assert seen == []


def test_retry_failed_recomputes_failures_only(tmp_path: Path, pack_dir: Path) -> None:
    root = make_folder(tmp_path / "in", 2)
    (root / "candidates" / "r0001.txt").write_bytes(b"")
    db = tmp_path / "run.sqlite"
    assert run_batch(root, settings(pack_dir), db=db).exit_code == 1
    (root / "candidates" / "r0001.txt").write_text("now fine")
    assert run_batch(root, settings(pack_dir), db=db).processed == 0
    fixed = run_batch(root, settings(pack_dir, retry_failed=True), db=db)
    assert (fixed.processed, fixed.exit_code) == (1, 0)


def test_remote_judge_runs_in_bounded_threads(tmp_path: Path, pack_dir: Path) -> None:
    root = make_folder(tmp_path / "in", 12, sources=("model_a", "model_b"))
    (root / "model_b" / "r0003.txt").write_text("JUDGE_TIMEOUT")
    db = tmp_path / "run.sqlite"
    report = run_batch(root, BatchSettings(domain=str(pack_dir), jobs=2, concurrency=3,
                                           processor="batch_fakes:remote_factory"), db=db)
    assert report.processed == 24 and report.failures == {"JudgeTimeout": 2}
    with Store(db) as store:
        assert store.sources(report.run_id) == ["model_a", "model_b"]
        ok = [v for v in store.verdicts(report.run_id) if v.status == "ok"]
        assert len(ok) == 23 * len(RUBRICS) and {v.backend for v in ok} == {"fake"}


def test_unknown_rubric_is_a_config_error(tmp_path: Path, pack_dir: Path) -> None:
    from kgjudge.errors import ConfigError

    root = make_folder(tmp_path / "in", 1)
    with pytest.raises(ConfigError, match="completness.*did you mean 'completeness'"):
        run_batch(root, settings(pack_dir, rubrics=("completness",)), db=tmp_path / "x.sqlite")


def test_manifest_with_inline_texts(tmp_path: Path, pack_dir: Path) -> None:
    import json

    manifest = tmp_path / "pairs.jsonl"
    rows = [{"id": "a", "reference": "effusion", "candidate": "effusion too", "source": "m1"},
            {"id": "b", "reference": "effusion", "candidate": "   ", "source": "m1"},
            {"id": "a", "reference": "effusion", "candidate": "other", "source": "m2"}]
    manifest.write_text("".join(json.dumps(r) + "\n" for r in rows))
    db = tmp_path / "run.sqlite"
    report = run_batch(manifest, settings(pack_dir), db=db)
    assert report.processed == 3 and report.failures == {"empty file": 2}
    with Store(db) as store:
        assert store.sources(report.run_id) == ["m1", "m2"]
        assert store.case(report.run_id, "a", source="m2").candidate_text == "other"
        assert store.case(report.run_id, "b", source="m1").error.startswith("empty file: b")


def test_pack_named_two_ways_resumes_one_run(tmp_path: Path, pack_dir: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_folder(tmp_path / "in", 2)
    db = tmp_path / "run.sqlite"
    first = run_batch(root, settings(pack_dir), db=db)
    monkeypatch.chdir(pack_dir.parent)
    again = run_batch(root, settings(Path(pack_dir.name)), db=db)
    assert again.run_id == first.run_id and again.processed == 0


@pytest.mark.slow
@pytest.mark.integration
def test_hf_backend_in_process(tmp_path: Path, pack_dir: Path) -> None:
    """The hf judge loads torch after the rules extractor imported spaCy without it."""
    from tests.helpers.tiny_model import build_tiny_model

    model = build_tiny_model(tmp_path / "tiny")
    root = make_folder(tmp_path / "in", 2)
    db = tmp_path / "run.sqlite"
    report = run_batch(root, BatchSettings(domain=str(pack_dir), backend="hf",
                                           judge_options={"model": str(model)}), db=db)
    assert report.processed == 2
    with Store(db) as store:
        verdicts = store.verdicts(report.run_id)
    assert len(verdicts) == 2 * len(RUBRICS)
    # random weights: ok or unscored, but judged by the model, never an error
    assert {v.status for v in verdicts} <= {"ok", "unscored"}
    assert {(v.backend, v.model) for v in verdicts} == {("hf", str(model))}
