"""Values that flow out of graph comparison: Alignment, Scores, GraphDiff, Comparison.

Definitions of every score are in specs/metrics.md (shared/specs) and docs/metrics.md.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from kgjudge.graph import ReportGraph, Span


@dataclass(frozen=True)
class Alignment:
    """One-to-one matching of reference nodes to candidate nodes."""

    pairs: tuple[tuple[str, str, float], ...]
    """(reference node id, candidate node id, similarity > 0)."""
    reference_unmatched: tuple[str, ...] = ()
    candidate_unmatched: tuple[str, ...] = ()
    contradictions: tuple[tuple[str, str], ...] = ()
    """(reference node id, candidate node id) with equal key and different assertion."""

    def mapping(self) -> dict[str, str]:
        return {r: c for r, c, _ in self.pairs}

    def similarity(self) -> dict[str, float]:
        return {r: s for r, _, s in self.pairs}

    @property
    def total(self) -> float:
        """S, the summed similarity of matched pairs."""
        return math.fsum(s for *_, s in self.pairs)


@dataclass(frozen=True)
class Scores:
    """Every comparison score of one reference/candidate pair (each in [0, 1] or None)."""

    node_precision: float
    node_recall: float
    node_f1: float
    edge_precision: float
    edge_recall: float
    edge_f1: float
    nsc: float
    """ReXKG-NSC: S / (|R| + ||R| - |C||)."""
    ams: float | None
    """ReXKG-AMS; None when the reference has no edge."""
    scs: float | None
    """ReXKG-SCS; None when the reference has no finding star."""
    subgraph_precision: float | None
    """SCS computed from the candidate's side (unsupported complex findings)."""
    contradictions: int
    matched: float
    """S, the summed similarity of aligned nodes."""
    reference_nodes: int
    candidate_nodes: int
    reference_edges: int
    candidate_edges: int

    def __init__(self, node_precision: float, node_recall: float, node_f1: float,
                 edge_precision: float, edge_recall: float, edge_f1: float, nsc: float,
                 ams: float | None, scs: float | None, subgraph_precision: float | None,
                 contradictions: int, matched: float, reference_nodes: int, candidate_nodes: int,
                 reference_edges: int, candidate_edges: int) -> None:
        # written out (dataclass keeps it), as DiffItem's: one dict update, not 16 frozen sets
        self.__dict__.update(
            node_precision=node_precision, node_recall=node_recall, node_f1=node_f1,
            edge_precision=edge_precision, edge_recall=edge_recall, edge_f1=edge_f1, nsc=nsc,
            ams=ams, scs=scs, subgraph_precision=subgraph_precision,
            contradictions=contradictions, matched=matched, reference_nodes=reference_nodes,
            candidate_nodes=candidate_nodes, reference_edges=reference_edges,
            candidate_edges=candidate_edges)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def metric(self, name: str) -> float | None:
        value = getattr(self, name)
        return None if value is None else float(value)


#: Kinds of diff item, in the order they are shown.
DIFF_KINDS = ("contradicted", "missing", "extra", "relation_mismatch", "matched")


@dataclass(frozen=True)
class DiffItem:
    """One fact of the comparison: matched, missing, extra, contradicted or relation mismatch."""

    kind: str
    """One of DIFF_KINDS."""
    key: str
    label: str
    type: str
    is_finding: bool
    """The node's type roots a finding subgraph (observation, device, ...)."""
    reference_assertion: str | None = None
    candidate_assertion: str | None = None
    reference_spans: tuple[Span, ...] = ()
    candidate_spans: tuple[Span, ...] = ()
    detail: str = ""
    """One readable sentence, e.g. 'effusion: located at left pleural in the reference, right
    pleural in the candidate'."""
    similarity: float = 0.0

    def __init__(self, kind: str, key: str, label: str, type: str, is_finding: bool,
                 reference_assertion: str | None = None, candidate_assertion: str | None = None,
                 reference_spans: tuple[Span, ...] = (), candidate_spans: tuple[Span, ...] = (),
                 detail: str = "", similarity: float = 0.0) -> None:
        # written out (dataclass keeps it): the generated __init__ of a frozen dataclass sets
        # each field through object.__setattr__, 2.5x the cost of filling the instance's dict
        # at once, and a comparison builds ~13 items
        self.__dict__.update(kind=kind, key=key, label=label, type=type, is_finding=is_finding,
                             reference_assertion=reference_assertion,
                             candidate_assertion=candidate_assertion,
                             reference_spans=reference_spans, candidate_spans=candidate_spans,
                             detail=detail, similarity=similarity)


@dataclass(frozen=True)
class GraphDiff:
    """The readable difference between a reference graph and a candidate graph."""

    items: tuple[DiffItem, ...] = ()

    def of_kind(self, kind: str) -> list[DiffItem]:
        return [i for i in self.items if i.kind == kind]

    @property
    def matched(self) -> list[DiffItem]:
        return self.of_kind("matched")

    @property
    def missing(self) -> list[DiffItem]:
        return self.of_kind("missing")

    @property
    def extra(self) -> list[DiffItem]:
        return self.of_kind("extra")

    @property
    def contradicted(self) -> list[DiffItem]:
        return self.of_kind("contradicted")

    @property
    def relation_mismatches(self) -> list[DiffItem]:
        return self.of_kind("relation_mismatch")

    def lines(self, *, include_matched: bool = False) -> list[str]:
        """Short text lines, one per item, for the judge prompt and the terminal."""
        marks = {"contradicted": "!", "missing": "-", "extra": "+", "relation_mismatch": "~",
                 "matched": "="}
        out = []
        for kind in DIFF_KINDS:
            if kind == "matched" and not include_matched:
                continue
            for item in self.of_kind(kind):
                out.append(f"{marks[kind]} {kind.replace('_', ' ')}: {item.detail or item.label}")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"items": [asdict(i) for i in self.items]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GraphDiff:
        items = []
        for raw in data.get("items", []):
            raw = dict(raw)
            raw["reference_spans"] = tuple(tuple(s) for s in raw.get("reference_spans", ()))
            raw["candidate_spans"] = tuple(tuple(s) for s in raw.get("candidate_spans", ()))
            items.append(DiffItem(**raw))
        return cls(tuple(items))


@dataclass(frozen=True)
class Comparison:
    """Everything the comparison of one pair produced."""

    reference: ReportGraph
    candidate: ReportGraph
    alignment: Alignment
    scores: Scores
    diff: GraphDiff = field(default_factory=GraphDiff)
