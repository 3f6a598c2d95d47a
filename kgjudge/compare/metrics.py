"""Scores of one alignment: node and edge P/R/F1, ReXKG-NSC, -AMS, -SCS, subgraph precision.

Definitions in docs/metrics.md. A precision or recall whose denominator is zero is 1.0 (nothing
invented, nothing to find); F1 then still says 0.0 for an empty candidate against a non-empty
reference, and identical empty graphs score 1.0.
"""

from __future__ import annotations

import math
from collections import defaultdict
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
    pairs = matching.pairs
    weights: dict[Triple, float] = {}
    for a, rel, b in ref.edges:
        ma, mb = pairs.get(a), pairs.get(b)
        if ma and mb and (ma[0], rel, mb[0]) in cand.edges:
            weights[(a, rel, b)] = min(ma[1], mb[1])
    return weights


def score(ref: GraphView, cand: GraphView, matching: Matching, *,
          finding_roots: Iterable[str] = ("observation", "device"),
          typed_ams: bool = True) -> Scores:
    """Every score of docs/metrics.md for one aligned pair of graphs."""
    pairs = matching.pairs
    n_r, n_c = len(ref.ids), len(cand.ids)
    e_r, e_c = len(ref.edges), len(cand.edges)
    total = min(matching.total, float(min(n_r, n_c)))  # guards float drift in the sum
    node_p, node_r = ratio(total, n_c), ratio(total, n_r)
    weights = edge_weights(ref, cand, matching)
    matched_edges = math.fsum(weights.values())
    edge_p, edge_r = ratio(matched_edges, e_c), ratio(matched_edges, e_r)
    denominator = n_r + abs(n_r - n_c)
    nsc = min(1.0, total / denominator) if denominator else (1.0 if n_c == 0 else 0.0)
    roots = frozenset(finding_roots)
    r_incident: dict[str, list[float]] = defaultdict(list)  # node -> its matched edges' weights
    c_incident: dict[str, list[float]] = defaultdict(list)
    for (a, _, b), w in weights.items():  # M is one-to-one: C's matched edges are distinct too
        r_incident[a].append(w)
        r_incident[b].append(w)
        c_incident[pairs[a][0]].append(w)
        c_incident[pairs[b][0]].append(w)
    return Scores(
        node_precision=node_p, node_recall=node_r, node_f1=f1(node_p, node_r),
        edge_precision=edge_p, edge_recall=edge_r, edge_f1=f1(edge_p, edge_r),
        nsc=nsc,
        ams=ams(ref, cand, matching, typed=typed_ams),
        scs=star_coverage(ref, {r: s for r, (_, s) in pairs.items()}, r_incident, roots),
        subgraph_precision=star_coverage(cand, {c: s for c, s in pairs.values()}, c_incident,
                                         roots),
        contradictions=len(matching.contradictions),
        matched=total, reference_nodes=n_r, candidate_nodes=n_c,
        reference_edges=e_r, candidate_edges=e_c,
    )


def star_coverage(graph: GraphView, node_sim: dict[str, float],
                  incident: dict[str, list[float]], roots: frozenset[str]) -> float | None:
    """Mean coverage of the finding stars of ``graph`` (ReXKG-SCS from R's side); None if none.

    A star is a node whose type is in ``roots`` plus its incident edges in both directions;
    coverage = (s(root) + sum of matched edge weights) / (1 + number of edges). ``incident``
    holds each node's matched incident edge weights (unmatched edges add 0).
    """
    coverages = []
    for nid, degree in _stars(graph, roots):
        covered = node_sim.get(nid, 0.0)
        weights = incident.get(nid)
        if weights is not None:
            covered = math.fsum([covered, *weights])
        coverages.append(covered / (1 + degree))
    return math.fsum(coverages) / len(coverages) if coverages else None


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
        b_row: set[str] = set()
        mapped = pairs.get(src)
        for rel, c_tgt in cand_out.get(mapped[0], ()) if mapped else ():
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
