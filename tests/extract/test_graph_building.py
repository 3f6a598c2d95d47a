"""ReportGraph building: add_node / add_edge / add_fragment keep the rules they always had.

add_node and add_edge are one-item calls of add_fragment, which extraction uses to assemble a
document from cached sentences; these tests hold them to a plain reference implementation of
the rules (the one-call-at-a-time code they replaced) on random inputs.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kgjudge.graph import Edge, Node, ReportGraph


class Reference:
    """The building rules, one call at a time, in the simplest form (a test oracle)."""

    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}
        self.succ: dict[str, dict[str, dict[str, Edge]]] = {}
        self.pred: dict[str, dict[str, dict[str, Edge]]] = {}

    def add_node(self, key, type, *, assertion="present", label="", span=None,  # noqa: ANN001, A002
                 in_ontology=True, historical=False) -> str:
        nid = f"{key}|{assertion}"
        old = self.nodes.get(nid)
        if old is None:
            self.nodes[nid] = Node(key, type, assertion, label or key,
                                   () if span is None else (span,), in_ontology, historical)
        else:
            spans = old.spans
            if span is not None and span not in spans:
                spans = tuple(sorted((*spans, span)))
            self.nodes[nid] = Node(key, old.type, assertion, label or old.label, spans,
                                   old.in_ontology, old.historical and historical)
        return nid

    def add_edge(self, source, relation, target, *, evidence=None) -> None:  # noqa: ANN001
        if source not in self.nodes or target not in self.nodes:
            raise KeyError(source, target)
        if source == target:
            return
        keyed = self.succ.setdefault(source, {}).setdefault(target, {})
        self.pred.setdefault(target, {})[source] = keyed
        keyed.setdefault(relation, Edge(source, relation, target, evidence))

    def edges(self) -> list[Edge]:
        return [e for nid in self.nodes for keyed in self.succ.get(nid, {}).values()
                for e in keyed.values()]


KEYS = ["a", "b", "c"]
ASSERTIONS = ["present", "absent"]
spans = st.none() | st.tuples(st.integers(0, 4), st.integers(5, 9))
node_calls = st.tuples(st.just("node"), st.sampled_from(KEYS), st.sampled_from(["x", "y"]),
                       st.sampled_from(ASSERTIONS), st.sampled_from(["", "A", "B"]), spans,
                       st.booleans(), st.booleans())
node_ids = st.builds(lambda k, a: f"{k}|{a}", st.sampled_from([*KEYS, "zz"]),
                     st.sampled_from(ASSERTIONS))
edge_calls = st.tuples(st.just("edge"), node_ids, st.sampled_from(["r", "s"]), node_ids, spans)
calls = st.lists(node_calls | edge_calls, max_size=40)


def replay(target, call) -> bool:  # noqa: ANN001
    """Apply one call; whether it raised KeyError."""
    try:
        if call[0] == "node":
            _, key, type_, assertion, label, span, in_ontology, historical = call
            target.add_node(key, type_, assertion=assertion, label=label, span=span,
                            in_ontology=in_ontology, historical=historical)
        else:
            _, source, relation, target_id, evidence = call
            target.add_edge(source, relation, target_id, evidence=evidence)
    except KeyError:
        return True
    return False


def same(graph: ReportGraph, ref: Reference) -> None:
    assert list(graph.node_items()) == list(ref.nodes.items())
    assert graph.edges() == ref.edges()
    for nid in ref.nodes:
        assert graph.out_edges(nid) == [e for k in ref.succ.get(nid, {}).values()
                                        for e in k.values()]
        assert graph.in_edges(nid) == [e for k in ref.pred.get(nid, {}).values()
                                       for e in k.values()]


@settings(max_examples=400, deadline=None)
@given(calls=calls)
def test_add_node_and_add_edge_follow_the_reference_rules(calls) -> None:  # noqa: ANN001
    graph, ref = ReportGraph(), Reference()
    for call in calls:
        assert replay(graph, call) == replay(ref, call)
    same(graph, ref)
    assert list(graph.nx.edges(keys=True)) == [(e.source, e.target, e.relation)
                                              for e in ref.edges()]


def as_fragment(calls):  # noqa: ANN001, ANN201
    """Node calls first, then edge calls, as add_fragment items (spans as they are)."""
    nodes = [(f"{k}|{a}", k, t, a, label, *(s or (None, None)), ino, h)
             for _, k, t, a, label, s, ino, h in (c for c in calls if c[0] == "node")]
    edges = [(s, r, t, *(e or (None, None)))
             for _, s, r, t, e in (c for c in calls if c[0] == "edge")]
    return nodes, edges


def shifted(call, offset: int):  # noqa: ANN001, ANN201
    at = 5 if call[0] == "node" else 4  # where the span or evidence is
    span = call[at]
    moved = None if span is None else (span[0] + offset, span[1] + offset)
    return (*call[:at], moved, *call[at + 1:])


@settings(max_examples=300, deadline=None)
@given(fragments=st.lists(st.tuples(st.lists(node_calls, max_size=8),
                                    st.lists(edge_calls, max_size=8), st.integers(0, 50)),
                          max_size=5))
def test_add_fragment_is_add_node_then_add_edge_at_the_offset(fragments) -> None:  # noqa: ANN001
    graph, ref = ReportGraph(), Reference()
    for node_list, edge_list, offset in fragments:
        nodes, edges = as_fragment(node_list + edge_list)
        try:
            graph.add_fragment(nodes, edges, offset)
            raised = False
        except KeyError:
            raised = True
        ref_raised = False
        for call in node_list + edge_list:
            if replay(ref, shifted(call, offset)):
                ref_raised = True
                break  # add_fragment stops at the first bad edge too
        assert raised == ref_raised
    same(graph, ref)


def test_merging_mentions() -> None:
    g = ReportGraph()
    nid = g.add_node("effusion", "observation", label="pleural effusion", span=(20, 28),
                     historical=True)
    g.add_node("effusion", "finding", label="", span=(3, 9), in_ontology=False, historical=True)
    g.add_fragment([(nid, "effusion", "x", "present", "", 3, 9, False, True)], [], 0)
    node = g.node(nid)
    assert node.spans == ((3, 9), (20, 28))  # sorted, each once
    assert (node.type, node.in_ontology, node.label) == ("observation", True, "pleural effusion")
    assert node.historical
    g.add_fragment([(nid, "effusion", "x", "present", "effusion", 0, 6, True, False)], [], 30)
    node = g.node(nid)
    assert node.spans == ((3, 9), (20, 28), (30, 36))
    assert (node.label, node.historical) == ("effusion", False)


def test_nx_is_kept_until_something_changes() -> None:
    g = ReportGraph()
    a, b = g.add_node("a", "x"), g.add_node("b", "x")
    g.add_edge(a, "r", b, evidence=(0, 1))
    first = g.nx
    g.add_edge(a, "r", b, evidence=(5, 6))  # repeated: kept once, nothing changes
    g.add_edge(a, "r", a)  # a loop: not kept
    g.add_fragment((), ())
    assert g.nx is first and g.edges()[0].evidence == (0, 1)
    g.add_fragment((), [(b, "r", a, None, None)], 7)
    assert g.nx is not first and g.edges()[-1] == Edge(b, "r", a, None)
    with pytest.raises(KeyError):
        g.add_fragment((), [(a, "r", "nope|present", 0, 1)])
