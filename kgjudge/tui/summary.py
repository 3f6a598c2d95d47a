"""What the queue needs of every case, read in three lean SQL queries.

Building full CaseRecord / Verdict objects through the Store API costs about 0.2 ms a case
(JSON parsing, dataclasses), seconds for 10,000 cases; the queue needs a few columns, which
SQLite returns (with ``json_extract`` for the metrics) in a fraction of that. The queries are
written for store schema version ``SCHEMA``; any other version falls back to the Store API, so a
schema change slows the queue down but never breaks it.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from urllib.parse import quote

from kgjudge.store import Store

SCHEMA = 1
"""The store schema version the SQL below was written against."""

CaseKey = tuple[str, str]


@dataclass
class QueueData:
    """Per case: (status, reviewed, nsc, ams, scs, contradictions); verdict and override scores."""

    cases: dict[CaseKey, tuple[str, bool, float | None, float | None, float | None, int]] = \
        field(default_factory=dict)
    verdicts: dict[CaseKey, dict[str, tuple[str, int | None]]] = field(default_factory=dict)
    """rubric -> (status, score)."""
    overrides: dict[CaseKey, dict[str, int]] = field(default_factory=dict)
    """rubric -> the score in force after the latest override."""


_CASES = ("SELECT source, case_id, status, reviewed, json_extract(scores_json, '$.nsc'),"
          " json_extract(scores_json, '$.ams'), json_extract(scores_json, '$.scs'),"
          " json_extract(scores_json, '$.contradictions') FROM cases WHERE run_id=?"
          " ORDER BY source, case_id")
_VERDICTS = "SELECT source, case_id, rubric, status, score FROM verdicts WHERE run_id=?"
_OVERRIDES = ("SELECT source, case_id, rubric, new_score FROM overrides WHERE id IN"
              " (SELECT max(id) FROM overrides WHERE run_id=? GROUP BY source, case_id, rubric)")


def read_queue(store: Store, run_id: int) -> QueueData:
    """The queue's view of run ``run_id`` (SQL when the schema is known, else the Store API)."""
    if store.schema_version != SCHEMA:
        return _via_api(store, run_id)
    data = QueueData()
    uri = f"file:{quote(str(store.path.resolve()))}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as db:
        for source, case_id, status, reviewed, nsc, ams, scs, contra in db.execute(
                _CASES, (run_id,)):
            data.cases[(source, case_id)] = (status, bool(reviewed), nsc, ams, scs,
                                             int(contra or 0))
        for source, case_id, rubric, status, score in db.execute(_VERDICTS, (run_id,)):
            data.verdicts.setdefault((source, case_id), {})[rubric] = (status, score)
        for source, case_id, rubric, score in db.execute(_OVERRIDES, (run_id,)):
            data.overrides.setdefault((source, case_id), {})[rubric] = score
    return data


def _via_api(store: Store, run_id: int) -> QueueData:
    data = QueueData()
    for record in store.cases(run_id, with_graphs=False):
        m = record.scores or {}
        data.cases[(record.source, record.id)] = (
            record.status, record.reviewed, m.get("nsc"), m.get("ams"), m.get("scs"),
            int(m.get("contradictions") or 0))
    for v in store.verdicts(run_id):
        data.verdicts.setdefault((v.source, v.case_id), {})[v.rubric] = (v.status, v.score)
    for (source, case_id, rubric), o in store.latest_overrides(run_id).items():
        data.overrides.setdefault((source, case_id), {})[rubric] = o.new_score
    return data
