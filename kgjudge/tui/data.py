"""View models of a run for the review UI, loaded from the Store in bulk.

The queue needs one small row per case, fast (10,000 cases open in well under a second), so
``RunData`` reads the run with three bulk queries (cases, verdicts, latest overrides) and parses
graphs and diffs only when a case is opened. Screens talk to ``RunData`` only, never to SQLite.
"""

from __future__ import annotations

import getpass
import os
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kgjudge.compare.model import GraphDiff
    from kgjudge.graph import Node
    from kgjudge.judge.base import Pair, Verdict
    from kgjudge.store import CaseRecord, OverrideRecord, RunRecord, Store

CaseKey = tuple[str, str]
"""(source, case id): a case's identity within a run."""

#: Queue filters: id -> label shown in the filter selector.
FILTERS: dict[str, str] = {
    "all": "all cases",
    "low": "score <= 2",
    "unscored": "unscored",
    "contradictions": "contradictions > 0",
    "unreviewed": "not yet reviewed",
}


@dataclass(frozen=True)
class CaseRow:
    """One line of the queue: what an analyst sorts and filters on."""

    key: CaseKey
    scores: dict[str, int | None]
    """Score in force per rubric (the latest override, else the judge's); None = unscored."""
    nsc: float | None
    ams: float | None
    scs: float | None
    contradictions: int
    status: str
    reviewed: bool
    overridden: bool

    @property
    def case_id(self) -> str:
        return self.key[1]

    @property
    def source(self) -> str:
        return self.key[0]

    def matches(self, filter_id: str) -> bool:
        """Whether the row passes the queue filter ``filter_id`` (a FILTERS key)."""
        scores = list(self.scores.values())
        if filter_id == "low":
            return any(s is not None and s <= 2 for s in scores)
        if filter_id == "unscored":
            return not scores or any(s is None for s in scores)
        if filter_id == "contradictions":
            return self.contradictions > 0
        if filter_id == "unreviewed":
            return not self.reviewed
        return True


@dataclass(frozen=True)
class RubricView:
    """One rubric's verdict for a case, with the override in force if any."""

    rubric: str
    verdict: Verdict | None
    override: OverrideRecord | None = None

    @property
    def score(self) -> int | None:
        if self.override is not None:
            return self.override.new_score
        return self.verdict.score if self.verdict else None


@dataclass(frozen=True)
class CaseDetail:
    """Everything the case screen shows for one case (graphs parsed on demand)."""

    row: CaseRow
    pair: Pair
    metrics: dict[str, Any]
    diff: GraphDiff
    reference_nodes: list[Node]
    candidate_nodes: list[Node]
    rubrics: list[RubricView]
    overrides: list[OverrideRecord] = field(default_factory=list)
    error: str = ""


def who() -> str:
    """The analyst's name recorded with overrides ($KGJUDGE_USER, else the login name)."""
    return os.environ.get("KGJUDGE_USER") or getpass.getuser()


class RunData:
    """One run of a store, as the review UI sees it."""

    def __init__(self, store: Store, run: RunRecord) -> None:
        self.store = store
        self.run = run
        self._records: dict[CaseKey, CaseRecord] = {}
        self._verdicts: dict[CaseKey, dict[str, Verdict]] = defaultdict(dict)
        self._overrides: dict[CaseKey, dict[str, OverrideRecord]] = defaultdict(dict)
        self._rows: dict[CaseKey, CaseRow] = {}
        self._changed: set[CaseKey] = set()
        self.rubrics: tuple[str, ...] = tuple(run.rubrics)

    @classmethod
    def open(cls, path: str | os.PathLike[str], run_id: int | None = None) -> RunData | None:
        """Open ``path`` and load ``run_id`` (default: the latest run); None if it has no run."""
        from kgjudge.store import Store

        store = Store(Path(path))
        run = store.run(run_id) if run_id is not None else store.latest_run()
        if run is None:
            store.close()
            return None
        data = cls(store, run)
        data.load()
        return data

    @property
    def title(self) -> str:
        return f"run {self.run.id} - {self.run.domain} - {self.run.backend or 'kg'}"

    @property
    def path(self) -> Path:
        return Path(self.store.path)

    # ------------------------------------------------------------------ loading
    def load(self) -> None:
        """Read the whole run (no graphs) in three bulk queries and build the queue rows."""
        run_id = self.run.id
        self._records = {(r.source, r.id): r
                         for r in self.store.cases(run_id, with_graphs=False)}
        self._verdicts.clear()
        rubrics = list(self.rubrics)
        for v in self.store.verdicts(run_id):
            self._verdicts[(v.source, v.case_id)][v.rubric] = v
            if v.rubric not in rubrics:
                rubrics.append(v.rubric)
        self.rubrics = tuple(rubrics)
        self._overrides.clear()
        for (source, case_id, rubric), o in self.store.latest_overrides(run_id).items():
            self._overrides[(source, case_id)][rubric] = o
        self._rows = {key: self._make_row(key) for key in self._records}

    def _make_row(self, key: CaseKey) -> CaseRow:
        record = self._records[key]
        verdicts = self._verdicts.get(key, {})
        overrides = self._overrides.get(key, {})
        scores: dict[str, int | None] = {}
        for rubric in self.rubrics:
            o = overrides.get(rubric)
            v = verdicts.get(rubric)
            scores[rubric] = o.new_score if o else (v.score if v else None)
        metrics = record.scores or {}
        return CaseRow(
            key=key, scores=scores, nsc=metrics.get("nsc"), ams=metrics.get("ams"),
            scs=metrics.get("scs"), contradictions=int(metrics.get("contradictions") or 0),
            status=_case_status(record.status, verdicts.values()), reviewed=record.reviewed,
            overridden=bool(overrides),
        )

    # ------------------------------------------------------------------ reading
    def rows(self) -> list[CaseRow]:
        """Every case of the run, in stored order."""
        return list(self._rows.values())

    def row(self, key: CaseKey) -> CaseRow:
        return self._rows[key]

    def take_changed(self) -> set[CaseKey]:
        """Cases changed since the last call (the queue refreshes just those rows)."""
        changed, self._changed = self._changed, set()
        return changed

    def detail(self, key: CaseKey) -> CaseDetail:
        """The case ``key`` with its texts, graphs, diff, verdicts and overrides."""
        from kgjudge.compare.model import GraphDiff

        record = self.store.case(self.run.id, key[1], source=key[0]) or self._records[key]
        ref_graph, cand_graph = record.reference_graph, record.candidate_graph
        verdicts = self._verdicts.get(key, {})
        overrides = self._overrides.get(key, {})
        return CaseDetail(
            row=self._rows[key], pair=record.pair(), metrics=dict(record.scores or {}),
            diff=record.diff or GraphDiff(),
            reference_nodes=ref_graph.nodes() if ref_graph else [],
            candidate_nodes=cand_graph.nodes() if cand_graph else [],
            rubrics=[RubricView(r, verdicts.get(r), overrides.get(r)) for r in self.rubrics],
            overrides=self.store.overrides(self.run.id, case_id=key[1], source=key[0]),
            error=record.error,
        )

    # ------------------------------------------------------------------ writing
    def add_override(self, key: CaseKey, rubric: str, *, new_score: int, reason: str) -> None:
        """Append an override (the store refuses an empty reason) and refresh the row."""
        source, case_id = key
        override = self.store.add_override(self.run.id, case_id, rubric, new_score=new_score,
                                           reason=reason, who=who(), source=source)
        self._overrides[key][rubric] = override
        self._rows[key] = self._make_row(key)
        self._changed.add(key)

    def mark_reviewed(self, key: CaseKey, reviewed: bool = True) -> None:
        source, case_id = key
        self.store.mark_reviewed(self.run.id, case_id, reviewed=reviewed, who=who(),
                                 source=source)
        self._records[key] = replace(self._records[key], reviewed=reviewed)
        self._rows[key] = self._make_row(key)
        self._changed.add(key)


def _case_status(record_status: str, verdicts: Any) -> str:
    """error if the case or any verdict failed, unscored if any verdict is, else ok."""
    statuses = {v.status for v in verdicts}
    if record_status != "ok" or "error" in statuses:
        return "error"
    if "unscored" in statuses:
        return "unscored"
    return "ok" if statuses else "pending"


def find_recent_store(folder: Path | None = None) -> Path | None:
    """$KGJUDGE_DB if set, else the newest *.sqlite in ``folder`` (default: cwd), else None."""
    env = os.environ.get("KGJUDGE_DB")
    if env:
        return Path(env)
    folder = folder or Path.cwd()
    stores = sorted(folder.glob("*.sqlite"), key=lambda p: p.stat().st_mtime, reverse=True)
    return stores[0] if stores else None
