"""The batch and export commands end to end, with the real pipeline and the kg judge."""

from __future__ import annotations

import csv
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

from kgjudge.cli import main

TEXTS = ("The example thing is large.", "The sample thing is big.", "No example thing.",
         "The example thing is small.", "Maybe the example thing is large.")


def corpus(root: Path, n: int, sources: tuple[str, ...] = ("candidates",)) -> Path:
    (root / "references").mkdir(parents=True)
    for i in range(n):
        (root / "references" / f"case{i:05d}.txt").write_text(TEXTS[i % 5] + f" Case {i}.")
        for k, source in enumerate(sources):
            (root / source).mkdir(exist_ok=True)
            text = TEXTS[(i + k + 1) % 5] + f"\nSecond line {i}."
            (root / source / f"case{i:05d}.txt").write_text(text)
    return root


def verdict_rows(db: Path) -> list[tuple[str, str, str, str]]:
    if not db.exists():
        return []
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as con:
        try:
            return con.execute(
                "SELECT source, case_id, rubric, created_at FROM verdicts").fetchall()
        except sqlite3.OperationalError:  # tables not created yet
            return []


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def alive(pid: int) -> bool:
    """Running (not gone, not a zombie waiting to be reaped)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_batch_then_export(tmp_path: Path, pack_dir: Path, capsys: pytest.CaptureFixture[str]
                           ) -> None:
    root = corpus(tmp_path / "in", 6, sources=("model_a", "model_b"))
    db, out = tmp_path / "run.sqlite", tmp_path / "scores.csv"
    args = ["batch", str(root), "--domain", str(pack_dir), "--db", str(db), "--out", str(out)]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "12 pairs scored now" in err and "every pair scored" in err
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 12 * 2 and {r["status"] for r in rows} == {"ok"}
    assert all(r["backend"] == "kg" and r["score"] in "12345" and r["rationale"] for r in rows)
    for source in ("model_a", "model_b"):  # the summary table agrees with the CSV
        for rubric in {r["rubric"] for r in rows}:
            scores = [int(r["score"]) for r in rows
                      if r["source"] == source and r["rubric"] == rubric]
            low = sum(score <= 2 for score in scores)
            pattern = (rf"^{source}\s+{rubric}\s+{sum(scores) / len(scores):.2f}\s+"
                       rf"{low} / {len(scores)}\s+0\s+0\s*$")
            assert re.search(pattern, err, re.MULTILINE), (pattern, err)
    assert main(args) == 0
    assert "0 pairs scored now, 12 already stored" in capsys.readouterr().err
    assert main(["export", "--db", str(db), "--format", "jsonl"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 24
    assert main(["export", "--db", str(db), "--corpus-report"]) == 0
    report = capsys.readouterr().out
    assert "== model_a: 6 cases" in report and "knowledge gaps" in report


def test_usage_errors_exit_2(tmp_path: Path, pack_dir: Path) -> None:
    assert main(["batch", str(tmp_path / "nope"), "--domain", str(pack_dir),
                 "--db", str(tmp_path / "x.sqlite")]) == 2
    assert main(["export", "--db", str(tmp_path / "none.sqlite")]) == 2
    (tmp_path / "empty" / "references").mkdir(parents=True)
    (tmp_path / "empty" / "candidates").mkdir()
    assert main(["batch", str(tmp_path / "empty"), "--domain", str(pack_dir),
                 "--db", str(tmp_path / "x.sqlite")]) == 2
    assert not (tmp_path / "x.sqlite").exists()
    with pytest.raises(SystemExit) as exit_info:
        main(["batch", str(tmp_path), "--domain", str(pack_dir), "--jobs", "0"])
    assert exit_info.value.code == 2


def test_a_judge_server_that_is_down_is_a_usage_error(tmp_path: Path, pack_dir: Path,
                                                     capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """--base-url (or its old name --endpoint) is checked before the first pair: exit 2 with
    what to do, and no store."""
    import socket

    from kgjudge.endpoint import Endpoint

    monkeypatch.setattr(Endpoint, "_sleep", lambda *_: None)  # retries without the backoff

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    root = corpus(tmp_path / "in", 2)
    for flag in ("--base-url", "--endpoint"):
        db = tmp_path / f"{flag.strip('-')}.sqlite"
        code = main(["batch", str(root), "--domain", str(pack_dir), "--backend", "openai",
                     flag, f"http://127.0.0.1:{port}/v1", "--model", "judge", "--db", str(db)])
        err = capsys.readouterr().err
        assert code == 2 and f"cannot reach http://127.0.0.1:{port}/v1/models" in err
        assert "kgjudge serve" in err and not db.exists()


@pytest.mark.slow
def test_kill_9_then_resume_stores_every_item_once(tmp_path: Path, pack_dir: Path) -> None:
    n = 400
    root = corpus(tmp_path / "in", n)
    db, out = tmp_path / "run.sqlite", tmp_path / "scores.csv"
    cmd = [sys.executable, "-m", "kgjudge", "batch", str(root), "--domain", str(pack_dir),
           "--db", str(db), "--out", str(out), "--jobs", "2"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    while len(verdict_rows(db)) < 60 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the batch finished before it could be killed; raise n"
    workers = children(proc.pid)
    assert len(workers) == 2
    os.kill(proc.pid, signal.SIGKILL)  # the main process only: its workers must follow it
    proc.wait()
    try:
        deadline = time.monotonic() + 15
        while any(alive(w) for w in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(alive(w) for w in workers), "workers outlived the killed batch"
    finally:
        for w in workers:  # started by this test; never leave them behind
            if alive(w):
                os.kill(w, signal.SIGKILL)
    before = {r[:3]: r[3] for r in verdict_rows(db)}
    assert 0 < len(before) < 2 * n

    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    stored_pairs = len({k[:2] for k in before if (k[0], k[1], "completeness") in before
                        and (k[0], k[1], "factual_correctness") in before})
    assert f"{n - stored_pairs} pairs scored now, {stored_pairs} already stored" in done.stderr
    after = verdict_rows(db)
    keys = [r[:3] for r in after]
    assert len(keys) == len(set(keys)) == 2 * n
    assert all(dict((r[:3], r[3]) for r in after)[k] == t for k, t in before.items()
               if (k[0], k[1], "completeness") in before
               and (k[0], k[1], "factual_correctness") in before)
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted((r["source"], r["case_id"], r["rubric"]) for r in rows) == sorted(keys)


def test_failures_exit_1_with_reasons(tmp_path: Path, pack_dir: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    root = corpus(tmp_path / "in", 3)
    (root / "candidates" / "case00001.txt").write_bytes(b"")
    (root / "candidates" / "case00002.txt").write_text("long " * 50)
    (root / "candidates" / "orphan.txt").write_text("no reference")
    args = ["batch", str(root), "--domain", str(pack_dir), "--db", str(tmp_path / "r.sqlite"),
            "--max-bytes", "100"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "6 failed verdicts (pair x rubric), by reason:" in err
    for line in ("candidates/case00001: empty file", "candidates/case00002: file too large",
                 "candidates/orphan: missing reference"):
        assert line in err


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_and_resumes(tmp_path: Path, pack_dir: Path) -> None:
    n = 300
    root = corpus(tmp_path / "in", n)
    db = tmp_path / "run.sqlite"
    cmd = [sys.executable, "-m", "kgjudge", "batch", str(root), "--domain", str(pack_dir),
           "--db", str(db), "--jobs", "2"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    while len(verdict_rows(db)) < 40 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the batch finished before it could be interrupted; raise n"
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal sends: the whole group
    try:
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130 and "run the same command again" in err.lower()
    stored = len(verdict_rows(db))
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"{stored // 2} already stored" in done.stderr
    keys = [r[:3] for r in verdict_rows(db)]
    assert len(keys) == len(set(keys)) == 2 * n


def test_judge_options_the_backend_does_not_take_exit_2(
        tmp_path: Path, pack_dir: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    root = corpus(tmp_path / "in", 1)
    db = tmp_path / "x.sqlite"
    assert main(["batch", str(root), "--domain", str(pack_dir), "--db", str(db),
                 "--model", "m"]) == 2
    assert "--backend kg takes no --model" in capsys.readouterr().err
    monkeypatch.delenv("KGJUDGE_OPENAI_BASE_URL", raising=False)
    assert main(["batch", str(root), "--domain", str(pack_dir), "--db", str(db),
                 "--backend", "openai"]) == 2
    assert "no OpenAI-compatible endpoint" in capsys.readouterr().err
    assert not db.exists()


def test_progress_lines_say_no_rate_until_there_is_one(capsys: pytest.CaptureFixture[str]) -> None:
    """One pair scored: no rate can be measured yet, so the line says '-', not '0.0 pairs/s'."""
    from types import SimpleNamespace

    from kgjudge.cli.batch import LineProgress

    ok = SimpleNamespace(verdicts=[SimpleNamespace(status="ok")])
    with LineProgress() as progress:
        progress.start(3, 0)
        progress.advance(ok)
    assert capsys.readouterr().err.splitlines()[-1] == "batch: 1/3 pairs, 0 failed, - pairs/s, eta -"
    with LineProgress() as progress:
        progress.start(3, 0)
        for _ in range(3):
            progress.advance(ok)
    assert re.fullmatch(r"batch: 3/3 pairs, 0 failed, \d+\.\d pairs/s, eta 0s",
                        capsys.readouterr().err.splitlines()[-1])
