"""Bounded spaCy vocabulary for long runs: new words are read inside rotating memory zones.

spaCy keeps a Lexeme and a string for every word it has ever tokenised, so a process reading
millions of reports grows with their distinct words (numbers, dates, typos, XXXX). spaCy 3.8's
``Language.memory_zone()`` frees what was added inside the block when it closes. A zone per
document would cost more than the tokenising (it also stops spaCy filling its tokenizer cache),
so one zone is held open across ``span`` units of work and then replaced; the first ``warm``
units run outside any zone, to fill the tokenizer cache with the common words first (as spaCy's
memory-management guide advises). Nothing spaCy made inside a zone may be used after it closes:
callers keep only plain Python results (graph parts), never a Doc or a Token.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language


class VocabZones:
    """Call `enter()` before each unit of work (a document or a piece tokenised and matched)."""

    def __init__(self, nlp: Language, *, warm: int = 2000, span: int = 1000) -> None:
        self.nlp = nlp
        self.warm = warm
        self.span = span
        self.units = 0
        self._zone: contextlib.ExitStack | None = None
        self._in_zone = 0

    def enter(self) -> None:
        """Count one unit; open, or replace a full, memory zone once the warm-up is done."""
        self.units += 1
        if self.units <= self.warm or not self.span:
            return
        if self._zone is not None and self._in_zone < self.span:
            self._in_zone += 1
            return
        self.close()
        self._zone = contextlib.ExitStack()
        self._zone.enter_context(self.nlp.memory_zone())
        self._in_zone = 1

    def close(self) -> None:
        """Close the open zone, freeing the words first seen in it."""
        if self._zone is not None:
            self._zone.close()
            self._zone = None
