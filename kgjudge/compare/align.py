"""Node similarity and one-to-one node alignment (docs/metrics.md, "Node similarity", "Alignment").

Graphs are first seen through an identity rule (`GraphView`): with ``assertion="respect"`` a node
is its id ("key|assertion"); with ``"ignore"`` it is its key, so "effusion" and "no effusion"
collapse into one node, as in ReXKG. Similarities are computed sparsely (reference nodes indexed
by key; each candidate key looks up itself and its ontology relatives, the answer kept with the
reference view for its next candidates), and only nodes
competing for the same partner go into ``scipy.optimize.linear_sum_assignment`` (unless the
best matching among them is evidently unique), so comparing two reports builds no |R| x |C|
matrix.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kgjudge.domain import CompareSettings
from kgjudge.graph import Node, ReportGraph
from kgjudge.ontology import Lexicon

#: Maps texts to vectors; cosine similarity of two keys' vectors is their embedding similarity.
Embedder = Callable[[Sequence[str]], Sequence[Sequence[float]]]

#: A reference node a candidate key matches: (identity, type, assertion, similarity).
Option = tuple[str, str, str, float]

#: Tie-break weight for equal assertions when assertion is ignored; far below any real similarity.
_TIE = 1e-6


@dataclass(frozen=True)
class GraphView:
    """One graph under one identity rule: the node ids the metrics count."""

    ids: tuple[str, ...]
    """Identities, sorted (node ids with assertion 'respect', keys with 'ignore')."""
    nodes: dict[str, Node]
    """Identity -> representative node (the 'present' one when several collapse, with the spans
    of all of them)."""
    node_ids: Mapping[str, tuple[str, ...]]
    """Identity -> the graph node ids it stands for."""
    assertions: Mapping[str, frozenset[str]]
    edges: frozenset[tuple[str, str, str]]
    """(source identity, relation, target identity), self-loops dropped."""
    out: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    """Identity -> [(relation, target identity)]."""
    into: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    """Identity -> [(relation, source identity)]."""
    graph: ReportGraph | None = None
    keyed: bool = False
    """Identities are keys (assertion 'ignore'); else they are the graph's node ids."""
    memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """Per-view caches of derived values (wordings, modifiers), kept with a cached view."""

    def __init__(self, ids: tuple[str, ...], nodes: dict[str, Node],
                 node_ids: Mapping[str, tuple[str, ...]], assertions: Mapping[str, frozenset[str]],
                 edges: frozenset[tuple[str, str, str]],
                 out: dict[str, list[tuple[str, str]]] | None = None,
                 into: dict[str, list[tuple[str, str]]] | None = None,
                 graph: ReportGraph | None = None, keyed: bool = False,
                 memo: dict[str, Any] | None = None) -> None:
        # written out (dataclass keeps it), as DiffItem's: the generated frozen __init__ sets
        # the ten fields one by one (3x the cost; two views a comparison). None: a new dict.
        self.__dict__.update(ids=ids, nodes=nodes, node_ids=node_ids, assertions=assertions,
                             edges=edges, out={} if out is None else out,
                             into={} if into is None else into, graph=graph, keyed=keyed,
                             memo={} if memo is None else memo)

    def __len__(self) -> int:
        return len(self.ids)


def view(graph: ReportGraph, assertion: str = "respect") -> GraphView:
    """See ``graph`` under the identity rule ``assertion`` ('respect' or 'ignore')."""
    if assertion not in ("respect", "ignore"):
        raise ValueError(f"assertion must be 'respect' or 'ignore', not {assertion!r}")
    node_ids: Mapping[str, tuple[str, ...]]
    assertions: Mapping[str, frozenset[str]]
    if assertion == "respect":  # the common case: identity is the node id, nothing collapses
        nodes = dict(graph.node_items())
        # read only for collapsed views: derived on access rather than built for every view
        node_ids, assertions = _PerNode(nodes, _itself), _PerNode(nodes, _asserted)
        edges = {(e.source, e.relation, e.target) for e in graph.edges() if e.source != e.target}
    else:
        nodes, node_ids, assertions, edges = _collapse(graph)
    out: dict[str, list[tuple[str, str]]] = {}
    into: dict[str, list[tuple[str, str]]] = {}
    for s, rel, t in sorted(edges):
        found = out.get(s)
        if found is None:
            out[s] = [(rel, t)]
        else:
            found.append((rel, t))
        found = into.get(t)
        if found is None:
            into[t] = [(rel, s)]
        else:
            found.append((rel, s))
    return GraphView(ids=tuple(sorted(nodes)), nodes=nodes, node_ids=node_ids,
                     assertions=assertions, edges=frozenset(edges), out=out, into=into,
                     graph=graph, keyed=assertion == "ignore")


def _by_key(graph: GraphView) -> dict[str, list[Option]]:
    """Key -> [(identity, type, assertion, 1.0)] of the view's nodes: what a candidate node
    with that key matches exactly. Kept in the view's memo."""
    found = graph.memo.get("by_key")
    if found is None:
        found = graph.memo["by_key"] = {}
        for ident in graph.ids:
            node = graph.nodes[ident]
            option = (ident, node.type, node.assertion, 1.0)
            same = found.get(node.key)
            if same is None:
                found[node.key] = [option]
            else:
                same.append(option)
    return found


class _Asserted(dict[str, frozenset[str]]):
    """frozenset({assertion}) by assertion, one shared value each (a view holds one per node)."""

    def __missing__(self, assertion: str) -> frozenset[str]:
        found = self[assertion] = frozenset((assertion,))
        return found


_ASSERTED = _Asserted()


class _PerNode(Mapping[str, Any]):
    """Identity -> a value derived from its node on access (a respect view's node_ids and
    assertions: one identity per node, so a dict of them would only repeat the nodes)."""

    __slots__ = ("_nodes", "_value")

    def __init__(self, nodes: dict[str, Node], value: Callable[[str, Node], Any]) -> None:
        self._nodes, self._value = nodes, value

    def __getitem__(self, ident: str) -> Any:
        return self._value(ident, self._nodes[ident])

    def __iter__(self) -> Iterator[str]:
        return iter(self._nodes)

    def __len__(self) -> int:
        return len(self._nodes)


def _itself(ident: str, node: Node) -> tuple[str, ...]:
    return (ident,)


def _asserted(ident: str, node: Node) -> frozenset[str]:
    return _ASSERTED[node.assertion]


def _collapse(graph: ReportGraph) -> tuple[dict[str, Node], dict[str, tuple[str, ...]],
                                           dict[str, frozenset[str]], set[tuple[str, str, str]]]:
    """Nodes and edges by key, for assertion='ignore'."""
    ident: dict[str, str] = {}
    groups: dict[str, list[Node]] = defaultdict(list)
    for nid, node in graph.node_items():
        ident[nid] = node.key
        groups[node.key].append(node)
    nodes: dict[str, Node] = {}
    node_ids: dict[str, tuple[str, ...]] = {}
    assertions: dict[str, frozenset[str]] = {}
    for key, members in groups.items():
        members.sort(key=lambda n: (n.assertion != "present", n.assertion))
        spans = tuple(sorted({span for n in members for span in n.spans}))
        nodes[key] = members[0].replace(spans=spans)  # one node, every mention
        node_ids[key] = tuple(n.id for n in members)
        assertions[key] = frozenset(n.assertion for n in members)
    edges = {(ident[e.source], e.relation, ident[e.target]) for e in graph.edges()
             if ident[e.source] != ident[e.target]}
    return nodes, node_ids, assertions, edges


@dataclass(frozen=True)
class Matching:
    """The alignment in identity terms, with the contradictions found beside it."""

    pairs: dict[str, tuple[str, float]]
    """Reference identity -> (candidate identity, similarity > 0)."""
    contradictions: tuple[tuple[str, str], ...] = ()
    """(reference identity, candidate identity) with equal key and different assertion."""

    @property
    def total(self) -> float:
        return math.fsum([s for _, s in self.pairs.values()])

    def inverse(self) -> dict[str, tuple[str, float]]:
        return {c: (r, s) for r, (c, s) in self.pairs.items()}

    @property
    def back(self) -> dict[str, str]:
        """Candidate identity -> reference identity (built once: scores and diff both read it;
        callers only read it)."""
        # kept by hand, not by functools.cached_property: Python 3.11's takes a lock per read
        found = self.__dict__.get("back")
        if found is None:
            found = self.__dict__["back"] = {c: r for r, (c, _) in self.pairs.items()}
        return found


class NodeSimilarity:
    """s(r, c) of docs/metrics.md, with the ontology relatives of each key cached.

    Build one per lexicon and settings and reuse it: the relatives index is built once.
    """

    def __init__(self, lexicon: Lexicon | None = None, settings: CompareSettings | None = None,
                 *, embedder: Embedder | None = None, embedding_threshold: float = 0.8) -> None:
        self.lexicon = lexicon
        self.settings = settings or CompareSettings()
        self.embedder = embedder
        self.embedding_threshold = embedding_threshold
        self._relatives: dict[str, tuple[str, ...]] | None = None
        self._vectors: dict[str, tuple[float, ...]] = {}

    @property
    def respect(self) -> bool:
        return self.settings.assertion == "respect"

    def relatives(self, key: str) -> tuple[str, ...]:
        """Concepts within max_hops broader steps above or below ``key`` (itself excluded)."""
        if self._relatives is None:
            self._relatives = self._build_relatives()
        return self._relatives.get(key, ())

    def _build_relatives(self) -> dict[str, tuple[str, ...]]:
        if self.lexicon is None or self.settings.partial_credit <= 0:
            return {}
        hops = self.settings.max_hops
        found: dict[str, set[str]] = defaultdict(set)
        for concept_id in self.lexicon.concepts:
            for ancestor in self.lexicon.ancestors(concept_id, hops):
                found[concept_id].add(ancestor)
                found[ancestor].add(concept_id)
        return {k: tuple(sorted(v)) for k, v in found.items()}

    def score(self, r: Node, c: Node) -> float:
        """Similarity of two nodes (one at a time; `pairs` is the fast path for whole graphs)."""
        if r.type != c.type or (self.respect and r.assertion != c.assertion):
            return 0.0
        if r.key == c.key:
            return 1.0
        if c.key in self.relatives(r.key):
            return self.settings.partial_credit
        return self._embedding_score(r.key, c.key) if self._embeddable(r, c) else 0.0

    def pairs(self, ref: GraphView, cand: GraphView) -> list[tuple[str, str, float]]:
        """Every (reference identity, candidate identity, s > 0), without an |R| x |C| loop."""
        return [(rid, cid, s) for (rid, cid), s in self.best(ref, cand).items()]

    def best(self, ref: GraphView, cand: GraphView) -> dict[tuple[str, str], float]:
        """(reference identity, candidate identity) -> s > 0, for every pair with credit."""
        targets, respect = self._targets(ref), self.respect
        by_key: dict[str, list[Option]] | None = None
        out: dict[tuple[str, str], float] = {}
        for cid, c in cand.nodes.items():
            options = targets.get(c.key)
            if options is None:
                if by_key is None:
                    by_key = _by_key(ref)
                options = targets[c.key] = self._options(by_key, c.key)
            for rid, type_, assertion, s in options:
                if type_ == c.type and (not respect or assertion == c.assertion):
                    out[(rid, cid)] = s  # one option per (rid, key): no pair comes twice
        if self.embedder is not None:
            for rid, cid, s in self._embedding_pairs(ref, cand):
                if s > out.get((rid, cid), 0.0):
                    out[(rid, cid)] = s
        return out

    def _targets(self, ref: GraphView) -> dict[str, list[Option]]:
        """Candidate key -> its options (see `_options`), filled as candidate keys come. Kept in
        the view's memo, so a cached reference view answers a key once for all its candidates;
        a view seen once pays only for the keys its candidate has (not for every relative of
        every reference key)."""
        memo = ref.memo.setdefault("targets", {})
        found = memo.get(self)  # keyed by this NodeSimilarity: its lexicon and settings
        if found is None:
            found = memo[self] = {}
        return found

    def _options(self, by_key: dict[str, list[Option]], key: str) -> list[Option]:
        """The reference nodes that a candidate node with ``key`` matches, exactly (s = 1) or as
        an ontology relative (partial credit); ``by_key`` is the reference's `_by_key`. The
        relatives relation is symmetric, so the key's own relatives are the ones to look up."""
        if self._relatives is None:
            self._relatives = self._build_relatives()
        exact = by_key.get(key, [])
        credited = None
        for other in self._relatives.get(key, ()):  # a key is never its own relative
            found = by_key.get(other)
            if found is not None:
                if credited is None:
                    credited = exact.copy()
                credit = self.settings.partial_credit
                for rid, type_, assertion, _ in found:
                    credited.append((rid, type_, assertion, credit))
        return exact if credited is None else credited  # lists only read: `exact` is shared

    # ------------------------------------------------------------------ embeddings (optional)
    def _embeddable(self, r: Node, c: Node) -> bool:
        lex = self.lexicon

        def outside(n: Node) -> bool:
            return not n.in_ontology or lex is None or n.key not in lex

        return self.embedder is not None and outside(r) and outside(c)

    def _embedding_pairs(self, ref: GraphView, cand: GraphView) -> list[tuple[str, str, float]]:
        out = []
        for rid in ref.ids:
            for cid in cand.ids:
                r, c = ref.nodes[rid], cand.nodes[cid]
                if r.key == c.key or r.type != c.type or not self._embeddable(r, c):
                    continue
                if self.respect and r.assertion != c.assertion:
                    continue
                s = self._embedding_score(r.key, c.key)
                if s > 0:
                    out.append((rid, cid, s))
        return out

    def _embedding_score(self, a: str, b: str) -> float:
        missing = [k for k in (a, b) if k not in self._vectors]
        if missing:
            assert self.embedder is not None
            for k, vec in zip(missing, self.embedder(missing), strict=True):
                self._vectors[k] = tuple(float(x) for x in vec)
        cos = _cosine(self._vectors[a], self._vectors[b])
        return min(cos, 1.0) if cos >= self.embedding_threshold else 0.0


def _cosine(u: Sequence[float], v: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(u, v, strict=True))
    norm = (sum(x * x for x in u) * sum(y * y for y in v)) ** 0.5
    return dot / norm if norm else 0.0


def align(ref: GraphView, cand: GraphView, similarity: NodeSimilarity) -> Matching:
    """Maximum-total-similarity one-to-one matching; pairs with s = 0 are never matched."""
    best = similarity.best(ref, cand)
    r_degree: dict[str, int] = {}
    c_degree: dict[str, int] = {}
    for rid, cid in best:
        r_degree[rid] = r_degree.get(rid, 0) + 1
        c_degree[cid] = c_degree.get(cid, 0) + 1
    pairs: dict[str, tuple[str, float]] = {}
    contested: dict[tuple[str, str], float] = {}
    for (rid, cid), s in best.items():
        if r_degree[rid] == 1 and c_degree[cid] == 1:
            pairs[rid] = (cid, s)  # an isolated pair: no other option competes with it
        else:
            contested[(rid, cid)] = s
    if contested:
        pairs.update(_assign(contested, ref, cand))
    contradictions = _contradictions(ref, cand, pairs, respect=similarity.respect)
    return Matching(pairs=pairs, contradictions=contradictions)


#: Smallest weight gap that float rounding in the assignment solver cannot close.
_MARGIN = 1e-9


def _assign(contested: dict[tuple[str, str], float], ref: GraphView,
            cand: GraphView) -> dict[str, tuple[str, float]]:
    """The maximum-weight matching of the contested pairs (weights carry the assertion tie-break):
    the evident one when _dominant proves it unique, else scipy's."""
    weights = {(rid, cid): s + (_TIE if ref.nodes[rid].assertion == cand.nodes[cid].assertion
                                else 0.0) for (rid, cid), s in contested.items()}
    chosen = _dominant(weights)
    if chosen is None:
        chosen = _solve(weights)
    return {rid: (cid, contested[(rid, cid)]) for rid, cid in chosen}


def _dominant(weights: dict[tuple[str, str], float]) -> list[tuple[str, str]] | None:
    """The heaviest pairs, when they share no node, cover every row or every column, and are
    heavier than every other pair by more than _MARGIN; else None.

    Such a matching is the unique optimum: no matching has more pairs than it, and any other one
    holds a lighter pair, so it weighs at least the gap less. Every exact solver, scipy's
    included, then returns it; checking this costs less than building scipy's matrix, and it
    settles most contested pairs of real reports (two relatives on each side).
    """
    top = max(weights.values())
    rows: set[str] = set()
    cols: set[str] = set()
    all_rows: set[str] = set()
    all_cols: set[str] = set()
    second = 0.0
    for (rid, cid), w in weights.items():
        all_rows.add(rid)
        all_cols.add(cid)
        if w == top:
            if rid in rows or cid in cols:
                return None
            rows.add(rid)
            cols.add(cid)
        elif w > second:
            second = w
    if top - second <= _MARGIN or (rows != all_rows and cols != all_cols):
        return None
    return [pair for pair, w in weights.items() if w == top]


_LSA: Callable[..., Any] | None = None


def _solve(weights: dict[tuple[str, str], float]) -> list[tuple[str, str]]:
    """scipy's maximum-weight assignment over the pairs (absent pairs weigh 0 and are dropped)."""
    global _LSA
    if _LSA is None:  # imported on first use (scipy is slow to import), then kept
        from scipy.optimize import linear_sum_assignment

        _LSA = linear_sum_assignment
    import numpy as np

    rows = sorted({r for r, _ in weights})  # sorted: node order never changes the result
    cols = sorted({c for _, c in weights})
    r_index = {r: i for i, r in enumerate(rows)}
    c_index = {c: j for j, c in enumerate(cols)}
    matrix = np.zeros((len(rows), len(cols)))
    for (rid, cid), w in weights.items():
        matrix[r_index[rid], c_index[cid]] = w
    found = _LSA(matrix, maximize=True)
    return [(rows[i], cols[j]) for i, j in zip(found[0].tolist(), found[1].tolist(), strict=True)
            if (rows[i], cols[j]) in weights]


def _contradictions(ref: GraphView, cand: GraphView, pairs: dict[str, tuple[str, float]], *,
                    respect: bool) -> tuple[tuple[str, str], ...]:
    """Equal key and type, different assertion.

    With 'respect' such nodes never match (s = 0); unmatched ones are paired by key. With
    'ignore' they match, and a matched pair whose assertions share nothing is a contradiction.
    """
    if not respect:
        return tuple(sorted((r, c) for r, (c, _) in pairs.items()
                            if not ref.assertions[r] & cand.assertions[c]))
    if len(pairs) == len(ref.ids) or len(pairs) == len(cand.ids):
        return ()  # no unmatched node on one side: nothing to pair by key
    matched_c = {c for c, _ in pairs.values()}
    waiting: dict[tuple[str, str], list[str]] = defaultdict(list)
    for cid in cand.ids:
        if cid not in matched_c:
            node = cand.nodes[cid]
            waiting[(node.type, node.key)].append(cid)
    found = []
    for rid in ref.ids:
        if rid in pairs:
            continue
        node = ref.nodes[rid]
        options = waiting.get((node.type, node.key))
        if options:
            found.append((rid, options.pop(0)))
    return tuple(found)
