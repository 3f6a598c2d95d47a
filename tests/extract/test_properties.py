"""Invariants of extraction on arbitrary text (hypothesis)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgjudge.graph import ReportGraph

WORDS = ["no", "not", "possible", "left", "right", "small", "effusion", "pleural", "lobe",
         "lower", "pneumonia", "consistent", "with", "which", "may", "represent", ",", ".", ";",
         "3", "x", "4", "cm", "mm", "LLL", "RV", "history", "of", "\n", "otherwise", "heart"]
radiology_like = st.lists(st.sampled_from(WORDS), max_size=40).map(" ".join)
texts = st.one_of(st.text(max_size=300), radiology_like)
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def check(graph: ReportGraph, text: str) -> None:
    assert graph.text == text
    for node in graph.nodes():
        assert node.spans
        for a, b in node.spans:
            assert 0 <= a < b <= len(text)
            assert text[a:b].strip() == text[a:b]
            assert text[a:b]
    for edge in graph.edges():
        assert edge.source in graph and edge.target in graph
        if edge.evidence:
            a, b = edge.evidence
            assert 0 <= a < b <= len(text)


@SETTINGS
@given(text=texts)
def test_extraction_never_raises_and_spans_index_the_text(rules, text: str) -> None:
    check(rules.extract(text), text)


@SETTINGS
@given(batch=st.lists(texts, max_size=5))
def test_extract_many_equals_extract(rules, batch: list[str]) -> None:
    many = [g.to_dict() for g in rules.extract_many(batch)]
    assert many == [rules.extract(t).to_dict() for t in batch]


def test_empty_text_gives_empty_graph(rules) -> None:
    for text in ("", "   ", "\n\n"):
        graph = rules.extract(text)
        assert len(graph) == 0 and graph.number_of_edges() == 0


RADIOLOGY_WORDS = ["No", "pleural", "effusion", "T7", "5th", "rib", "3.5", "x", "cm", "8x10", "mm",
                   "or", "/", "bilateral", "bases", "lungs", ",", ".", "may", "represent",
                   "pneumonia", "IJ", "ij", "line", "tip", "SVC", "not", "enlarged", "XXXX",
                   "10%", "right-sided", "hemidiaphragms", "\u00d7", "\u00bd", "C1-C2"]
radiology_texts = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(RADIOLOGY_WORDS), max_size=40).map(" ".join),
)


@pytest.fixture(scope="module")
def radiology_rules():  # noqa: ANN201
    from kgjudge.domain import load_pack
    from kgjudge.extract import get_extractor

    return get_extractor(load_pack("radiology"), "rules")


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=radiology_texts)
def test_radiology_pack_never_raises_and_spans_index_the_text(radiology_rules, text: str) -> None:
    check(radiology_rules.extract(text), text)


@pytest.fixture(scope="module")
def uncached(pack):  # noqa: ANN001, ANN201
    from kgjudge.extract import get_extractor

    return get_extractor(pack, "rules", cache_size=0)


sentences = st.lists(st.sampled_from(WORDS[:-1]), min_size=1, max_size=8).map(
    lambda words: " ".join(words) + ".")
documents = st.lists(st.sampled_from(["No pneumothorax.", "Small left pleural effusion.",
                                      "Possible LLL pneumonia."]) | sentences,
                     max_size=6).map(" ".join)


@SETTINGS
@given(batch=st.lists(documents, min_size=1, max_size=4))
def test_sentence_cache_changes_nothing(rules, uncached, batch: list[str]) -> None:
    """The rules extractor caches sentence results; graphs equal the uncached ones."""
    assert [g.to_dict() for g in rules.extract_many(batch)] == \
        [g.to_dict() for g in uncached.extract_many(batch)]


#: Text between sentences and awkward sentence ends: pieces are cut after . ! ? and whitespace,
#: so every kind of whitespace and every mark that is not a sentence end must still give the
#: whole-document graph.
SEPARATORS = [" ", "  ", "\n", "\n\n", " \n", "\t", "", "\r\n", "\u00a0", " \u00a0", "\u2028", "\x0b", "\x1c"]
AWKWARD = ["Dr. Smith noted effusion.", "approx. 3 cm effusion.", "e.g. pneumonia.",
           "effusion...", "No effusion?!", "1. No pneumothorax.", "LLL opacity.(",
           "No pleural effusion.\"", "Small effusion . ."]
spaced_documents = st.lists(
    st.tuples(st.sampled_from(["No pneumothorax.", "Small left pleural effusion.", *AWKWARD])
              | sentences, st.sampled_from(SEPARATORS)),
    max_size=6).map(lambda parts: "".join(s + sep for s, sep in parts))


@SETTINGS
@given(batch=st.lists(spaced_documents, min_size=1, max_size=4))
def test_pieces_give_the_whole_document_graph(rules, uncached, batch: list[str]) -> None:
    """Each piece is tokenised and matched on its own; that changes no graph."""
    assert rules.by_piece
    for _ in range(2):  # cold, then from cached pieces
        assert [g.to_dict() for g in rules.extract_many(batch)] == \
            [g.to_dict() for g in uncached.extract_many(batch)]
