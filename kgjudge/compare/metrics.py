"""Scores of one alignment: node and edge P/R/F1, ReXKG-NSC, -AMS, -SCS, subgraph precision.

Definitions in docs/metrics.md. A precision or recall whose denominator is zero is 1.0 (nothing
invented, nothing to find); F1 then still says 0.0 for an empty candidate against a non-empty
reference, and identical empty graphs score 1.0.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from collections.abc import Set as AbstractSet

from kgjudge.compare.align import GraphView, Matching
from kgjudge.compare.model import Scores

Triple = tuple[str, str, str]


def ratio(part: float, whole: int) -> float:
    """part / whole, 1.0 when whole is 0 (see the module docstring)."""
    return min(1.0, part / whole) if whole else 1.0


def f1(precision: float, recall: float) -> float:
    total = precision + recall
    return 2 * precision * recall / total if total else 0.0


def edge_weights(ref: GraphView, cand: GraphView, matching: Matching) -> dict[Triple, float]:
    """Matched weight of each reference edge: min(s(a), s(b)) when C has (M(a), rel, M(b))."""
    pairs, cand_edges = matching.pairs, cand.edges
    weights: dict[Triple, float] = {}
    for edge in ref.edges:
        a, rel, b = edge
        ma = pairs.get(a)
        if ma is not None:
            mb = pairs.get(b)
            if mb is not None and (ma[0], rel, mb[0]) in cand_edges:
                weights[edge] = min(ma[1], mb[1])
    return weights


def score(ref: GraphView, cand: GraphView, matching: Matching, *,
          finding_roots: Iterable[str] = ("observation", "device"),
          typed_ams: bool = True) -> Scores:
    """Every score of docs/metrics.md for one aligned pair of graphs."""
    n_r, n_c = len(ref.ids), len(cand.ids)
    e_r, e_c = len(ref.edges), len(cand.edges)
    total = min(matching.total, float(min(n_r, n_c)))  # guards float drift in the sum
    node_p, node_r = ratio(total, n_c), ratio(total, n_r)
    weights = edge_weights(ref, cand, matching)
    matched_edges = math.fsum(weights.values())
    edge_p, edge_r = ratio(matched_edges, e_c), ratio(matched_edges, e_r)
    denominator = n_r + abs(n_r - n_c)
    nsc = min(1.0, total / denominator) if denominator else (1.0 if n_c == 0 else 0.0)
    scs, subgraph_precision = star_coverages(ref, cand, matching, weights,
                                             frozenset(finding_roots))
    return Scores(
        node_precision=node_p, node_recall=node_r, node_f1=f1(node_p, node_r),
        edge_precision=edge_p, edge_recall=edge_r, edge_f1=f1(edge_p, edge_r),
        nsc=nsc,
        ams=ams(ref, cand, matching, typed=typed_ams),
        scs=scs, subgraph_precision=subgraph_precision,
        contradictions=len(matching.contradictions),
        matched=total, reference_nodes=n_r, candidate_nodes=n_c,
        reference_edges=e_r, candidate_edges=e_c,
    )


def star_coverages(ref: GraphView, cand: GraphView, matching: Matching,
                   weights: dict[Triple, float],
                   roots: frozenset[str]) -> tuple[float | None, float | None]:
    """Mean coverage of the reference's finding stars (ReXKG-SCS) and of the candidate's
    (subgraph precision); None for a side without a star.

    A star is a node whose type is in ``roots`` plus its incident edges in both directions;
    coverage = (s(root) + sum of its matched edges' weights) / (1 + number of its edges), where
    ``weights`` holds the matched reference edges. An unmatched root covers 0 (no edge at it is
    matched). A matched pair's nodes have one type (similarity requires it), and M is one-to-one,
    so the candidate's matched edges at a matched root are the images of the reference's at its
    partner: both sides share each matched root's numerator and differ in its number of edges.
    """
    r_stars, c_stars = _stars(ref, roots), _stars(cand, roots)
    if not r_stars and not c_stars:
        return None, None
    pairs = matching.pairs
    incident: dict[str, list[float]] = {}  # reference node -> its matched edges' weights
    for (a, _, b), w in weights.items():
        for end in (a, b):
            found = incident.get(end)
            if found is None:
                incident[end] = [w]
            else:
                found.append(w)
    covered: dict[str, float] = {}  # matched reference root -> its coverage's numerator
    r_coverages = []
    for rid, degree in r_stars:
        mapped = pairs.get(rid)
        if mapped is not None:
            found = incident.get(rid)
            numerator = mapped[1] if found is None else math.fsum([mapped[1], *found])
            covered[rid] = numerator
            r_coverages.append(numerator / (1 + degree))
    back = matching.back
    c_coverages = [covered[back[cid]] / (1 + degree) for cid, degree in c_stars if cid in back]
    # unmatched roots' zero coverages are left out of the sums (exactly rounded: same result)
    return (math.fsum(r_coverages) / len(r_stars) if r_stars else None,
            math.fsum(c_coverages) / len(c_stars) if c_stars else None)


def _stars(graph: GraphView, roots: frozenset[str]) -> list[tuple[str, int]]:
    """(root, number of incident edges) of each finding star, kept in the view's memo."""
    memo = graph.memo.setdefault("stars", {})
    found = memo.get(roots)
    if found is None:
        nodes, out, into = graph.nodes, graph.out, graph.into
        found = memo[roots] = [(nid, len(out.get(nid, ())) + len(into.get(nid, ())))
                               for nid in graph.ids if nodes[nid].type in roots]
    return found


def ams(ref: GraphView, cand: GraphView, matching: Matching, *, typed: bool = True) -> float | None:
    """ReXKG-AMS: edge-weighted agreement of adjacency rows; None when R has no edge.

    Rows are 0/1 vectors over the reference nodes, so Pearson's r is computed in closed form from
    the row sizes and their overlap (no n x n matrix is built).
    """
    if not ref.edges:
        return None
    n = len(ref.ids)
    pairs = matching.pairs
    back = matching.back
    cand_out = cand.out
    rows, total_edges = _rows(ref)
    terms: list[float] = []
    for src, row in rows.items():
        mapped = pairs.get(src)
        if mapped is None:
            continue  # B's row is empty: the row scores 0 (and adds nothing to the sum)
        b_row: set[str] = set()
        for rel, c_tgt in cand_out.get(mapped[0], ()):
            tgt = back.get(c_tgt)
            if tgt is None:
                continue
            if typed and tgt in row and rel not in row[tgt]:
                continue  # this relation is not one the reference has to that target
            b_row.add(tgt)  # any one C edge to it with a relation R has is enough
        terms.append(len(row) * _row_score(row.keys(), b_row, n))
    weighted = math.fsum(terms)
    return min(1.0, weighted / total_edges)  # one division: equal rows give exactly 1.0


def _rows(graph: GraphView) -> tuple[dict[str, dict[str, set[str]]], int]:
    """Adjacency rows {source: {target: relations}} and their entry count, kept in the memo
    (AMS sums with fsum, so the edge set's iteration order does not matter)."""
    memo = graph.memo.setdefault("rows", {})
    found = memo.get(None)
    if found is None:
        rows: dict[str, dict[str, set[str]]] = {}
        for src, rel, tgt in graph.edges:
            rows.setdefault(src, {}).setdefault(tgt, set()).add(rel)
        found = memo[None] = (rows, sum(len(row) for row in rows.values()))
    return found


def _row_score(a_row: AbstractSet[str], b_row: set[str], n: int) -> float:
    """1 when the rows are equal, else max(0, Pearson) with 0 for a constant row."""
    if a_row == b_row:
        return 1.0
    a, b, k = len(a_row), len(b_row), len(a_row & b_row)
    variance = a * (n - a) * b * (n - b)
    if variance == 0:
        return 0.0
    return max(0.0, (n * k - a * b) / variance ** 0.5)
