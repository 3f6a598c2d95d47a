"""The rules extractor's caches and the dict-backed ReportGraph change no result."""

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgjudge.extract import get_extractor
from kgjudge.graph import ReportGraph

TEXTS = [
    "Small left pleural effusion. No pneumothorax.",
    "No pneumothorax. Small left pleural effusion.",
    "Small left pleural effusion . No  pneumothorax.",  # same tokens, other spaces
    "Small left pleural effusion.No pneumothorax.",
    "The heart is enlarged.\n\nNo pneumothorax or effusion!",
    "Opacities in the lung bases. 3 mm nodule, prior.",
    "",
    "No pneumothorax.",
]


@pytest.fixture()
def uncached(pack):  # noqa: ANN001, ANN201
    return get_extractor(pack, "rules", cache_size=0)


def test_every_cache_state_gives_the_uncached_graph(pack, uncached) -> None:  # noqa: ANN001
    expected = [uncached.extract(t).to_json() for t in TEXTS]
    cached = get_extractor(pack, "rules", document_cache_size=4)
    # cold, warm, and again: sentence hits, document hits after the second sighting
    for _ in range(3):
        assert [cached.extract(t).to_json() for t in TEXTS] == expected
        assert [g.to_json() for g in cached.extract_many(TEXTS)] == expected
    sentences_only = get_extractor(pack, "rules", document_cache_size=0)
    tiny = get_extractor(pack, "rules", cache_size=2, document_cache_size=1)  # always evicting
    for _ in range(2):
        assert [sentences_only.extract(t).to_json() for t in TEXTS] == expected
        assert [tiny.extract(t).to_json() for t in TEXTS] == expected
        assert len(tiny._cache) <= 2 + 3 and len(tiny._documents) <= 1


def test_document_cache_hits_are_independent_copies(pack) -> None:  # noqa: ANN001
    extractor = get_extractor(pack, "rules")
    text = TEXTS[0]
    first = extractor.extract(text, "a")
    second = extractor.extract(text, "b")  # second sighting: kept from now on
    third = extractor.extract(text, "c")
    assert (first.doc_id, second.doc_id, third.doc_id) == ("a", "b", "c")
    third.add_node("extra", "observation", span=(0, 5))
    assert "extra|present" not in extractor.extract(text)
    assert extractor.extract(text).to_json() == first.to_json().replace('"a"', "null", 1)


def test_nx_is_built_on_use_and_follows_changes() -> None:
    g = ReportGraph(text="x")
    a = g.add_node("a", "observation", span=(0, 1))
    b = g.add_node("b", "anatomy", span=(2, 3))
    g.add_edge(a, "located_at", b)
    first = g.nx
    assert isinstance(first, nx.MultiDiGraph) and g.nx is first
    assert first.nodes[a]["node"] == g.node(a)
    c = g.add_node("c", "modifier")
    assert g.nx is not first and c in g.nx and g.nx.number_of_edges() == 1
    assert list(g.nx.edges(keys=True)) == [(a, b, "located_at")]


def test_adjacency_of_nodes_without_edges_and_of_unknown_nodes() -> None:
    g = ReportGraph()
    a = g.add_node("a", "observation")
    assert g.out_edges(a) == [] and g.in_edges(a) == []
    with pytest.raises(KeyError):
        g.out_edges("nope|present")
    with pytest.raises(KeyError):
        g.add_edge(a, "modify", "nope|present")
    assert [] not in g and "a|present" in g


def test_edges_come_in_node_order_then_insertion_order() -> None:
    g = ReportGraph()
    a, b, c = (g.add_node(k, "observation") for k in "abc")
    g.add_edge(c, "r", a)
    g.add_edge(a, "r", c)
    g.add_edge(a, "s", b)
    g.add_edge(a, "r", c)  # repeated: kept once
    assert [(e.source, e.target) for e in g.edges()] == [(a, c), (a, b), (c, a)]
    assert [e.source for e in g.in_edges(c)] == [a] and g.number_of_edges() == 3
    copy = g.copy(doc_id="copy")
    copy.add_edge(b, "r", c)
    assert g.number_of_edges() == 3 and copy.number_of_edges() == 4
    assert [e.source for e in copy.in_edges(c)] == [a, b]


def test_a_phrase_across_a_sentence_end_turns_pieces_off(tmp_path) -> None:  # noqa: ANN001
    """"approx. 3 cm" as one label: a match runs over the '.', so documents are matched whole."""
    import shutil

    from kgjudge.domain import load_pack

    from .conftest import PACK

    shutil.copytree(PACK, tmp_path / "pack")
    ontology = tmp_path / "pack" / "ontology.ttl"
    ontology.write_text(ontology.read_text().replace(
        'skos:prefLabel "pleura" ;', 'skos:prefLabel "pleura" ; skos:altLabel "pl. space" ;'))
    pack = load_pack(tmp_path / "pack")
    extractor = get_extractor(pack, "rules")
    assert not extractor.by_piece and get_extractor(load_pack(PACK), "rules").by_piece
    graph = extractor.extract("Fluid in the pl. space. No pneumothorax.")
    assert [n.key for n in graph.nodes() if n.key == "pleura"] == ["pleura"]
    assert graph.to_json() == get_extractor(pack, "rules", cache_size=0).extract(
        graph.text).to_json()


#: Sentences and fragments documents are made of: abbreviations whose period ends no sentence
#: ("Dr.": "No Dr. Smith nodule." is one sentence, its nodule absent), other whitespace between
#: pieces, a number cut at its period ("Measured 3." then "5 cm nodule.": joined without
#: whitespace they would read "3.5 cm").
PIECES = ["No pneumothorax.", "Small left pleural effusion.", "No Dr.", "Smith nodule.",
          "Measured 3.", "5 cm nodule.", "The heart is enlarged!", "Is there effusion?",
          "Tube unchanged.", "Opacities in the lung bases", "No acute abnormality."]
SEPARATORS = [" ", "  ", "   ", "\n", "\n\n", "", " \n", "\n "]
documents = st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(SEPARATORS)),
                     min_size=1, max_size=7).map(lambda parts: "".join(p + s for p, s in parts))


@pytest.fixture(scope="module")
def three(pack):  # noqa: ANN001, ANN201
    return tuple(get_extractor(pack, "rules", cache_size=size) for size in (20_000, 20_000, 0))


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=documents, second=documents)
def test_new_pieces_read_together_give_what_each_gives_alone(three, first, second) -> None:  # noqa: ANN001
    """A document's new pieces are tokenised and matched as one text (RulesExtractor.
    _read_together), between pieces already cached (the second document's); each piece cached
    so holds what it holds when read alone, and each graph is the one of its whole document."""
    together, alone, whole = three
    together.clear_cache()  # the first document's pieces all new
    for text in (first, second):
        assert together.extract(text).to_json() == whole.extract(text).to_json()
    for piece, found in together._cache.items():
        assert alone._new_piece(piece) == found, piece
