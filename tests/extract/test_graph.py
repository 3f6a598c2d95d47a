"""ReportGraph io: lossless JSON, Turtle that rdflib reads back, GraphML that networkx reads."""

import io
import pickle

import networkx as nx
import pytest
import rdflib

from kgjudge.graph import Edge, Node, ReportGraph

NS = "https://kgjudge.dev/minirad#"
TEXT = "Small left pleural effusion. No pneumothorax. 3 mm nodule, prior."


def sample() -> ReportGraph:
    g = ReportGraph(text=TEXT, doc_id="report 1/a")
    eff = g.add_node("effusion", "observation", label="effusion", span=(19, 27))
    pleura = g.add_node("pleura", "anatomy", label="pleura", span=(11, 18))
    left = g.add_node("left", "modifier", span=(6, 10))
    g.add_node("pneumothorax", "observation", assertion="absent", span=(32, 44))
    g.add_node("pneumothorax", "observation", assertion="absent", span=(32, 44))
    size = g.add_node("3 mm", "measurement", span=(46, 50), in_ontology=False)
    nodule = g.add_node("nodule", "observation", span=(51, 57), historical=True)
    g.add_edge(eff, "located_at", pleura, evidence=(11, 27))
    g.add_edge(left, "modify", pleura, evidence=(6, 18))
    g.add_edge(size, "modify", nodule)
    return g


def test_json_round_trip_is_lossless() -> None:
    g = sample()
    back = ReportGraph.from_json(g.to_json())
    assert back.to_dict() == g.to_dict()
    assert back.text == TEXT and back.doc_id == "report 1/a"
    assert back.node("nodule|present").historical is True
    assert back.node("3 mm|present").in_ontology is False
    assert back.node("pneumothorax|absent").spans == ((32, 44),)
    assert {(e.source, e.relation, e.target, e.evidence) for e in back.edges()} == \
        {(e.source, e.relation, e.target, e.evidence) for e in g.edges()}


def test_graphs_nodes_and_edges_pickle_as_batch_workers_send_them() -> None:
    """Node and Edge are compiled classes (kgjudge.records), which have no default pickling."""
    g = sample()
    back = pickle.loads(pickle.dumps(g))
    assert back.to_dict() == g.to_dict()
    assert back.nodes() == g.nodes() and back.edges() == g.edges()
    node = g.node("nodule|present")
    assert pickle.loads(pickle.dumps(node)) == node


def test_nodes_and_edges_compare_hash_print_and_replace_by_their_fields() -> None:
    node = Node("effusion", "observation", spans=((1, 3),))
    assert node == Node("effusion", "observation", "present", "", ((1, 3),), True, False)
    assert hash(node) == hash(Node("effusion", "observation", spans=((1, 3),)))
    assert node != Node("effusion", "observation", assertion="absent", spans=((1, 3),))
    assert node.replace(assertion="absent").id == "effusion|absent" and node.id == "effusion|present"
    assert repr(Edge("a|present", "modify", "b|present")) == \
        "Edge(source='a|present', relation='modify', target='b|present', evidence=None)"
    with pytest.raises(TypeError):
        node.replace(colour="red")  # not a field


def test_turtle_parses_back_with_concept_iris() -> None:
    g = sample()
    rdf = rdflib.Graph().parse(data=g.to_turtle(NS), format="turtle")
    types = {str(o) for o in rdf.objects(None, rdflib.RDF.type)}
    assert {NS + "effusion", NS + "pleura", NS + "pneumothorax", NS + "nodule"} <= types
    assert NS + "3 mm" not in types  # a mention outside the ontology has no concept IRI
    kgj = rdflib.Namespace("https://kgjudge.dev/ns#")
    assert len(list(rdf.triples((None, kgj.located_at, None)))) == 1
    assertions = {str(o) for o in rdf.objects(None, kgj.assertion)}
    assert assertions == {"present", "absent"}


def test_graphml_parses_back_with_networkx() -> None:
    g = sample()
    back = nx.read_graphml(io.BytesIO(g.to_graphml().encode()))
    assert set(back.nodes) == {n.id for n in g.nodes()}
    assert back.nodes["pneumothorax|absent"]["assertion"] == "absent"
    relations = {d["relation"] for *_, d in back.edges(data=True)}
    assert relations == {"located_at", "modify"}
    assert back.number_of_edges() == g.number_of_edges()
