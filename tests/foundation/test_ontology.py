import socket
from pathlib import Path

import pytest

from kgjudge.errors import OntologyError
from kgjudge.ontology import lexicon_or_raise, load_lexicon, plural

NS = "https://kgjudge.dev/t#"
TTL = """
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl:  <http://www.w3.org/2002/07/owl#> .
@prefix oboInOwl: <http://www.geneontology.org/formats/oboInOwl#> .
@prefix kgj:  <https://kgjudge.dev/ns#> .
@prefix :     <https://kgjudge.dev/t#> .

<https://kgjudge.dev/t> a owl:Ontology ; owl:imports <http://example.org/remote.ttl> .

:lung a skos:Concept ; kgj:entityType "anatomy" ; skos:prefLabel "lung" .
:left_lower_lobe a skos:Concept ; skos:broader :lung ; skos:prefLabel "left lower lobe" ;
    skos:altLabel "LLL" .
:lingula a owl:Class ; rdfs:subClassOf :left_upper_lobe ; skos:prefLabel "lingula" .
:left_upper_lobe a skos:Concept ; skos:broader :lung ; skos:prefLabel "left upper lobe" .
:hilum a skos:Concept ; kgj:entityType "anatomy" ; skos:prefLabel "hilum" ; skos:altLabel "hila" .
:opacity a skos:Concept ; kgj:entityType "observation" ; skos:prefLabel "opacity" ;
    skos:altLabel "opacification" ; oboInOwl:hasExactSynonym "airspace disease" ;
    skos:hiddenLabel "infiltrate" .
:pneumothorax a skos:Concept ; kgj:entityType "observation" ; skos:prefLabel "pneumothorax" ;
    skos:altLabel "PTX" ; oboInOwl:hasRelatedSynonym "collapsed lung" .
:left a skos:Concept ; kgj:entityType "modifier" ; kgj:side "left" ; skos:prefLabel "left" .
"""
TYPES = ["anatomy", "observation", "modifier"]


@pytest.fixture
def ttl(tmp_path: Path) -> Path:
    path = tmp_path / "onto.ttl"
    path.write_text(TTL, encoding="utf-8")
    return path


def test_synonyms_abbreviations_and_plurals(ttl: Path) -> None:
    lex = lexicon_or_raise([ttl], namespace=NS, entity_types=TYPES)
    assert [c.id for c in lex.lookup("PTX")] == ["pneumothorax"]
    assert [c.id for c in lex.lookup("ptx")] == ["pneumothorax"]
    assert [c.id for c in lex.lookup("Opacities")] == ["opacity"]  # generated -y -> -ies
    assert [c.id for c in lex.lookup("infiltrates")] == ["opacity"]  # hiddenLabel + plural
    assert [c.id for c in lex.lookup("airspace disease")] == ["opacity"]  # oboInOwl exact
    assert [c.id for c in lex.lookup("collapsed lung")] == ["pneumothorax"]  # oboInOwl related
    assert [c.id for c in lex.lookup("hila")] == ["hilum"]  # irregular plural from altLabel
    assert [c.id for c in lex.lookup("lll")] == ["left_lower_lobe"]
    assert lex.lookup("lefts") == []  # modifiers get no generated plural
    assert lex["left"].side == "left"


def test_types_are_inherited_and_ancestors_counted(ttl: Path) -> None:
    lex = lexicon_or_raise([ttl], namespace=NS, entity_types=TYPES)
    assert lex["left_lower_lobe"].type == "anatomy"
    assert lex["lingula"].type == "anatomy"  # through rdfs:subClassOf then skos:broader
    assert lex.ancestors("lingula") == {"left_upper_lobe": 1, "lung": 2}
    assert lex.ancestors("lingula", max_hops=1) == {"left_upper_lobe": 1}
    assert lex.hops_between("lung", "lingula") == 2
    assert lex.hops_between("lingula", "lung", max_hops=1) is None
    assert lex.hops_between("left_lower_lobe", "left_upper_lobe") is None  # siblings


def test_plural_rules() -> None:
    assert plural("opacity") == "opacities"
    assert plural("catheter") == "catheters"
    assert plural("mass") == "masses"
    assert plural("array") == "arrays"


def test_owl_imports_makes_no_network_connection(ttl: Path, monkeypatch) -> None:
    attempts = []

    def refuse(self, address):  # noqa: ANN001
        attempts.append(address)
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: refuse(None, a))
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: refuse(None, a))
    lex, problems = load_lexicon([ttl], namespace=NS, entity_types=TYPES)
    assert problems == []
    assert len(lex) == 8
    assert attempts == []


def test_malformed_turtle_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.ttl"
    path.write_text(TTL + '\n:broken a skos:Concept ; skos:prefLabel "x" \n', encoding="utf-8")
    _, problems = load_lexicon([path], namespace=NS, entity_types=TYPES)
    assert len(problems) == 1
    assert problems[0].file == str(path)
    assert problems[0].line is not None and problems[0].line >= TTL.count("\n")
    assert "malformed turtle" in problems[0].message


def test_rdfxml_entity_expansion_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.rdf"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE rdf [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
        'rdf:about="https://kgjudge.dev/t#x"><rdf:value>&b;</rdf:value></rdf:Description>'
        '</rdf:RDF>\n', encoding="utf-8")
    _, problems = load_lexicon([path], namespace=NS, entity_types=TYPES)
    assert len(problems) == 1 and "DOCTYPE" in problems[0].message


def test_jsonld_remote_context_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "remote.jsonld"
    path.write_text('{"@context": "http://example.org/ctx.jsonld", "@id": "x"}', encoding="utf-8")
    _, problems = load_lexicon([path], namespace=NS, entity_types=TYPES)
    assert len(problems) == 1 and "remote @context" in problems[0].message


def test_oversized_file_is_refused(ttl: Path) -> None:
    _, problems = load_lexicon([ttl], namespace=NS, entity_types=TYPES, max_bytes=100)
    assert len(problems) == 1 and "over the limit of 100" in problems[0].message


def test_concept_problems_are_all_reported(tmp_path: Path) -> None:
    path = tmp_path / "o.ttl"
    path.write_text(TTL + """
:nolabel a skos:Concept ; kgj:entityType "anatomy" .
:gizmo a skos:Concept ; kgj:entityType "gadget" ; skos:prefLabel "gizmo" .
:orphan a skos:Concept ; skos:prefLabel "orphan" .
:loop_a a skos:Concept ; skos:broader :loop_b ; skos:prefLabel "loop a" .
:loop_b a skos:Concept ; skos:broader :loop_a ; skos:prefLabel "loop b" .
:dup a skos:Concept ; kgj:entityType "observation" ; skos:prefLabel "PTX" .
""", encoding="utf-8")
    with pytest.raises(OntologyError) as info:
        lexicon_or_raise([path], namespace=NS, entity_types=TYPES)
    text = str(info.value)
    for expected in ("'nolabel' has no skos:prefLabel", "unknown entity type 'gadget'",
                     "'orphan' has no kgj:entityType", "'loop_a' is its own ancestor",
                     "label 'ptx' is used by several concepts"):
        assert expected in text
    assert str(path) in text
