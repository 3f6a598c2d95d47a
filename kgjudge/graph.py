"""ReportGraph: one document's entity-relation graph (a networkx MultiDiGraph inside).

A node is a concept (ontology id, or normalised text for mentions outside the ontology) with a type
and an assertion; the same concept asserted differently in one document gives two nodes. Mentions
keep character spans into the original text so the TUI can highlight them. Edges are typed
relations with the span of their evidence. JSON round-trips losslessly; Turtle and GraphML export.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import networkx as nx

Span = tuple[int, int]
JSON_VERSION = 1


@dataclass(frozen=True)
class Node:
    """A concept asserted in a document."""

    key: str
    """Ontology concept id, or normalised text when the mention is outside the ontology."""
    type: str
    assertion: str = "present"
    """present / absent / uncertain."""
    label: str = ""
    """Preferred label (the ontology's, or the mention text)."""
    spans: tuple[Span, ...] = ()
    """Character offsets of every mention in the original text."""
    in_ontology: bool = True
    historical: bool = False
    """Mentioned as history (ConText 'historical'); still asserted present."""

    @property
    def id(self) -> str:
        return node_id(self.key, self.assertion)


@dataclass(frozen=True)
class Edge:
    """A typed relation between two nodes of the same graph."""

    source: str
    """Node id."""
    relation: str
    target: str
    evidence: Span | None = None
    """Span of the text that supports the relation."""


def node_id(key: str, assertion: str) -> str:
    return f"{key}|{assertion}"


@dataclass
class ReportGraph:
    """Entity-relation graph of one document."""

    text: str = ""
    doc_id: str | None = None
    _g: nx.MultiDiGraph = field(default_factory=nx.MultiDiGraph, repr=False)

    # ------------------------------------------------------------------ building
    def add_node(self, key: str, type: str, *, assertion: str = "present", label: str = "",
                 span: Span | None = None, in_ontology: bool = True,
                 historical: bool = False) -> str:
        """Add a node, or add a mention span to the existing node; returns the node id."""
        nid = node_id(key, assertion)
        # networkx's G.nodes / G.edges / G.degree views are cached on the graph and make it a
        # reference cycle (freed only by the cyclic GC), so this class reads the dicts below.
        data = self._g._node.get(nid)
        existing: Node | None = data["node"] if data is not None else None
        spans = existing.spans if existing else ()
        if span is not None and span not in spans:
            spans = tuple(sorted((*spans, span)))
        node = Node(
            key=key, type=type if existing is None else existing.type, assertion=assertion,
            label=label or (existing.label if existing else key), spans=spans,
            in_ontology=in_ontology if existing is None else existing.in_ontology,
            historical=historical if existing is None else (existing.historical and historical),
        )
        self._g.add_node(nid, node=node)
        return nid

    def add_edge(self, source: str, relation: str, target: str, *,
                 evidence: Span | None = None) -> None:
        """Add a relation between existing nodes; a repeated (source, relation, target) is kept once."""
        if source not in self._g or target not in self._g:
            raise KeyError(f"edge {source} -{relation}-> {target}: both nodes must exist")
        if source == target or self._g.has_edge(source, target, key=relation):
            return
        self._g.add_edge(source, target, key=relation, edge=Edge(source, relation, target, evidence))

    # ------------------------------------------------------------------ reading
    @property
    def nx(self) -> nx.MultiDiGraph:
        """The underlying networkx graph (node attr 'node', edge attr 'edge'); do not mutate."""
        return self._g

    def nodes(self) -> list[Node]:
        return [data["node"] for data in self._g._node.values()]

    def edges(self) -> list[Edge]:
        return [d["edge"] for nbrs in self._g._succ.values() for keyed in nbrs.values()
                for d in keyed.values()]

    def node(self, nid: str) -> Node:
        return self._g._node[nid]["node"]

    def __contains__(self, nid: object) -> bool:
        return nid in self._g

    def __len__(self) -> int:
        return self._g.number_of_nodes()

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes())

    def number_of_edges(self) -> int:
        return sum(len(keyed) for nbrs in self._g._succ.values() for keyed in nbrs.values())

    def out_edges(self, nid: str) -> list[Edge]:
        return [d["edge"] for keyed in self._g._succ[nid].values() for d in keyed.values()]

    def in_edges(self, nid: str) -> list[Edge]:
        return [d["edge"] for keyed in self._g._pred[nid].values() for d in keyed.values()]

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
            graph._g.add_node(node.id, node=node)
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
