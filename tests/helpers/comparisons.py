"""Hand-built comparisons (graphs, scores and diffs) for judge tests, without the extractor."""

from __future__ import annotations

from kgjudge.compare.model import Alignment, Comparison, DiffItem, GraphDiff, Scores
from kgjudge.graph import ReportGraph

REFERENCE = ("Small left pleural effusion. No pneumothorax. Heart size is normal. "
             "Endotracheal tube terminates 4 cm above the carina.")


def span(text: str, phrase: str) -> tuple[tuple[int, int], ...]:
    """The span of the first occurrence of ``phrase`` in ``text``."""
    start = text.index(phrase)
    return ((start, start + len(phrase)),)


def scores(**overrides: float | int | None) -> Scores:
    """Perfect scores for a 6-node, 3-edge reference, with overrides."""
    values: dict[str, float | int | None] = dict(
        node_precision=1.0, node_recall=1.0, node_f1=1.0, edge_precision=1.0, edge_recall=1.0,
        edge_f1=1.0, nsc=1.0, ams=1.0, scs=1.0, subgraph_precision=1.0, contradictions=0,
        matched=6.0, reference_nodes=6, candidate_nodes=6, reference_edges=3, candidate_edges=3)
    values.update(overrides)
    return Scores(**values)  # type: ignore[arg-type]


def comparison(candidate: str, items: list[DiffItem], score: Scores,
               reference: str = REFERENCE) -> Comparison:
    """A Comparison with graphs that only carry the texts (the judge reads diff and scores)."""
    return Comparison(reference=ReportGraph(text=reference), candidate=ReportGraph(text=candidate),
                      alignment=Alignment(pairs=()), scores=score, diff=GraphDiff(tuple(items)))


def matched(key: str, label: str, type_: str = "observation") -> DiffItem:
    return DiffItem(kind="matched", key=key, label=label, type=type_,
                    is_finding=type_ in ("observation", "device"), similarity=1.0,
                    reference_spans=span(REFERENCE, label) if label in REFERENCE else ())


def perfect() -> Comparison:
    cand = REFERENCE
    items = [matched("pleural_effusion", "pleural effusion"),
             matched("pneumothorax", "pneumothorax"),
             matched("endotracheal_tube", "Endotracheal tube", "device")]
    return comparison(cand, items, scores())


def minor_size_error() -> Comparison:
    """'moderate' instead of 'small': a modifier relation differs."""
    cand = REFERENCE.replace("Small", "Moderate")
    items = [matched("pleural_effusion", "pleural effusion"),
             DiffItem(kind="relation_mismatch", key="pleural_effusion", label="pleural effusion",
                      type="observation", is_finding=True, reference_spans=span(REFERENCE, "Small"),
                      candidate_spans=span(cand, "Moderate"),
                      detail="pleural effusion: modified by small in the reference, moderate in "
                             "the response")]
    return comparison(cand, items, scores(edge_precision=0.67, edge_recall=0.67, edge_f1=0.67,
                                          ams=0.67, scs=0.9, subgraph_precision=0.9))


def missing_finding() -> Comparison:
    """The endotracheal tube is not reported."""
    cand = "Small left pleural effusion. No pneumothorax. Heart size is normal."
    items = [matched("pleural_effusion", "pleural effusion"),
             DiffItem(kind="missing", key="endotracheal_tube", label="endotracheal tube",
                      type="device", is_finding=True,
                      reference_spans=span(REFERENCE, "Endotracheal tube"))]
    return comparison(cand, items, scores(node_recall=0.67, node_f1=0.8, edge_recall=0.67,
                                          edge_f1=0.8, nsc=0.5, scs=0.67, candidate_nodes=4,
                                          matched=4.0))


def contradicted() -> Comparison:
    """Pneumothorax present where the reference says absent, and an invented consolidation."""
    cand = ("Small left pleural effusion. Large right pneumothorax. Right lower lobe "
            "consolidation. Endotracheal tube terminates 4 cm above the carina.")
    items = [matched("pleural_effusion", "pleural effusion"),
             DiffItem(kind="contradicted", key="pneumothorax", label="pneumothorax",
                      type="observation", is_finding=True, reference_assertion="absent",
                      candidate_assertion="present",
                      reference_spans=span(REFERENCE, "pneumothorax"),
                      candidate_spans=span(cand, "pneumothorax")),
             DiffItem(kind="extra", key="consolidation", label="consolidation", type="observation",
                      is_finding=True, candidate_spans=span(cand, "consolidation"))]
    return comparison(cand, items, scores(node_precision=0.6, node_recall=0.67, node_f1=0.63,
                                          edge_f1=0.5, nsc=0.5, scs=0.6, subgraph_precision=0.5,
                                          contradictions=1, candidate_nodes=8))


#: From no error to the most severe, as the shared rubrics describe.
BY_SEVERITY = (perfect, minor_size_error, missing_finding, contradicted)
