"""SQLite store: the source of truth for runs, cases, verdicts and analyst overrides.

One file (stdlib ``sqlite3``, WAL journal) per project or batch. Every verdict is committed as it
is produced, so an interrupted batch loses only the items in flight; CSV / JSONL are exported from
here (``kgjudge.export``). The schema is versioned with ``PRAGMA user_version`` and upgraded by
explicit migrations when a store is opened; a store written by a newer kgjudge raises StoreError.

API (all ids are per run; a case is keyed by (source, case_id) so several candidate folders, one
per model, can be compared side by side against one reference folder)::

    with Store("run.sqlite") as store:
        run_id = store.create_run(config={...}, domain="radiology", pack_hash=pack.content_hash,
                                  rubrics=["accuracy"], backend="kg", model="kg")
        store.find_run(config_hash(config))          # RunRecord | None: resume lookup
        store.add_case(run_id, pair, comparison=comp, error=None)  # texts, scores, diff, graphs
        store.add_verdict(run_id, verdict)           # committed at once; source = verdict.source
        store.add_result(run_id, pair, comparison=comp, verdicts=[...])  # both, one commit
        store.done(run_id)                           # {(source, case_id, rubric)} already stored
        store.cases(run_id, source=None, status=None)  # Iterator[CaseRecord]
        store.case(run_id, case_id, source="candidates")  # CaseRecord | None
        store.verdicts(run_id, case_id=None, source=None)  # list[Verdict]
        store.add_override(run_id, case_id, rubric, new_score=4, reason="...", who="ana")
        store.overrides(run_id, case_id=None)        # list[OverrideRecord], oldest first
        store.latest_overrides(run_id)               # {(source, case_id, rubric): OverrideRecord}
        store.mark_reviewed(run_id, case_id, reviewed=True, who="ana")
        store.runs(); store.latest_run(); store.run(run_id); store.finish_run(run_id)
        store.failures(run_id)                       # Counter of failure reasons
        store.failed_items(run_id, limit=20)         # [(source, case_id, reason)]
        store.results(run_id)                        # Iterator[(CaseRecord, list[Verdict])]
        store.sources(run_id)                        # candidate sources in the run

Overrides are append-only (triggers refuse UPDATE and DELETE); the old score recorded is the score
in force before the override (the previous override's, else the verdict's). The connection may be
used from several threads (a lock serialises it), but only one process should write at a time.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kgjudge import __version__
from kgjudge.errors import StoreError
from kgjudge.judge.base import Pair, Verdict
from kgjudge.store_records import (
    CaseBlobs,
    CaseRecord,
    OverrideRecord,
    RunRecord,
    row_case,
    row_override,
    row_run,
    row_verdict,
)

if TYPE_CHECKING:
    from kgjudge.compare.model import Comparison

__all__ = ["CaseBlobs", "CaseRecord", "OverrideRecord", "RunRecord", "Store", "config_hash"]

DEFAULT_SOURCE = "candidates"

#: Schema migrations: version -> SQL that brings version-1 to version. Append, never edit.
MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        config_hash TEXT NOT NULL,
        config_json TEXT NOT NULL,
        domain TEXT NOT NULL,
        pack_hash TEXT NOT NULL DEFAULT '',
        rubrics_json TEXT NOT NULL DEFAULT '[]',
        backend TEXT NOT NULL DEFAULT '',
        model TEXT NOT NULL DEFAULT '',
        adapter TEXT NOT NULL DEFAULT '',
        extractor TEXT NOT NULL DEFAULT '',
        versions_json TEXT NOT NULL DEFAULT '{}',
        input TEXT NOT NULL DEFAULT '',
        started_at TEXT NOT NULL,
        finished_at TEXT
    );
    CREATE INDEX runs_config ON runs(config_hash);
    CREATE TABLE cases (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        source TEXT NOT NULL,
        case_id TEXT NOT NULL,
        reference_path TEXT NOT NULL DEFAULT '',
        candidate_path TEXT NOT NULL DEFAULT '',
        reference_text TEXT NOT NULL DEFAULT '',
        candidate_text TEXT NOT NULL DEFAULT '',
        instruction TEXT NOT NULL DEFAULT '',
        metadata_json TEXT NOT NULL DEFAULT '{}',
        scores_json TEXT,
        diff_json TEXT,
        reference_graph_json TEXT,
        candidate_graph_json TEXT,
        status TEXT NOT NULL,
        error TEXT NOT NULL DEFAULT '',
        reviewed INTEGER NOT NULL DEFAULT 0,
        reviewed_by TEXT NOT NULL DEFAULT '',
        reviewed_at TEXT,
        created_at TEXT NOT NULL,
        PRIMARY KEY (run_id, source, case_id)
    );
    CREATE TABLE verdicts (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        source TEXT NOT NULL,
        case_id TEXT NOT NULL,
        rubric TEXT NOT NULL,
        status TEXT NOT NULL,
        score INTEGER,
        expected_score REAL,
        probabilities_json TEXT,
        rationale TEXT NOT NULL DEFAULT '',
        backend TEXT NOT NULL DEFAULT '',
        model TEXT NOT NULL DEFAULT '',
        adapter TEXT NOT NULL DEFAULT '',
        prompt_hash TEXT NOT NULL DEFAULT '',
        latency_s REAL NOT NULL DEFAULT 0,
        prompt_tokens INTEGER,
        completion_tokens INTEGER,
        raw_output TEXT NOT NULL DEFAULT '',
        error TEXT NOT NULL DEFAULT '',
        truncated INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        PRIMARY KEY (run_id, source, case_id, rubric)
    );
    CREATE TABLE overrides (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        source TEXT NOT NULL,
        case_id TEXT NOT NULL,
        rubric TEXT NOT NULL,
        old_score INTEGER,
        new_score INTEGER NOT NULL CHECK (new_score BETWEEN 1 AND 5),
        reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
        who TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
    );
    CREATE INDEX overrides_case ON overrides(run_id, source, case_id, rubric);
    CREATE TRIGGER overrides_no_update BEFORE UPDATE ON overrides
        BEGIN SELECT RAISE(ABORT, 'overrides are append-only'); END;
    CREATE TRIGGER overrides_no_delete BEFORE DELETE ON overrides
        BEGIN SELECT RAISE(ABORT, 'overrides are append-only'); END;
    """,
}
SCHEMA_VERSION = max(MIGRATIONS)

_VERDICT_COLUMNS = (
    "status", "score", "expected_score", "probabilities_json", "rationale", "backend", "model",
    "adapter", "prompt_hash", "latency_s", "prompt_tokens", "completion_tokens", "raw_output",
    "error", "truncated",
)


def now() -> str:
    """The current UTC time as ISO 8601 text (what every timestamp column holds)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def config_hash(config: Mapping[str, Any]) -> str:
    """Stable hash of a run configuration (canonical JSON), used to find a run to resume."""
    text = json.dumps(config, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]



class Store:
    """A kgjudge SQLite store (see the module docstring for the API)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        try:
            if self.path.parent and not self.path.parent.exists():
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across kill -9
            self._db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self.path}: cannot open the store ({e}); check that it is a "
                             "kgjudge SQLite file and that its folder is writable") from e
        except OSError as e:
            raise StoreError(f"{self.path}: cannot create the store ({e})") from e

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        version = self.schema_version
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: schema version {version} is newer than this kgjudge knows "
                f"({SCHEMA_VERSION}); upgrade kgjudge to open it")
        for target in range(version + 1, SCHEMA_VERSION + 1):
            # executescript commits first; the version bump rides in the same script.
            self._db.executescript(
                f"BEGIN;\n{MIGRATIONS[target]}\nPRAGMA user_version = {target};\nCOMMIT;")

    def _write(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> sqlite3.Cursor:
        with self._lock:
            try:
                with self._db:
                    return self._db.execute(sql, params)
            except sqlite3.IntegrityError as e:
                raise StoreError(f"{self.path}: {e}") from e
            except sqlite3.OperationalError as e:
                raise StoreError(f"{self.path}: write failed ({e}); is another process "
                                 "writing to the same store?") from e

    def _read(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    # ------------------------------------------------------------------ runs
    def create_run(self, *, config: Mapping[str, Any], domain: str, pack_hash: str = "",
                   rubrics: Sequence[str] = (), backend: str = "", model: str = "",
                   adapter: str = "", extractor: str = "", input: str = "",
                   versions: Mapping[str, str] | None = None) -> int:
        """Record a new run; returns its id. ``config`` is hashed for find_run."""
        versions = {"kgjudge": __version__, **(versions or {})}
        cursor = self._write(
            "INSERT INTO runs (config_hash, config_json, domain, pack_hash, rubrics_json, backend,"
            " model, adapter, extractor, versions_json, input, started_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (config_hash(config), json.dumps(dict(config), sort_keys=True, default=str), domain,
             pack_hash, json.dumps(list(rubrics)), backend, model, adapter, extractor,
             json.dumps(versions), input, now()))
        return int(cursor.lastrowid or 0)

    def find_run(self, hash_: str) -> RunRecord | None:
        """The most recent run with this configuration hash (to resume it), or None."""
        rows = self._read("SELECT * FROM runs WHERE config_hash=? ORDER BY id DESC LIMIT 1",
                          (hash_,))
        return row_run(rows[0]) if rows else None

    def run(self, run_id: int) -> RunRecord:
        rows = self._read("SELECT * FROM runs WHERE id=?", (run_id,))
        if not rows:
            raise StoreError(f"{self.path}: no run {run_id}; list runs with 'kgjudge export "
                             f"--db {self.path} --runs'")
        return row_run(rows[0])

    def runs(self) -> list[RunRecord]:
        return [row_run(r) for r in self._read("SELECT * FROM runs ORDER BY id")]

    def latest_run(self) -> RunRecord | None:
        rows = self._read("SELECT * FROM runs ORDER BY id DESC LIMIT 1")
        return row_run(rows[0]) if rows else None

    def finish_run(self, run_id: int) -> None:
        self._write("UPDATE runs SET finished_at=? WHERE id=?", (now(), run_id))

    # ------------------------------------------------------------------ cases and verdicts
    def add_case(self, run_id: int, pair: Pair, *,
                 comparison: Comparison | CaseBlobs | None = None,
                 error: str | None = None) -> None:
        """Store (or replace) a pair with its comparison, or with the error that stopped it."""
        with self._lock, self._db:
            self._insert_case(run_id, pair, comparison, error)

    def add_verdict(self, run_id: int, verdict: Verdict, *, source: str | None = None) -> None:
        """Store (or replace) one verdict, committed at once."""
        with self._lock, self._db:
            self._insert_verdict(run_id, verdict, source)

    def add_result(self, run_id: int, pair: Pair, *,
                   comparison: Comparison | CaseBlobs | None = None,
                   verdicts: Sequence[Verdict] = (), error: str | None = None) -> None:
        """Store a case and its verdicts in one transaction (what batch writes per pair).

        ``comparison`` may be pre-serialised CaseBlobs (batch workers serialise in parallel).
        """
        with self._lock:
            try:
                with self._db:
                    self._insert_case(run_id, pair, comparison, error)
                    for verdict in verdicts:
                        self._insert_verdict(run_id, verdict, pair.source)
            except sqlite3.Error as e:
                raise StoreError(f"{self.path}: cannot store case {pair.source}/{pair.id} "
                                 f"({e})") from e

    def _insert_case(self, run_id: int, pair: Pair, comparison: Comparison | CaseBlobs | None,
                     error: str | None) -> None:
        blobs = comparison if isinstance(comparison, CaseBlobs | None) else \
            CaseBlobs.of(comparison)
        self._db.execute(
            "INSERT OR REPLACE INTO cases (run_id, source, case_id, reference_path,"
            " candidate_path, reference_text, candidate_text, instruction, metadata_json,"
            " scores_json, diff_json, reference_graph_json, candidate_graph_json, status, error,"
            " created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (run_id, pair.source, pair.id, pair.reference_path, pair.candidate_path,
             pair.reference, pair.candidate, pair.instruction,
             json.dumps(dict(pair.metadata), ensure_ascii=False, default=str),
             *(blobs.row() if blobs else (None,) * 4), "error" if error else "ok", error or "",
             now()))

    def _insert_verdict(self, run_id: int, verdict: Verdict, source: str | None) -> None:
        data = dict(vars(verdict))  # flat fields; as_dict's deep copy costs at batch scale
        probabilities = data.pop("probabilities")
        data["probabilities_json"] = (None if probabilities is None else
                                      json.dumps({str(k): v for k, v in probabilities.items()}))
        data["truncated"] = int(verdict.truncated)
        src = source or verdict.source or DEFAULT_SOURCE
        self._db.execute(
            f"INSERT OR REPLACE INTO verdicts (run_id, source, case_id, rubric, "
            f"{', '.join(_VERDICT_COLUMNS)}, created_at) VALUES "
            f"(?,?,?,?,{','.join('?' * len(_VERDICT_COLUMNS))},?)",
            (run_id, src, verdict.case_id, verdict.rubric,
             *(data[c] for c in _VERDICT_COLUMNS), now()))

    def done(self, run_id: int, *, include_errors: bool = True) -> set[tuple[str, str, str]]:
        """(source, case_id, rubric) of every stored verdict; without errors to retry them."""
        sql = "SELECT source, case_id, rubric FROM verdicts WHERE run_id=?"
        if not include_errors:
            sql += " AND status != 'error'"
        return {(r[0], r[1], r[2]) for r in self._read(sql, (run_id,))}

    def cases(self, run_id: int, *, source: str | None = None, status: str | None = None,
              with_graphs: bool = True) -> Iterator[CaseRecord]:
        """Stored cases in (source, case id) order, streamed (memory stays flat)."""
        columns = "*" if with_graphs else (
            "run_id, source, case_id, reference_path, candidate_path, reference_text,"
            " candidate_text, instruction, metadata_json, scores_json, status, error, reviewed,"
            " reviewed_by, reviewed_at")
        sql = f"SELECT {columns} FROM cases WHERE run_id=?"
        params: list[Any] = [run_id]
        if source is not None:
            sql, params = sql + " AND source=?", [*params, source]
        if status is not None:
            sql, params = sql + " AND status=?", [*params, status]
        # A separate cursor streams rows; the lock is not held between rows (reads only).
        cursor = self._db.cursor()
        for row in cursor.execute(sql + " ORDER BY source, case_id", params):
            yield row_case(row)

    def case(self, run_id: int, case_id: str, *, source: str = DEFAULT_SOURCE) -> CaseRecord | None:
        rows = self._read("SELECT * FROM cases WHERE run_id=? AND source=? AND case_id=?",
                          (run_id, source, case_id))
        return row_case(rows[0]) if rows else None

    def verdicts(self, run_id: int, case_id: str | None = None, *,
                 source: str | None = None) -> list[Verdict]:
        """Stored verdicts, ordered by source, case id and rubric."""
        sql = "SELECT * FROM verdicts WHERE run_id=?"
        params: list[Any] = [run_id]
        if case_id is not None:
            sql, params = sql + " AND case_id=?", [*params, case_id]
        if source is not None:
            sql, params = sql + " AND source=?", [*params, source]
        rows = self._read(sql + " ORDER BY source, case_id, rubric", params)
        return [row_verdict(r) for r in rows]

    def results(self, run_id: int, *, with_graphs: bool = False
                ) -> Iterator[tuple[CaseRecord, list[Verdict]]]:
        """Each stored case with its verdicts, streamed in (source, case id) order."""
        for case in self.cases(run_id, with_graphs=with_graphs):
            yield case, self.verdicts(run_id, case.id, source=case.source)

    def score_summary(self, run_id: int) -> list[dict[str, Any]]:
        """Per candidate source and rubric: verdicts, mean score, scores <= 2, unscored, errors."""
        rows = self._read(
            "SELECT source, rubric, COUNT(*) AS verdicts, AVG(score) AS mean_score, "
            "COALESCE(SUM(score <= 2), 0) AS low, SUM(status = 'unscored') AS unscored, "
            "SUM(status = 'error') AS errors FROM verdicts WHERE run_id = ? "
            "GROUP BY source, rubric ORDER BY source, rubric", (run_id,))
        return [dict(row) for row in rows]

    def count_cases(self, run_id: int) -> int:
        return int(self._read("SELECT count(*) FROM cases WHERE run_id=?", (run_id,))[0][0])

    def sources(self, run_id: int) -> list[str]:
        return [r[0] for r in self._read(
            "SELECT DISTINCT source FROM cases WHERE run_id=? ORDER BY source", (run_id,))]

    def failures(self, run_id: int) -> Counter[str]:
        """Failed verdicts (pair x rubric) by reason, plus failed cases stored without verdicts.

        The reason is the error's text before its first ':' ('empty file', 'JudgeTimeout'), or
        'unscored' for a reply that could not be parsed.
        """
        counts: Counter[str] = Counter()
        for status, error in self._read(
                "SELECT status, error FROM verdicts WHERE run_id=? AND status != 'ok'", (run_id,)):
            counts["unscored" if status == "unscored" else _reason(error or status)] += 1
        for (error,) in self._read(
                "SELECT error FROM cases c WHERE run_id=? AND status='error' AND NOT EXISTS "
                "(SELECT 1 FROM verdicts v WHERE v.run_id=c.run_id AND v.source=c.source AND "
                "v.case_id=c.case_id)", (run_id,)):
            counts[_reason(error)] += 1
        return counts

    def failed_items(self, run_id: int, *, limit: int = 20) -> list[tuple[str, str, str]]:
        """(source, case_id, reason) of failed pairs, first ``limit`` in (source, id) order."""
        rows = self._read(
            "SELECT source, case_id, max(CASE WHEN error != '' THEN error ELSE status END) "
            "FROM verdicts WHERE run_id=? AND status != 'ok' GROUP BY source, case_id "
            "ORDER BY source, case_id LIMIT ?", (run_id, limit))
        return [(r[0], r[1], r[2]) for r in rows]

    # ------------------------------------------------------------------ review
    def add_override(self, run_id: int, case_id: str, rubric: str, *, new_score: int,
                     reason: str, who: str = "", source: str = DEFAULT_SOURCE) -> OverrideRecord:
        """Append an analyst override; the score in force before it is kept as old_score."""
        if not reason or not reason.strip():
            raise StoreError(f"override of {source}/{case_id} ({rubric}): give a reason")
        if not isinstance(new_score, int) or not 1 <= new_score <= 5:
            raise StoreError(f"override of {source}/{case_id} ({rubric}): the new score must be "
                             f"an integer 1-5, not {new_score!r}")
        with self._lock:
            latest = self.latest_overrides(run_id, case_id=case_id, source=source)
            old: int | None
            if (source, case_id, rubric) in latest:
                old = latest[(source, case_id, rubric)].new_score
            else:
                rows = self._read("SELECT score FROM verdicts WHERE run_id=? AND source=? AND "
                                  "case_id=? AND rubric=?", (run_id, source, case_id, rubric))
                old = rows[0][0] if rows else None
            cursor = self._write(
                "INSERT INTO overrides (run_id, source, case_id, rubric, old_score, new_score,"
                " reason, who, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
                (run_id, source, case_id, rubric, old, new_score, reason.strip(), who, now()))
            rows = self._read("SELECT * FROM overrides WHERE id=?", (cursor.lastrowid,))
        return row_override(rows[0])

    def overrides(self, run_id: int, case_id: str | None = None, *,
                  source: str | None = None) -> list[OverrideRecord]:
        """Every override, oldest first (the full audit trail)."""
        sql = "SELECT * FROM overrides WHERE run_id=?"
        params: list[Any] = [run_id]
        if case_id is not None:
            sql, params = sql + " AND case_id=?", [*params, case_id]
        if source is not None:
            sql, params = sql + " AND source=?", [*params, source]
        return [row_override(r) for r in self._read(sql + " ORDER BY id", params)]

    def queue_rows(self, run_id: int) -> tuple[list[sqlite3.Row], list[sqlite3.Row],
                                               list[sqlite3.Row]]:
        """The few columns a review queue shows, without parsing any JSON blob in Python.

        Returns (cases, verdicts, latest overrides) rows: (source, case_id, status, reviewed,
        nsc, ams, scs, contradictions); (source, case_id, rubric, status, score);
        (source, case_id, rubric, new_score). Building full records costs ~0.2 ms a case,
        seconds for a 10,000-case run; these three queries take a fraction of that.
        """
        cases = self._read(
            "SELECT source, case_id, status, reviewed, json_extract(scores_json, '$.nsc'),"
            " json_extract(scores_json, '$.ams'), json_extract(scores_json, '$.scs'),"
            " json_extract(scores_json, '$.contradictions') FROM cases WHERE run_id=?"
            " ORDER BY source, case_id", (run_id,))
        verdicts = self._read(
            "SELECT source, case_id, rubric, status, score FROM verdicts WHERE run_id=?",
            (run_id,))
        overrides = self._read(
            "SELECT source, case_id, rubric, new_score FROM overrides WHERE id IN"
            " (SELECT max(id) FROM overrides WHERE run_id=? GROUP BY source, case_id, rubric)",
            (run_id,))
        return cases, verdicts, overrides

    def latest_overrides(self, run_id: int, case_id: str | None = None, *,
                         source: str | None = None) -> dict[tuple[str, str, str], OverrideRecord]:
        """The override in force per (source, case_id, rubric)."""
        return {(o.source, o.case_id, o.rubric): o
                for o in self.overrides(run_id, case_id, source=source)}

    def mark_reviewed(self, run_id: int, case_id: str, reviewed: bool = True, *, who: str = "",
                      source: str = DEFAULT_SOURCE) -> None:
        cursor = self._write(
            "UPDATE cases SET reviewed=?, reviewed_by=?, reviewed_at=? WHERE run_id=? AND "
            "source=? AND case_id=?",
            (int(reviewed), who if reviewed else "", now() if reviewed else None, run_id, source,
             case_id))
        if cursor.rowcount == 0:
            raise StoreError(f"{self.path}: run {run_id} has no case {source}/{case_id}")


def _reason(error: str) -> str:
    """The failure class of an error message: the text before the first ':'."""
    return error.split(":", 1)[0].strip() or "error"
