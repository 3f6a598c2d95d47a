"""A synthetic run for the review UI's tests, snapshots and open-time benchmark.

Builds radiology-like pairs with hand-made graphs, diffs, scores and verdicts (no extraction, no
judge), so the UI can be exercised and timed at any size without a domain pack or a model.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from kgjudge.compare.model import DiffItem, GraphDiff
from kgjudge.graph import ReportGraph
from kgjudge.judge.base import Pair, Verdict
from kgjudge.store import CaseBlobs, Store

RUBRICS = ("accuracy", "completeness")
REFERENCE = ("Small left pleural effusion. No pneumothorax. Heart size is normal. "
             "Possible right lower lobe consolidation.")
CANDIDATES = (
    "Small left pleural effusion. No pneumothorax. Heart size is normal. "
    "Possible right lower lobe consolidation.",
    "Left pleural effusion. Pneumothorax on the right. Heart size is normal.",
    "No pleural effusion. No pneumothorax. Cardiomegaly. Right lower lobe consolidation.",
)
#: (mention, concept key, type, assertion) found in the texts above.
MENTIONS = (
    ("No pleural effusion", "effusion", "observation", "absent"),
    ("pleural effusion", "effusion", "observation", "present"),
    ("left", "left", "anatomy", "present"),
    ("No pneumothorax", "pneumothorax", "observation", "absent"),
    ("Pneumothorax", "pneumothorax", "observation", "present"),
    ("Heart", "heart", "anatomy", "present"),
    ("Cardiomegaly", "cardiomegaly", "observation", "present"),
    ("Possible right lower lobe consolidation", "consolidation", "observation", "uncertain"),
    ("lower lobe", "lower_lobe", "anatomy", "present"),
    ("consolidation", "consolidation", "observation", "present"),
)


def graph_of(text: str, doc_id: str) -> ReportGraph:
    """A graph with one node per mention found (longest first, no overlapping mentions)."""
    graph = ReportGraph(text=text, doc_id=doc_id)
    taken: list[tuple[int, int]] = []
    for phrase, key, etype, assertion in sorted(MENTIONS, key=lambda m: -len(m[0])):
        start = text.find(phrase)
        while start >= 0:
            end = start + len(phrase)
            if not any(s < end and start < e for s, e in taken):
                taken.append((start, end))
                word = phrase.split()[-1] if assertion != "present" else phrase
                offset = phrase.rfind(word)
                graph.add_node(key, etype, assertion=assertion, label=key.replace("_", " "),
                               span=(start + offset, start + offset + len(word)))
            start = text.find(phrase, end)
    return graph


def diff_of(reference: ReportGraph, candidate: ReportGraph) -> GraphDiff:
    """Matched / missing / extra / contradicted items by concept key and assertion."""
    ref = {n.key: n for n in reference.nodes()}
    cand = {n.key: n for n in candidate.nodes()}
    items = []
    for key in sorted(ref.keys() | cand.keys()):
        r, c = ref.get(key), cand.get(key)
        node = r or c
        assert node is not None
        kind = ("missing" if c is None else "extra" if r is None
                else "matched" if r.assertion == c.assertion else "contradicted")
        detail = (f"{node.label}: {r.assertion} in the reference, {c.assertion} in the candidate"
                  if kind == "contradicted" and r and c else "")
        items.append(DiffItem(
            kind=kind, key=key, label=node.label, type=node.type,
            is_finding=node.type == "observation",
            reference_assertion=r.assertion if r else None,
            candidate_assertion=c.assertion if c else None,
            reference_spans=r.spans if r else (), candidate_spans=c.spans if c else (),
            detail=detail, similarity=1.0 if kind == "matched" else 0.0))
    return GraphDiff(tuple(items))


def build_sample_store(path: Path, cases: int = 12, *, seed: int = 7,
                       long_case: bool = True) -> tuple[Store, int]:
    """A store at ``path`` with one run of ``cases`` synthetic cases; returns (store, run id)."""
    rng = random.Random(seed)
    store = Store(path)
    run_id = store.create_run(config={"sample": cases, "seed": seed}, domain="radiology",
                              rubrics=list(RUBRICS), backend="kg", model="kg")
    blobs = {i: _blobs(REFERENCE, cand, i) for i, cand in enumerate(CANDIDATES)}
    for n in range(cases):
        variant = n % len(CANDIDATES)
        reference, candidate = REFERENCE, CANDIDATES[variant]
        if long_case and n == 1:  # long documents of different lengths (scrolling, sync)
            reference = _padded(REFERENCE, 120)
            candidate = _padded(candidate, 60)
        pair = Pair(id=f"case{n:05d}", reference=reference, candidate=candidate,
                    reference_path=f"references/case{n:05d}.txt",
                    candidate_path=f"candidates/case{n:05d}.txt")
        comparison = blobs[variant] if reference == REFERENCE else _blobs(reference, candidate, n)
        verdicts = [_verdict(pair.id, rubric, variant, rng) for rubric in RUBRICS]
        store.add_result(run_id, pair, comparison=comparison, verdicts=verdicts)
    store.finish_run(run_id)
    return store, run_id


def _padded(text: str, lines: int) -> str:
    return "\n".join(f"Line {k}: the lungs are clear." for k in range(lines)) + "\n" + text


def _blobs(reference: str, candidate: str, n: int) -> CaseBlobs:
    ref, cand = graph_of(reference, f"r{n}"), graph_of(candidate, f"c{n}")
    diff = diff_of(ref, cand)
    matched = len(diff.matched)
    nsc = matched / max(1, len(ref) + abs(len(ref) - len(cand)))
    scores = {"node_precision": matched / max(1, len(cand)),
              "node_recall": matched / max(1, len(ref)), "node_f1": round(nsc, 3),
              "edge_precision": 0.0, "edge_recall": 0.0, "edge_f1": 0.0, "nsc": round(nsc, 3),
              "ams": None, "scs": round(nsc * 0.9, 3), "subgraph_precision": None,
              "contradictions": len(diff.contradicted), "matched": float(matched),
              "reference_nodes": len(ref), "candidate_nodes": len(cand),
              "reference_edges": 0, "candidate_edges": 0}
    return CaseBlobs(json.dumps(scores), json.dumps(diff.to_dict()), ref.to_json(),
                     cand.to_json())


def _verdict(case_id: str, rubric: str, variant: int, rng: random.Random) -> Verdict:
    if variant == 2 and rubric == "completeness" and rng.random() < 0.5:
        return Verdict(case_id, rubric, "unscored", raw_output="I think it is fine.",
                       backend="kg", rationale="")
    score = (5, 2, 1)[variant] if rubric == "accuracy" else (5, 3, 2)[variant]
    rationale = {0: "All findings match the reference.",
                 1: "The **pneumothorax** is asserted present but the reference says absent; "
                    "the consolidation is missing.",
                 2: "The effusion is denied and cardiomegaly is added; both contradict the "
                    "reference."}[variant]
    return Verdict(case_id, rubric, "ok", score=score, expected_score=score - 0.2,
                   rationale=rationale, backend="kg", model="kg")
