"""The embedded KG judge: graph metrics to a 1-5 score per rubric, rationale from the GraphDiff.

Deterministic and weight-free. Under a rubric's ``[kg]`` table, quality is the weighted mean of
the available metrics (None metrics are skipped and the weights renormalised) minus a penalty per
diff item of each kind, clipped to [0, 1]; ascending thresholds cut it into scores 2..5. The
expected score is the same mapping made continuous (linear between cut points), for ranking and
calibration. The documents' text is only quoted in the rationale, never interpreted, so text
addressed to a judge cannot move the score.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import networkx as nx

from kgjudge.compare.model import Comparison, DiffItem
from kgjudge.graph import ReportGraph, node_id
from kgjudge.judge.base import Case, Verdict
from kgjudge.judge.prompt import evidence
from kgjudge.ontology import Lexicon
from kgjudge.rubric import KgMapping, Rubric

#: How each metric is named in a rationale.
_METRIC_NAMES = {
    "node_precision": "fact precision", "node_recall": "fact recall", "node_f1": "fact F1",
    "edge_precision": "relation precision", "edge_recall": "relation recall",
    "edge_f1": "relation F1", "nsc": "ReXKG-NSC", "ams": "ReXKG-AMS",
    "scs": "finding coverage (ReXKG-SCS)", "subgraph_precision": "finding precision",
}
#: Why each penalised kind costs points, in a rationale.
_WHY = {
    "contradicted": "the response states the opposite of the reference",
    "missing_finding": "a finding of the reference is not reported",
    "missing_device": "a device of the reference is not reported",
    "missing": "a detail of the reference is not reported",
    "extra_finding": "a finding the reference does not support is stated",
    "extra_device": "a device the reference does not support is stated",
    "extra": "a detail the reference does not support is stated",
    "missing_negative": "an absence the reference states is not reported",
    "relation_mismatch": "a relation (location, qualifier, party) differs from the reference",
    "wrong_side": "the finding is placed on the other side",
}
_ORDER = tuple(_WHY)


@dataclass(frozen=True)
class Penalty:
    """One diff item's cost under a rubric."""

    kind: str
    """A KG_PENALTIES name (contradicted, missing_finding, ...)."""
    item: DiffItem
    cost: float


def penalty_kind(item: DiffItem, comparison: Comparison | None = None,
                 lexicon: Lexicon | None = None) -> str | None:
    """The KgMapping penalty name of a diff item, or None when it costs nothing.

    A relation mismatch is charged only on a finding the reference asserts (present or
    uncertain): where or how large an absent finding is, or a qualifier of an anatomy node, does
    not change what a reader does; the edge metrics still count it. One that puts the finding on
    the other side (by the ontology's kgj:side) is ``wrong_side``. A finding or device the
    reference asserts absent and the response leaves out ("no pneumothorax", "no central line")
    is a ``missing_negative``: a rubric prices it on its own (a contract's exclusion), else as a
    ``missing`` detail (a radiology report's pertinent negative); the node metrics still count
    it. Other absent nodes ("shall not assign this Agreement") stay ``missing`` details. An
    absence only the response states stays an extra finding: "No acute cardiopulmonary
    abnormality" over a reference's pneumothorax is no harmless detail.
    """
    if item.kind == "relation_mismatch":
        if not item.is_finding or item.reference_assertion == "absent":
            return None
        if comparison is not None and lexicon is not None and side_flipped(item, comparison,
                                                                           lexicon):
            return "wrong_side"
        return item.kind
    if item.kind == "contradicted":
        return item.kind
    if item.kind not in ("missing", "extra"):
        return None
    if item.kind == "missing" and item.is_finding and item.reference_assertion == "absent":
        return "missing_negative"
    if item.type == "device":
        return f"{item.kind}_device"
    return f"{item.kind}_finding" if item.is_finding else item.kind


def side_flipped(item: DiffItem, comparison: Comparison, lexicon: Lexicon) -> bool:
    """Both sides name a laterality near the finding (within two hops) and they never agree."""
    ref_id = node_id(item.key, item.reference_assertion or "present")
    cand_id = comparison.alignment.mapping().get(ref_id)
    if cand_id is None or ref_id not in comparison.reference or cand_id not in comparison.candidate:
        return False
    ref_sides = _sides_near(comparison.reference, ref_id, lexicon)
    cand_sides = _sides_near(comparison.candidate, cand_id, lexicon)
    return bool(ref_sides) and bool(cand_sides) and ref_sides.isdisjoint(cand_sides)


def _sides_near(graph: ReportGraph, nid: str, lexicon: Lexicon) -> set[str]:
    g = graph.nx.to_undirected(as_view=True)
    near = nx.single_source_shortest_path_length(g, nid, cutoff=2)
    sides = set()
    for other in near:
        concept = lexicon.get(graph.node(other).key)
        if concept is not None and concept.side:
            sides.add(concept.side)
    return sides


def penalties(comparison: Comparison, mapping: KgMapping,
              lexicon: Lexicon | None = None) -> list[Penalty]:
    """Every diff item that costs points under ``mapping``, most costly kinds first."""
    out = []
    for item in comparison.diff.items:
        kind = penalty_kind(item, comparison, lexicon)
        if kind is not None and mapping.cost(kind) > 0:
            out.append(Penalty(kind, item, mapping.cost(kind)))
    return sorted(out, key=lambda p: (-p.cost, _ORDER.index(p.kind)))


def metric_quality(comparison: Comparison, mapping: KgMapping) -> float | None:
    """Weighted mean of the available metrics (None ones skipped, weights renormalised)."""
    total = weight = 0.0
    for name, w in mapping.weights.items():
        value = comparison.scores.metric(name)
        if value is not None and w > 0:
            total, weight = total + w * value, weight + w
    return total / weight if weight > 0 else None


def quality(comparison: Comparison, mapping: KgMapping, lexicon: Lexicon | None = None) -> float:
    """Metric quality minus penalties, clipped to [0, 1]."""
    base = metric_quality(comparison, mapping)
    if base is None:  # no metric is defined: two empty graphs agree perfectly
        base = 1.0
    cost = math.fsum(p.cost for p in penalties(comparison, mapping, lexicon))
    return min(1.0, max(0.0, base - cost))


def score_of(q: float, thresholds: tuple[float, ...]) -> int:
    """1 + the number of cut points that ``q`` reaches."""
    return 1 + sum(q >= t for t in thresholds)


def smooth_score(q: float, thresholds: tuple[float, ...]) -> float:
    """Piecewise-linear score through (0, 1), (t1, 2), .., (t4, 5): floor() gives score_of."""
    knots = [0.0, *thresholds]
    for k in range(len(knots) - 1, -1, -1):
        if q >= knots[k]:
            if k == len(knots) - 1:
                return 5.0
            span = knots[k + 1] - knots[k]
            # Capped below the next cut so that floor(smooth) is always the score.
            return 1.0 + k + (min((q - knots[k]) / span, 0.9999) if span > 0 else 0.0)
    return 1.0


class KgJudge:
    """Scores a case from its graph comparison under the rubric's ``[kg]`` mapping."""

    name = "kg"

    def __init__(self, pack: object | None = None, *, max_items: int = 6) -> None:
        """``max_items``: how many penalised facts a rationale names before summarising."""
        self.pack = pack
        self.lexicon: Lexicon | None = getattr(pack, "lexicon", None)
        self.max_items = max_items

    def judge(self, case: Case) -> Verdict:
        start = time.perf_counter()
        mapping = case.rubric.kg
        q = quality(case.comparison, mapping, self.lexicon)
        score = score_of(q, mapping.thresholds)
        rationale = self.rationale(case, q, score)
        return Verdict(
            case_id=case.id, rubric=case.rubric.id, status="ok", score=score,
            expected_score=round(min(smooth_score(q, mapping.thresholds), 5.0), 4),
            rationale=rationale, backend=self.name, model="kg", source=case.pair.source,
            latency_s=time.perf_counter() - start,
        )

    def judge_many(self, cases: Iterable[Case]) -> Iterator[Verdict]:
        for case in cases:
            yield self.judge(case)

    def rationale(self, case: Case, q: float, score: int) -> str:
        """Names what is contradicted, missing or unsupported and why it costs points here."""
        rubric, comparison = case.rubric, case.comparison
        found = penalties(comparison, rubric.kg, self.lexicon)
        lines = [f"{_title(rubric)}: {score}/5 (graph quality {q:.2f})."]
        for p in found[: self.max_items]:
            lines.append(f"- {_describe(p, comparison)} Costs {p.cost:.2f}: {_WHY[p.kind]}.")
        if len(found) > self.max_items:
            rest = math.fsum(p.cost for p in found[self.max_items:])
            lines.append(f"- {len(found) - self.max_items} more such facts cost {rest:.2f}.")
        if not found:
            lines.append(_no_penalty_sentence(comparison, q))
        lines.append("Metrics: " + _metric_summary(comparison, rubric.kg) + ".")
        lines.append(f"Score {score}: {rubric.description(score)}")
        return "\n".join(lines)


def _title(rubric: Rubric) -> str:
    return rubric.title or rubric.id


def _quote(text: str, spans: tuple[tuple[int, int], ...]) -> str:
    quote = evidence(text, spans)
    return f' ("{quote}")' if quote else ""


def _describe(p: Penalty, comparison: Comparison) -> str:
    item = p.item
    ref = _quote(comparison.reference.text, item.reference_spans)
    cand = _quote(comparison.candidate.text, item.candidate_spans)
    label = item.label or item.key
    if item.kind == "contradicted":
        return (f"Contradicted: '{label}' is {item.reference_assertion} in the reference{ref} "
                f"but {item.candidate_assertion} in the response{cand}.")
    if item.kind == "missing":
        what = "device" if item.type == "device" else "finding" if item.is_finding else item.type
        return f"Missing {what}: '{label}'{ref} is not in the response."
    if item.kind == "extra":
        what = "device" if item.type == "device" else "finding" if item.is_finding else item.type
        return f"Unsupported {what}: '{label}'{cand} is not in the reference."
    if p.kind == "wrong_side":
        return f"Wrong side: {item.detail or label}{cand}."
    return f"Relation differs: {item.detail or label}{cand}."


def _no_penalty_sentence(comparison: Comparison, q: float) -> str:
    diff = comparison.diff
    if not (diff.missing or diff.extra or diff.contradicted or diff.relation_mismatches):
        return f"- Every extracted fact agrees with the reference ({len(diff.matched)} matched)."
    others = len(diff.items) - len(diff.matched)
    if q >= 1.0:
        return (f"- No difference this rubric penalises; other differences ({others}) are "
                "judged under other rubrics.")
    # none is priced, yet the score is below the top: the differences moved the metrics
    return (f"- No difference carries a penalty of its own under this rubric; the differences "
            f"({others}) count through the metrics below.")


def _metric_summary(comparison: Comparison, mapping: KgMapping) -> str:
    parts = []
    for name in mapping.weights:
        value = comparison.scores.metric(name)
        shown = "n/a" if value is None else f"{value:.2f}"
        parts.append(f"{_METRIC_NAMES.get(name, name)} {shown}")
    return ", ".join(parts)
