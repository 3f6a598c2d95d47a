"""Three reads of a spaCy Doc that extraction makes many times a document, each compiled where
it can be (kgjudge/extract/_docread.pyx, which reads spaCy's C structures) and in Python here
otherwise: the same results either way (tests/extract/test_docread.py).

spaCy's Python API makes a Python object per item for these (a Token for each end of a span,
a decoded label per PhraseMatcher match): compiled, a first pass over the IU reports runs about
9% fewer instructions (callgrind). The compiled module is built against one spaCy version's
headers and is used only under that version (`why_python` says why it is not, if it is not).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spacy.tokens import Doc


def _python_phrase_matches(matcher: Any, doc: Doc) -> list[tuple[int, int, int]]:
    """``matcher(doc)``: the (match_id, start, end) of each PhraseMatcher match."""
    return matcher(doc)  # type: ignore[no-any-return]


def _python_char_span(doc: Doc, start: int, end: int) -> tuple[int, int]:
    """(first character, end character) of the tokens [start, end) of ``doc``."""
    if not 0 <= start < end <= len(doc):
        raise IndexError(f"tokens [{start}, {end}) are not in a Doc of {len(doc)}")
    last = doc[end - 1]
    return doc[start].idx, last.idx + len(last)


def _python_orth(doc: Doc, i: int) -> int:
    """The ORTH id of token ``i`` of ``doc``."""
    if not 0 <= i < len(doc):
        raise IndexError(f"token {i} is not in a Doc of {len(doc)}")
    return doc[i].orth


def _compiled() -> tuple[Any, str]:
    """The compiled module, or None and why it is not used."""
    try:
        from kgjudge.extract import _docread  # type: ignore[attr-defined]
    except ImportError:
        return None, "not built (an editable install, or no C++ compiler at install time)"
    except ValueError as e:  # Cython's check that spaCy's objects have the size it was built for
        return None, f"built for another spaCy ({e})"
    import spacy

    if _docread.BUILT_FOR != spacy.__version__:
        return None, f"built for spaCy {_docread.BUILT_FOR}, running {spacy.__version__}"
    return _docread, ""


_module, why_python = _compiled()
"""Why the reads run in Python ("" where they run compiled)."""

# typed, so that mypyc's callers unpack and use the results natively
phrase_matches: Callable[[Any, Doc], list[tuple[int, int, int]]]
char_span: Callable[[Doc, int, int], tuple[int, int]]
orth: Callable[[Doc, int], int]
if _module is not None:
    phrase_matches = _module.phrase_matches
    char_span = _module.char_span
    orth = _module.orth
else:
    phrase_matches = _python_phrase_matches
    char_span = _python_char_span
    orth = _python_orth
