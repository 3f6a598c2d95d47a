"""ReportGraph: one document's entity-relation graph (a networkx MultiDiGraph inside).

A node is a concept (ontology id, or normalised text for mentions outside the ontology) with a type
and an assertion; the same concept asserted differently in one document gives two nodes. Mentions
keep character spans into the original text so the TUI can highlight them. Edges are typed
relations with the span of their evidence. JSON round-trips losslessly; Turtle and GraphML export.
"""

from __future__ import annotations

import io
import json
from collections.abc import ItemsView, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import networkx as nx

from kgjudge.records import Record

Span = tuple[int, int]
JSON_VERSION = 1


class Node(Record):
    """A concept asserted in a document (a Record: immutable by convention, compiled to a C
    struct because extraction builds millions)."""

    __slots__ = ("key", "type", "assertion", "label", "spans", "in_ontology", "historical")
    FIELDS = ("key", "type", "assertion", "label", "spans", "in_ontology", "historical")

    def __init__(self, key: str, type: str, assertion: str = "present", label: str = "",
                 spans: tuple[Span, ...] = (), in_ontology: bool = True,
                 historical: bool = False) -> None:
        self.key = key
        """Ontology concept id, or normalised text when the mention is outside the ontology."""
        self.type = type
        self.assertion = assertion
        """present / absent / uncertain."""
        self.label = label
        """Preferred label (the ontology's, or the mention text)."""
        self.spans = spans
        """Character offsets of every mention in the original text."""
        self.in_ontology = in_ontology
        self.historical = historical
        """Mentioned as history (ConText 'historical'); still asserted present."""

    @property
    def id(self) -> str:
        return node_id(self.key, self.assertion)


class Edge(Record):
    """A typed relation between two nodes of the same graph."""

    __slots__ = ("source", "relation", "target", "evidence")
    FIELDS = ("source", "relation", "target", "evidence")

    def __init__(self, source: str, relation: str, target: str,
                 evidence: Span | None = None) -> None:
        self.source = source
        """Node id."""
        self.relation = relation
        self.target = target
        self.evidence = evidence
        """Span of the text that supports the relation."""


def node_id(key: str, assertion: str) -> str:
    return f"{key}|{assertion}"


#: A node to add: (id, key, type, assertion, label, span start, span end, in_ontology,
#: historical), start and end None for no span.
FragmentNode = tuple[str, str, str, str, str, int | None, int | None, bool, bool]
#: An edge to add: (source id, relation, target id, evidence start, evidence end).
FragmentEdge = tuple[str, str, str, int | None, int | None]

@dataclass(eq=False)
class ReportGraph:
    """Entity-relation graph of one document.

    Nodes and edges are held in plain dicts laid out as networkx lays out a MultiDiGraph
    (successors and predecessors share one {relation: Edge} dict per node pair; a node without
    edges has no adjacency entry); the networkx MultiDiGraph users get from `nx` is built from
    them on first use and kept until the graph changes. Construction is lazy because extraction
    and comparison never need it, and building one costs several times the tokenisation of a
    report (issue 3); `nodes()` and `edges()` come in the order networkx gives them.
    """

    text: str = ""
    doc_id: str | None = None
    _nodes: dict[str, Node] = field(default_factory=dict, repr=False)
    _succ: dict[str, dict[str, dict[str, Edge]]] = field(default_factory=dict, repr=False)
    _pred: dict[str, dict[str, dict[str, Edge]]] = field(default_factory=dict, repr=False)
    _nx: nx.MultiDiGraph | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ building
    def add_node(self, key: str, type: str, *, assertion: str = "present", label: str = "",
                 span: Span | None = None, in_ontology: bool = True,
                 historical: bool = False) -> str:
        """Add a node, or add a mention span to the existing node; returns the node id."""
        nid = f"{key}|{assertion}"
        a, b = (None, None) if span is None else span
        self.add_fragment(((nid, key, type, assertion, label, a, b, in_ontology, historical),), ())
        return nid

    def add_edge(self, source: str, relation: str, target: str, *,
                 evidence: Span | None = None) -> None:
        """Add a relation between existing nodes; a repeated (source, relation, target) is kept
        once."""
        a, b = (None, None) if evidence is None else evidence
        self.add_fragment((), ((source, relation, target, a, b),))

    def add_fragment(self, nodes: Iterable[FragmentNode], edges: Iterable[FragmentEdge],
                     offset: int = 0) -> None:
        """Add nodes, then edges, as add_node and add_edge would one by one, with every span
        moved by ``offset`` characters (the one definition of how nodes merge and edges are
        kept; extraction assembles a document from cached sentences with it).

        ``nodes``: (id, key, type, assertion, label, start, end, in_ontology, historical), the
        id being ``node_id(key, assertion)`` and start None for no span; ``edges``: (source,
        relation, target, start, end) between nodes of the graph, start None for no evidence.
        """
        store, succ, pred = self._nodes, self._succ, self._pred
        changed = False
        for nid, key, type_, assertion, label, a, b, in_ontology, historical in nodes:
            changed = True
            span = None if a is None else (a + offset, b + offset)  # type: ignore[operator]
            old = store.get(nid)
            if old is None:
                store[nid] = Node(key, type_, assertion, label or key,
                                  () if span is None else (span,), in_ontology, historical)
                continue
            # the same concept mentioned again: one more span, the newest label, and
            # historical only while every mention is
            spans = old.spans
            if span is not None and span not in spans:
                spans = tuple(sorted((*spans, span)))
            label = label or old.label
            historical = old.historical and historical
            if spans is not old.spans or label != old.label or historical != old.historical:
                store[nid] = Node(key, old.type, assertion, label, spans, old.in_ontology,
                                  historical)
        for source, relation, target, a, b in edges:
            if source not in store or target not in store:
                raise KeyError(f"edge {source} -{relation}-> {target}: both nodes must exist")
            if source == target:
                continue
            out = succ.get(source)
            if out is None:
                out = succ[source] = {}
            keyed = out.get(target)
            if keyed is None:
                keyed = out[target] = {}
                into = pred.get(target)
                if into is None:
                    pred[target] = {source: keyed}
                else:
                    into[source] = keyed
            elif relation in keyed:
                continue
            keyed[relation] = Edge(source, relation, target,
                                   None if a is None else  # b is None only with a
                                   (a + offset, b + offset))  # type: ignore[operator]
            changed = True
        if changed:
            self._nx = None

    def copy(self, *, doc_id: str | None = None) -> ReportGraph:
        """An independent graph with the same nodes and edges, in the same order (the Node and
        Edge values, being frozen, are shared); ``doc_id`` replaces the document id."""
        succ = {s: {t: dict(keyed) for t, keyed in nbrs.items()} for s, nbrs in self._succ.items()}
        pred = {t: {s: succ[s][t] for s in nbrs} for t, nbrs in self._pred.items()}
        return ReportGraph(self.text, doc_id, dict(self._nodes), succ, pred)

    # ------------------------------------------------------------------ reading
    @property
    def nx(self) -> nx.MultiDiGraph:
        """The graph as a networkx MultiDiGraph (node attr 'node', edge attr 'edge'), built on
        first use and rebuilt after a change; do not mutate it."""
        if self._nx is None:
            g = nx.MultiDiGraph()
            g.add_nodes_from((nid, {"node": node}) for nid, node in self._nodes.items())
            g.add_edges_from((e.source, e.target, e.relation, {"edge": e}) for e in self.edges())
            self._nx = g
        return self._nx

    def nodes(self) -> list[Node]:
        return list(self._nodes.values())

    def edges(self) -> list[Edge]:
        succ = self._succ
        return [e for nid in self._nodes if nid in succ for keyed in succ[nid].values()
                for e in keyed.values()]

    def node(self, nid: str) -> Node:
        return self._nodes[nid]

    def node_items(self) -> ItemsView[str, Node]:
        """(node id, node) pairs, in insertion order, without copying (do not mutate)."""
        return self._nodes.items()

    def __contains__(self, nid: object) -> bool:
        try:
            return nid in self._nodes
        except TypeError:  # unhashable, as networkx answers
            return False

    def __len__(self) -> int:
        return len(self._nodes)

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes())

    def number_of_edges(self) -> int:
        return sum(len(keyed) for nbrs in self._succ.values() for keyed in nbrs.values())

    def out_edges(self, nid: str) -> list[Edge]:
        return [e for keyed in self._adjacent(self._succ, nid).values() for e in keyed.values()]

    def in_edges(self, nid: str) -> list[Edge]:
        return [e for keyed in self._adjacent(self._pred, nid).values() for e in keyed.values()]

    def _adjacent(self, side: dict[str, dict[str, dict[str, Edge]]],
                  nid: str) -> dict[str, dict[str, Edge]]:
        found = side.get(nid)
        if found is None:
            if nid not in self._nodes:
                raise KeyError(nid)
            return {}
        return found

    def triples(self) -> set[tuple[str, str, str]]:
        """(source id, relation, target id) of every edge."""
        return {(e.source, e.relation, e.target) for e in self.edges()}

    # ------------------------------------------------------------------ io
    def to_dict(self) -> dict[str, Any]:
        return {
            "version": JSON_VERSION,
            "doc_id": self.doc_id,
            "text": self.text,
            "nodes": [
                {"id": n.id, "key": n.key, "type": n.type, "assertion": n.assertion,
                 "label": n.label, "spans": [list(s) for s in n.spans],
                 "in_ontology": n.in_ontology, "historical": n.historical}
                for n in self.nodes()
            ],
            "edges": [
                {"source": e.source, "relation": e.relation, "target": e.target,
                 "evidence": list(e.evidence) if e.evidence else None}
                for e in self.edges()
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReportGraph:
        graph = cls(text=data.get("text", ""), doc_id=data.get("doc_id"))
        for n in data.get("nodes", []):
            node = Node(key=n["key"], type=n["type"], assertion=n.get("assertion", "present"),
                        label=n.get("label", n["key"]),
                        spans=tuple(tuple(s) for s in n.get("spans", [])),  # type: ignore[misc]
                        in_ontology=n.get("in_ontology", True),
                        historical=n.get("historical", False))
            graph._nodes[node.id] = node
        for e in data.get("edges", []):
            evidence = tuple(e["evidence"]) if e.get("evidence") else None
            graph.add_edge(e["source"], e["relation"], e["target"],
                           evidence=evidence)  # type: ignore[arg-type]
        return graph

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)

    @classmethod
    def from_json(cls, text: str) -> ReportGraph:
        return cls.from_dict(json.loads(text))

    def to_graphml(self) -> str:
        """GraphML text (attributes flattened to scalars, spans as JSON strings)."""
        flat = nx.MultiDiGraph()
        for n in self.nodes():
            flat.add_node(n.id, key=n.key, type=n.type, assertion=n.assertion, label=n.label,
                          spans=json.dumps([list(s) for s in n.spans]),
                          in_ontology=n.in_ontology, historical=n.historical)
        for e in self.edges():
            flat.add_edge(e.source, e.target, key=e.relation, relation=e.relation,
                          evidence=json.dumps(list(e.evidence) if e.evidence else None))
        buffer = io.BytesIO()
        nx.write_graphml(flat, buffer)
        return buffer.getvalue().decode("utf-8")

    def to_turtle(self, namespace: str, *, concept_iri=None) -> str:  # noqa: ANN001
        """RDF Turtle: each node an instance of its ontology concept, edges as kgj: relations.

        ``concept_iri(key)`` maps a concept key to its IRI (defaults to namespace + key).
        """
        import rdflib
        from rdflib.namespace import RDF, RDFS

        kgj = rdflib.Namespace("https://kgjudge.dev/ns#")
        doc = rdflib.Namespace(f"urn:kgjudge:doc:{quote(self.doc_id or 'document', safe='')}#")
        g = rdflib.Graph()
        g.bind("kgj", kgj)
        g.bind("onto", rdflib.Namespace(namespace))
        to_iri = concept_iri or (lambda key: namespace + key)
        for n in self.nodes():
            subject = doc[quote(n.id, safe="")]
            if n.in_ontology:
                g.add((subject, RDF.type, rdflib.URIRef(to_iri(n.key))))
            g.add((subject, kgj.key, rdflib.Literal(n.key)))
            g.add((subject, kgj.entityType, rdflib.Literal(n.type)))
            g.add((subject, kgj.assertion, rdflib.Literal(n.assertion)))
            g.add((subject, RDFS.label, rdflib.Literal(n.label)))
        for e in self.edges():
            g.add((doc[quote(e.source, safe="")], kgj[e.relation], doc[quote(e.target, safe="")]))
        return g.serialize(format="turtle")
