"""Plain values read from and written to the store: runs, cases, overrides, serialised comparisons.

Frozen dataclasses, so the review UI, calibration and evaluation hold them without touching SQL;
``kgjudge.store`` re-exports them. The ``row_*`` functions turn sqlite3 rows into them.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kgjudge.judge.base import Pair, Verdict

if TYPE_CHECKING:
    from kgjudge.compare.model import Comparison, GraphDiff
    from kgjudge.graph import ReportGraph


@dataclass(frozen=True)
class RunRecord:
    """One batch or review run and everything needed to score it again."""

    id: int
    config_hash: str
    config: dict[str, Any]
    domain: str
    pack_hash: str
    rubrics: tuple[str, ...]
    backend: str
    model: str
    adapter: str
    extractor: str
    versions: dict[str, str]
    input: str
    started_at: str
    finished_at: str | None


@dataclass(frozen=True)
class CaseRecord:
    """One stored reference/candidate pair with its comparison (graphs parsed on demand)."""

    run_id: int
    id: str
    source: str
    reference_path: str
    candidate_path: str
    reference_text: str
    candidate_text: str
    instruction: str
    metadata: dict[str, Any]
    scores: dict[str, Any] | None
    """Scores.as_dict() of the comparison; None when the case failed before comparison."""
    status: str
    """ok / error (the input or the comparison failed; see error)."""
    error: str
    reviewed: bool
    reviewed_by: str
    reviewed_at: str | None
    diff_json: str | None = field(default=None, repr=False)
    reference_graph_json: str | None = field(default=None, repr=False)
    candidate_graph_json: str | None = field(default=None, repr=False)

    @property
    def diff(self) -> GraphDiff | None:
        from kgjudge.compare.model import GraphDiff

        return None if self.diff_json is None else GraphDiff.from_dict(json.loads(self.diff_json))

    @property
    def reference_graph(self) -> ReportGraph | None:
        return read_graph(self.reference_graph_json, self.reference_text)

    @property
    def candidate_graph(self) -> ReportGraph | None:
        return read_graph(self.candidate_graph_json, self.candidate_text)

    def pair(self) -> Pair:
        """The Pair this case was made from (to judge it again)."""
        return Pair(id=self.id, reference=self.reference_text, candidate=self.candidate_text,
                    instruction=self.instruction, source=self.source,
                    reference_path=self.reference_path, candidate_path=self.candidate_path,
                    metadata=self.metadata)


@dataclass(frozen=True)
class OverrideRecord:
    """An analyst's change of a score, with the reason (append-only audit trail)."""

    id: int
    run_id: int
    source: str
    case_id: str
    rubric: str
    old_score: int | None
    new_score: int
    reason: str
    who: str
    created_at: str


@dataclass(frozen=True)
class CaseBlobs:
    """A comparison serialised for the cases table (JSON text), made where it was computed."""

    scores_json: str
    diff_json: str
    reference_graph_json: str
    candidate_graph_json: str

    @classmethod
    def of(cls, comparison: Comparison) -> CaseBlobs:
        # vars() rather than dataclasses.asdict: the same JSON, ~10x faster on large diffs
        # (asdict deep-copies every span tuple), which matters at batch scale.
        diff = {"items": [vars(item) for item in comparison.diff.items]}
        return cls(json.dumps(vars(comparison.scores)), json.dumps(diff, ensure_ascii=False),
                   graph_json(comparison.reference), graph_json(comparison.candidate))

    def row(self) -> tuple[str, str, str, str]:
        return (self.scores_json, self.diff_json, self.reference_graph_json,
                self.candidate_graph_json)


def graph_json(graph: ReportGraph) -> str:
    """A graph's JSON without its text: the cases table holds the text once, beside it."""
    data = graph.to_dict()
    data.pop("text", None)
    return json.dumps(data, ensure_ascii=False)


def read_graph(raw: str | None, text: str) -> ReportGraph | None:
    """The graph stored by graph_json, with its text put back."""
    from kgjudge.graph import ReportGraph

    if raw is None:
        return None
    graph = ReportGraph.from_dict(json.loads(raw))
    graph.text = graph.text or text
    return graph


def row_run(row: sqlite3.Row) -> RunRecord:
    return RunRecord(
        id=row["id"], config_hash=row["config_hash"], config=json.loads(row["config_json"]),
        domain=row["domain"], pack_hash=row["pack_hash"],
        rubrics=tuple(json.loads(row["rubrics_json"])), backend=row["backend"],
        model=row["model"], adapter=row["adapter"], extractor=row["extractor"],
        versions=json.loads(row["versions_json"]), input=row["input"],
        started_at=row["started_at"], finished_at=row["finished_at"])


def row_case(row: sqlite3.Row) -> CaseRecord:
    keys = row.keys()
    return CaseRecord(
        run_id=row["run_id"], id=row["case_id"], source=row["source"],
        reference_path=row["reference_path"], candidate_path=row["candidate_path"],
        reference_text=row["reference_text"], candidate_text=row["candidate_text"],
        instruction=row["instruction"], metadata=json.loads(row["metadata_json"]),
        scores=json.loads(row["scores_json"]) if row["scores_json"] else None,
        status=row["status"], error=row["error"], reviewed=bool(row["reviewed"]),
        reviewed_by=row["reviewed_by"], reviewed_at=row["reviewed_at"],
        diff_json=row["diff_json"] if "diff_json" in keys else None,
        reference_graph_json=row["reference_graph_json"] if "diff_json" in keys else None,
        candidate_graph_json=row["candidate_graph_json"] if "diff_json" in keys else None)


def row_verdict(row: sqlite3.Row) -> Verdict:
    data = {k: row[k] for k in row.keys()}
    probs = data.pop("probabilities_json")
    data["probabilities"] = json.loads(probs) if probs else None
    data["truncated"] = bool(data["truncated"])
    return Verdict.from_dict(data)


def row_override(row: sqlite3.Row) -> OverrideRecord:
    return OverrideRecord(**{k: row[k] for k in row.keys()})
