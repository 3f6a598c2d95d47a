"""kgjudge.extract.docread gives what spaCy's Python API gives, compiled or not, and uses its
compiled module only under the spaCy it was built for."""

import sys
import types

import pytest
import spacy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kgjudge.extract
from kgjudge.domain import load_pack
from kgjudge.extract import docread, get_extractor

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

WORDS = ["No", "pleural", "effusion", "left", "lower", "lobe", "PTX", "ptx", "3", "x", "4",
         "cm", ".", ",", "and", "or", "may", "represent", "pneumonia", "T11", "\n\n", "  ",
         "é", "naïve", "U.S.", "can't", "(right)", "—"]
texts = st.one_of(st.lists(st.sampled_from(WORDS), max_size=40).map(" ".join), st.text())

#: Each read as the module in use gives it, and as the Python fallback gives it.
READS = [(docread.phrase_matches, docread.char_span, docread.orth),
         (docread._python_phrase_matches, docread._python_char_span, docread._python_orth)]


@pytest.fixture(scope="module")
def radiology():  # noqa: ANN201
    return get_extractor(load_pack("radiology"), "rules")


@SETTINGS
@given(text=texts, data=st.data())
def test_reads_give_what_spacys_api_gives(radiology, text: str, data) -> None:  # noqa: ANN001
    doc = radiology.nlp.make_doc(text)
    matcher = radiology.matcher.phrase
    expected = matcher(doc)
    for phrase_matches, char_span, orth in READS:
        assert phrase_matches(matcher, doc) == expected
        assert [orth(doc, i) for i in range(len(doc))] == [t.orth for t in doc]
        if len(doc):
            start = data.draw(st.integers(0, len(doc) - 1))
            end = data.draw(st.integers(start + 1, len(doc)))
            span = doc[start:end]
            assert char_span(doc, start, end) == (span.start_char, span.end_char)


def test_reads_find_real_matches(radiology) -> None:  # noqa: ANN001
    """Not only empty lists: a report sentence has matches, and the spans index its text."""
    text = "There is a small left pleural effusion. No pneumothorax."
    doc = radiology.nlp.make_doc(text)
    found = docread.phrase_matches(radiology.matcher.phrase, doc)
    assert len(found) >= 6
    words = {text[slice(*docread.char_span(doc, a, b))] for _, a, b in found}
    assert {"effusion", "pleural", "pneumothorax", "left", "small", "No"} <= words


@pytest.mark.parametrize(("start", "end"), [(0, 0), (-1, 1), (2, 9), (3, 2)])
def test_token_ranges_outside_the_doc_are_refused(radiology, start: int, end: int) -> None:  # noqa: ANN001
    doc = radiology.nlp.make_doc("No pneumothorax.")
    for _, char_span, orth in READS:
        with pytest.raises(IndexError):
            char_span(doc, start, end)
        with pytest.raises(IndexError):
            orth(doc, end if end >= len(doc) else -1)
    assert docread.phrase_matches(radiology.matcher.phrase, radiology.nlp.make_doc("")) == []


def _use(monkeypatch, module) -> tuple:  # noqa: ANN001
    """What docread would choose with ``module`` as its compiled module (None: not built)."""
    monkeypatch.setitem(sys.modules, "kgjudge.extract._docread", module)
    monkeypatch.delattr(kgjudge.extract, "_docread", raising=False)
    return docread._compiled()


def test_the_compiled_module_is_used_only_under_the_spacy_it_was_built_for(monkeypatch) -> None:  # noqa: ANN001
    same = types.ModuleType("kgjudge.extract._docread")
    same.BUILT_FOR = spacy.__version__
    assert _use(monkeypatch, same) == (same, "")
    other = types.ModuleType("kgjudge.extract._docread")
    other.BUILT_FOR = "3.0.0"
    module, why = _use(monkeypatch, other)
    assert module is None
    assert why == f"built for spaCy 3.0.0, running {spacy.__version__}"
    module, why = _use(monkeypatch, None)  # an editable install: nothing built
    assert module is None and why.startswith("not built")
