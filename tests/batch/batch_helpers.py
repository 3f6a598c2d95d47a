"""Constructed comparisons and verdicts for store / batch / export tests."""

from __future__ import annotations

from pathlib import Path

from kgjudge.compare.model import Alignment, Comparison, DiffItem, GraphDiff, Scores
from kgjudge.graph import ReportGraph
from kgjudge.judge.base import Pair, Verdict


def comparison(reference: str = "effusion", candidate: str = "effusion") -> Comparison:
    ref, cand = ReportGraph(text=reference), ReportGraph(text=candidate)
    a = ref.add_node("effusion", "observation", span=(0, 8))
    b = cand.add_node("effusion", "observation", span=(0, 8))
    scores = Scores(node_precision=1.0, node_recall=1.0, node_f1=1.0, edge_precision=0.0,
                    edge_recall=0.0, edge_f1=0.0, nsc=1.0, ams=None, scs=None,
                    subgraph_precision=None, contradictions=0, matched=1.0, reference_nodes=1,
                    candidate_nodes=1, reference_edges=0, candidate_edges=0)
    diff = GraphDiff((DiffItem(kind="matched", key="effusion", label="effusion",
                               type="observation", is_finding=True, reference_spans=((0, 8),),
                               candidate_spans=((0, 8),), detail="effusion", similarity=1.0),))
    return Comparison(ref, cand, Alignment(((a, b, 1.0),)), scores, diff)


def pair(case_id: str = "c1", source: str = "candidates") -> Pair:
    return Pair(id=case_id, reference="effusion", candidate="effusion", source=source,
                reference_path=f"references/{case_id}.txt",
                candidate_path=f"{source}/{case_id}.txt")


def verdict(case_id: str = "c1", rubric: str = "accuracy", score: int = 4,
            source: str = "candidates", rationale: str = "fine") -> Verdict:
    return Verdict(case_id=case_id, rubric=rubric, status="ok", score=score,
                   expected_score=float(score), probabilities={score: 1.0}, rationale=rationale,
                   backend="kg", model="kg", source=source)


def make_folder(root: Path, n: int, sources: tuple[str, ...] = ("candidates",)) -> Path:
    (root / "references").mkdir(parents=True)
    for i in range(n):
        (root / "references" / f"r{i:04d}.txt").write_text(f"reference {i} effusion\n")
        for source in sources:
            (root / source).mkdir(exist_ok=True)
            (root / source / f"r{i:04d}.txt").write_text(f"candidate {source} {i}" + " x" * i)
    return root
