"""View models of a run for the review UI, loaded from the Store in bulk.

The queue needs one small row per case, fast (10,000 cases open in well under a second), so
``RunData`` reads only the queue's columns in bulk (kgjudge.tui.summary) and reads texts, graphs,
diffs, verdicts and overrides of one case when it is opened. Screens talk to ``RunData`` only.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kgjudge.tui.summary import QueueData, read_queue

if TYPE_CHECKING:
    from kgjudge.compare.model import GraphDiff
    from kgjudge.graph import Node
    from kgjudge.judge.base import Pair, Verdict
    from kgjudge.store import OverrideRecord, RunRecord, Store

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
        self._queue = QueueData()
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
        """Read what the queue shows of every case (lean bulk queries) and build the rows."""
        self._queue = read_queue(self.store, self.run.id)
        rubrics = dict.fromkeys(self.rubrics)
        for per_rubric in self._queue.verdicts.values():
            rubrics.update(dict.fromkeys(per_rubric))
        self.rubrics = tuple(rubrics)
        self._rows = {key: self._make_row(key) for key in self._queue.cases}

    def _make_row(self, key: CaseKey) -> CaseRow:
        status, reviewed, nsc, ams, scs, contradictions = self._queue.cases[key]
        verdicts = self._queue.verdicts.get(key, {})
        overrides = self._queue.overrides.get(key, {})
        scores: dict[str, int | None] = {}
        for rubric in self.rubrics:
            scores[rubric] = overrides[rubric] if rubric in overrides \
                else verdicts.get(rubric, ("", None))[1]
        return CaseRow(key=key, scores=scores, nsc=nsc, ams=ams, scs=scs,
                       contradictions=contradictions,
                       status=_case_status(status, [v[0] for v in verdicts.values()]),
                       reviewed=reviewed, overridden=bool(overrides))

    # ------------------------------------------------------------------ reading
    def rows(self) -> list[CaseRow]:
        """Every case of the run, in (source, case id) order."""
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
        from kgjudge.errors import StoreError

        source, case_id = key
        record = self.store.case(self.run.id, case_id, source=source)
        if record is None:
            raise StoreError(f"{self.path}: run {self.run.id} has no case {source}/{case_id}")
        ref_graph, cand_graph = record.reference_graph, record.candidate_graph
        verdicts = {v.rubric: v for v in self.store.verdicts(self.run.id, case_id,
                                                               source=source)}
        history = self.store.overrides(self.run.id, case_id, source=source)
        latest = {o.rubric: o for o in history}
        return CaseDetail(
            row=self._rows[key], pair=record.pair(), metrics=dict(record.scores or {}),
            diff=record.diff or GraphDiff(),
            reference_nodes=ref_graph.nodes() if ref_graph else [],
            candidate_nodes=cand_graph.nodes() if cand_graph else [],
            rubrics=[RubricView(r, verdicts.get(r), latest.get(r)) for r in self.rubrics],
            overrides=history, error=record.error,
        )

    # ------------------------------------------------------------------ writing
    def add_override(self, key: CaseKey, rubric: str, *, new_score: int, reason: str) -> None:
        """Append an override (the store refuses an empty reason) and refresh the row."""
        source, case_id = key
        override = self.store.add_override(self.run.id, case_id, rubric, new_score=new_score,
                                           reason=reason, who=who(), source=source)
        self._queue.overrides.setdefault(key, {})[rubric] = override.new_score
        self._rows[key] = self._make_row(key)
        self._changed.add(key)

    def mark_reviewed(self, key: CaseKey, reviewed: bool = True) -> None:
        source, case_id = key
        self.store.mark_reviewed(self.run.id, case_id, reviewed=reviewed, who=who(),
                                 source=source)
        status, _, *metrics = self._queue.cases[key]
        self._queue.cases[key] = (status, reviewed, *metrics)  # type: ignore[assignment]
        self._rows[key] = self._make_row(key)
        self._changed.add(key)


def _case_status(record_status: str, verdict_statuses: list[str]) -> str:
    """error if the case or any verdict failed, unscored if any verdict is, else ok."""
    statuses = set(verdict_statuses)
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
