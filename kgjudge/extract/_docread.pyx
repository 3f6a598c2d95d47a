# cython: language_level=3, boundscheck=False, wraparound=False
"""spaCy's C structures read directly where its Python API makes a Python object per item:
the compiled side of kgjudge.extract.docread (which says when it is used; the same functions in
Python are there, and tests/extract/test_docread.py holds the two equal).

Built against one spaCy version's headers (.pxd): ``BUILT_FOR`` names it, and docread uses this
module only under that version, since the C layout of spaCy's objects may change in another.
"""

from libcpp.vector cimport vector
from spacy.matcher.phrasematcher cimport PhraseMatcher
from spacy.structs cimport SpanC, TokenC
from spacy.tokens.doc cimport Doc

BUILT_FOR = SPACY_VERSION  # the spaCy version of the headers (setup.py's compile-time env)


def phrase_matches(PhraseMatcher matcher, Doc doc):
    """``matcher(doc)``: the (match_id, start, end) of each match in the same order, without
    the Python loop that ``PhraseMatcher.__call__`` runs per match to decode its label and look
    up an on-match callback (kgjudge adds none)."""
    cdef vector[SpanC] found
    cdef list out = []
    cdef size_t i
    if doc.length == 0:
        return out
    matcher.find_matches(doc, 0, doc.length, &found)
    for i in range(found.size()):
        out.append((found[i].label, found[i].start, found[i].end))
    return out


def char_span(Doc doc, int start, int end):
    """(first character, end character) of the tokens [start, end) of ``doc``, without making
    a Token for each end."""
    if not 0 <= start < end <= doc.length:
        raise IndexError(f"tokens [{start}, {end}) are not in a Doc of {doc.length}")
    cdef const TokenC* last = &doc.c[end - 1]
    return doc.c[start].idx, last.idx + last.lex.length


def orth(Doc doc, int i):
    """The ORTH id of token ``i`` of ``doc`` (``doc[i].orth``)."""
    if not 0 <= i < doc.length:
        raise IndexError(f"token {i} is not in a Doc of {doc.length}")
    return doc.c[i].lex.orth
