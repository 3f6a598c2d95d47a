"""Store: schema, migrations, round trips, resume lookup, append-only overrides."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from batch_helpers import comparison, pair, verdict

from kgjudge import store as store_mod
from kgjudge.errors import StoreError
from kgjudge.store import Store, config_hash


def make_run(store: Store, config: dict | None = None) -> int:
    return store.create_run(config=config or {"a": 1}, domain="radiology", pack_hash="h",
                            rubrics=["accuracy"], backend="kg", model="kg")


def test_new_store_is_wal_and_current_schema(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        assert store.schema_version == store_mod.SCHEMA_VERSION
        mode = store._db.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {store_mod.SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StoreError, match="newer"):
        Store(path)


def test_migrations_run_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "s.sqlite"
    with Store(path) as store:
        make_run(store)
    extra = dict(store_mod.MIGRATIONS)
    extra[store_mod.SCHEMA_VERSION + 1] = "ALTER TABLE runs ADD COLUMN note TEXT DEFAULT 'x';"
    monkeypatch.setattr(store_mod, "MIGRATIONS", extra)
    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", max(extra))
    with Store(path) as store:
        assert store.schema_version == max(extra)
        assert store._db.execute("SELECT note FROM runs").fetchone()[0] == "x"
        assert len(store.runs()) == 1


def test_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="s.sqlite"):
        Store(path)


def test_case_and_verdict_round_trip(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        run = make_run(store)
        store.add_result(run, pair("c1"), comparison=comparison(),
                         verdicts=[verdict("c1", rationale="line one\nline two")])
        store.add_case(run, pair("c2"), error="empty file: references/c2.txt is empty")
        cases = list(store.cases(run))
        assert [c.id for c in cases] == ["c1", "c2"]
        ok, bad = cases
        assert ok.scores["node_f1"] == 1.0 and ok.status == "ok"
        assert ok.diff.matched[0].key == "effusion"
        assert len(ok.reference_graph) == 1 and ok.candidate_graph.text == "effusion"
        assert bad.status == "error" and bad.error.startswith("empty file")
        assert bad.scores is None and bad.diff is None
        [v] = store.verdicts(run)
        assert v == verdict("c1", rationale="line one\nline two")
        assert store.done(run) == {("candidates", "c1", "accuracy")}


def test_same_case_id_in_two_sources_is_two_cases(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        run = make_run(store)
        for source in ("model_a", "model_b"):
            store.add_result(run, pair("c1", source), comparison=comparison(),
                             verdicts=[verdict("c1", source=source)])
        assert store.sources(run) == ["model_a", "model_b"]
        assert len(store.verdicts(run, "c1")) == 2
        assert len(store.verdicts(run, "c1", source="model_a")) == 1


def test_rewriting_a_verdict_keeps_one_row(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        run = make_run(store)
        store.add_verdict(run, verdict(score=2))
        store.add_verdict(run, verdict(score=5))
        assert [v.score for v in store.verdicts(run)] == [5]


def test_find_run_by_config_hash(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        first = make_run(store, {"input": "x", "rubrics": ["a"]})
        make_run(store, {"input": "y"})
        found = store.find_run(config_hash({"rubrics": ["a"], "input": "x"}))
        assert found is not None and found.id == first
        assert store.find_run(config_hash({"input": "z"})) is None
        assert store.latest_run().id == first + 1
        assert store.run(first).finished_at is None
        store.finish_run(first)
        assert store.run(first).finished_at is not None
        assert store.run(first).versions["kgjudge"]


def test_overrides_are_append_only_with_old_score(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        run = make_run(store)
        store.add_result(run, pair("c1"), comparison=comparison(), verdicts=[verdict(score=4)])
        first = store.add_override(run, "c1", "accuracy", new_score=2, reason="missed", who="ana")
        second = store.add_override(run, "c1", "accuracy", new_score=3, reason="partly", who="bo")
        assert (first.old_score, first.new_score) == (4, 2)
        assert (second.old_score, second.new_score) == (2, 3)
        assert [o.who for o in store.overrides(run)] == ["ana", "bo"]
        assert store.latest_overrides(run)[("candidates", "c1", "accuracy")].new_score == 3
        with pytest.raises(StoreError, match="reason"):
            store.add_override(run, "c1", "accuracy", new_score=3, reason="  ")
        with pytest.raises(StoreError, match="1-5"):
            store.add_override(run, "c1", "accuracy", new_score=9, reason="x")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            store._db.execute("DELETE FROM overrides")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            store._db.execute("UPDATE overrides SET new_score=1")


def test_mark_reviewed(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        run = make_run(store)
        store.add_case(run, pair("c1"), comparison=comparison())
        store.mark_reviewed(run, "c1", who="ana")
        case = store.case(run, "c1")
        assert case.reviewed and case.reviewed_by == "ana" and case.reviewed_at
        store.mark_reviewed(run, "c1", reviewed=False)
        assert not store.case(run, "c1").reviewed
        with pytest.raises(StoreError, match="no case"):
            store.mark_reviewed(run, "nope")


def test_failures_by_reason(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        run = make_run(store)
        store.add_case(run, pair("c1"), error="empty file: x")
        store.add_case(run, pair("c2"), error="empty file: y")
        store.add_result(run, pair("c3"), comparison=comparison(), verdicts=[
            store_mod.Verdict(case_id="c3", rubric="accuracy", status="error",
                              error="judge timeout: no answer in 5 s")])
        assert store.failures(run) == {"empty file": 2, "judge timeout": 1}
        assert store.done(run, include_errors=False) == set()


def test_case_blobs_match_the_model_serialisers() -> None:
    comp = comparison()
    blobs = store_mod.CaseBlobs.of(comp)
    assert json.loads(blobs.scores_json) == comp.scores.as_dict()
    assert json.loads(blobs.diff_json) == json.loads(json.dumps(comp.diff.to_dict()))


def test_graphs_are_stored_without_a_second_copy_of_the_text(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        run = make_run(store)
        store.add_result(run, pair("c1"), comparison=comparison("effusion here", "effusion"))
        raw = store._db.execute("SELECT reference_graph_json FROM cases").fetchone()[0]
        assert "effusion here" not in raw
        case = store.case(run, "c1")
        # the pair's text is what the graph is read back with
        assert case.reference_graph.text == case.reference_text == "effusion"
        assert [n.key for n in case.reference_graph.nodes()] == ["effusion"]


def test_queue_rows_agree_with_the_full_records(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        run = make_run(store)
        for source in ("model_a", "model_b"):
            store.add_result(run, pair("c1", source), comparison=comparison(),
                             verdicts=[verdict("c1", source=source, score=4)])
        store.add_case(run, pair("c2"), error="empty file: references/c2.txt is empty")
        store.add_override(run, "c1", "accuracy", new_score=2, reason="missed", who="ana",
                           source="model_a")
        store.add_override(run, "c1", "accuracy", new_score=3, reason="partly", who="bo",
                           source="model_a")
        store.mark_reviewed(run, "c1", who="ana", source="model_b")
        cases, verdicts, overrides = store.queue_rows(run)
        expected_cases = [
            (c.source, c.id, c.status, int(c.reviewed), *(
                (c.scores or {}).get(k) for k in ("nsc", "ams", "scs", "contradictions")))
            for c in store.cases(run)]
        assert sorted(tuple(r) for r in cases) == sorted(expected_cases)
        assert ("model_b", "c1", "ok", 1, 1.0, None, None, 0) in [tuple(r) for r in cases]
        assert sorted(tuple(r) for r in verdicts) == sorted(
            (v.source, v.case_id, v.rubric, v.status, v.score) for v in store.verdicts(run))
        assert [tuple(r) for r in overrides] == [("model_a", "c1", "accuracy", 3)]


def test_score_summary_counts_no_low_scores_as_zero(tmp_path: Path) -> None:
    """A rubric whose every verdict failed has 0 scores <= 2, not NULL ('None / 29' on screen)."""
    from kgjudge.judge.base import Verdict

    with Store(tmp_path / "s.sqlite") as store:
        run = make_run(store)
        store.add_result(run, pair("c1"), comparison=comparison(), verdicts=[
            Verdict(case_id="c1", rubric="accuracy", status="error", error="JudgeError: x")])
        [row] = store.score_summary(run)
    assert (row["verdicts"], row["low"], row["errors"], row["mean_score"]) == (1, 0, 1, None)
