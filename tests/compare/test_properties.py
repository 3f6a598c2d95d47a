"""Invariants of the scores on random graphs (hypothesis)."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from kgjudge.compare import compare
from kgjudge.domain import CompareSettings
from kgjudge.graph import ReportGraph

from .constructed import tiny_lexicon

KEYS = ["effusion", "pleural_effusion", "loculated_effusion", "deep_effusion", "lung", "left",
        "right", "edema", "heart"]
TYPES = {"effusion": "observation", "pleural_effusion": "observation",
         "loculated_effusion": "observation", "deep_effusion": "observation", "lung": "anatomy",
         "left": "modifier", "right": "modifier", "edema": "observation", "heart": "anatomy"}
RELATIONS = ["modify", "located_at", "suggestive_of"]
LEXICON = tiny_lexicon()
UNIT = ("node_precision", "node_recall", "node_f1", "edge_precision", "edge_recall", "edge_f1",
        "nsc", "ams", "scs", "subgraph_precision")

node_spec = st.tuples(st.sampled_from(KEYS), st.sampled_from(["present", "absent", "uncertain"]))
graph_spec = st.tuples(
    st.lists(node_spec, min_size=0, max_size=8),
    st.lists(st.tuples(st.integers(0, 7), st.sampled_from(RELATIONS), st.integers(0, 7)),
             max_size=10),
)
modes = st.sampled_from(["respect", "ignore"])
lexicons = st.sampled_from([None, LEXICON])


def build(spec, order_seed: int | None = None) -> ReportGraph:
    nodes, edges = spec
    nodes, edges = list(dict.fromkeys(nodes)), list(edges)
    if order_seed is not None:
        rng = random.Random(order_seed)
        rng.shuffle(edges)
        order = list(range(len(nodes)))
        rng.shuffle(order)
    else:
        order = list(range(len(nodes)))
    g = ReportGraph(text="")
    ids = {}
    for i in order:
        key, assertion = nodes[i]
        ids[i] = g.add_node(key, TYPES[key], assertion=assertion)
    for a, rel, b in edges:
        if a < len(nodes) and b < len(nodes):
            g.add_edge(ids[a], rel, ids[b])
    return g


def run(ref, cand, mode="respect", lexicon=None):
    return compare(ref, cand, lexicon=lexicon, settings=CompareSettings(assertion=mode)).scores


@settings(max_examples=150, deadline=None)
@given(graph_spec, graph_spec, modes, lexicons)
def test_every_score_is_in_unit_interval(r, c, mode, lexicon) -> None:
    scores = run(build(r), build(c), mode, lexicon)
    for name in UNIT:
        value = getattr(scores, name)
        assert value is None or 0.0 <= value <= 1.0, (name, value)
    assert scores.contradictions >= 0


@settings(max_examples=150, deadline=None)
@given(graph_spec, graph_spec, modes, lexicons, st.integers(0, 10**6), st.integers(0, 10**6))
def test_node_order_never_changes_a_score(r, c, mode, lexicon, seed_r, seed_c) -> None:
    options = {"lexicon": lexicon, "settings": CompareSettings(assertion=mode)}
    base = compare(build(r), build(c), **options)
    shuffled = compare(build(r, seed_r), build(c, seed_c), **options)
    assert shuffled.scores == base.scores
    assert shuffled.alignment == base.alignment
    assert shuffled.diff == base.diff


@settings(max_examples=150, deadline=None)
@given(graph_spec, modes, lexicons)
def test_identical_graphs_score_one(r, mode, lexicon) -> None:
    scores = run(build(r), build(r), mode, lexicon)
    for name in UNIT:
        value = getattr(scores, name)
        assert value is None or abs(value - 1.0) < 1e-9, (name, value)
    assert scores.contradictions == 0


@settings(max_examples=150, deadline=None)
@given(graph_spec, graph_spec, modes, lexicons, st.integers(0, 7), st.sampled_from(RELATIONS))
def test_adding_an_unmatched_node_never_raises_precision(r, c, mode, lexicon, anchor,
                                                         rel) -> None:
    ref, cand = build(r), build(c)
    before = run(ref, cand, mode, lexicon)
    extra = cand.add_node("unheard_of_finding", "observation")
    ids = sorted(n.id for n in cand.nodes() if n.id != extra)
    if ids:
        cand.add_edge(extra, rel, ids[anchor % len(ids)])
    after = run(ref, cand, mode, lexicon)
    assert after.node_precision <= before.node_precision + 1e-12
    assert after.edge_precision <= before.edge_precision + 1e-12
    if before.subgraph_precision is not None:
        assert after.subgraph_precision <= before.subgraph_precision + 1e-12


@settings(max_examples=150, deadline=None)
@given(graph_spec, graph_spec, modes, lexicons, st.integers(0, 100))
def test_removing_a_matched_node_never_raises_recall(r, c, mode, lexicon, pick) -> None:
    ref, cand = build(r), build(c)
    comparison = compare(ref, cand, lexicon=lexicon, settings=CompareSettings(assertion=mode))
    matched = sorted({cid for _, cid, _ in comparison.alignment.pairs})
    if not matched:
        return
    victim = cand.node(matched[pick % len(matched)])
    kept = [n for n in cand.nodes() if (n.key if mode == "ignore" else n.id)
            != (victim.key if mode == "ignore" else victim.id)]
    smaller = ReportGraph(text="")
    for n in kept:
        smaller.add_node(n.key, n.type, assertion=n.assertion)
    for e in cand.edges():
        if e.source in smaller and e.target in smaller:
            smaller.add_edge(e.source, e.relation, e.target)
    after = run(ref, smaller, mode, lexicon)
    assert after.node_recall <= comparison.scores.node_recall + 1e-12
    if lexicon is None:  # without partial credit the alignment is forced, so edges drop too
        assert after.edge_recall <= comparison.scores.edge_recall + 1e-12
