"""Bounded spaCy vocabulary for long runs: past a warm-up, new words are read inside rotating
memory zones.

spaCy keeps a Lexeme and a string for every word it has ever tokenised, so a process reading
millions of reports grows with their distinct words (numbers, dates, typos, XXXX). spaCy 3.8's
``Language.memory_zone()`` frees what was added inside the block when it closes. A zone per
document would cost more than the tokenising, and inside any zone spaCy's tokenizer caches no
chunk, so every word new since the zone opened is split by its affix regexes again each time it
comes. Hence the budget is counted in what a zone bounds, strings: the vocabulary may first
grow by ``warm`` strings outside any zone (a corpus of one source seldom needs more, and its
words fill the tokenizer cache, as spaCy's memory-management guide advises), and after that one
zone is held open until ``span`` strings were added in it, then replaced. Nothing spaCy made
inside a zone may be used after it closes: callers keep only plain Python results (graph
parts), never a Doc or a Token.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language

#: Strings the vocabulary may grow by before the first zone: the tokenizer caches at most 10,000
#: chunks (spaCy's default), and 10,000 new words cost ~6 MiB with their Lexemes and cache
#: entries (measured on a blank English pipeline). The 3,851 IU reports add 1,652.
WARM_STRINGS = 10_000
#: Strings one zone may hold before it is closed (freeing them) and a new one opened.
ZONE_STRINGS = 1_000


class VocabZones:
    """Call `enter()` before each unit of work (a document or a piece tokenised and matched)."""

    def __init__(self, nlp: Language, *, warm: int = WARM_STRINGS,
                 span: int = ZONE_STRINGS) -> None:
        """``warm``: strings the vocabulary may grow by outside any zone; ``span``: strings one
        zone holds before it is replaced (0: never a zone)."""
        self.nlp = nlp
        self.warm = warm
        self.span = span
        self._strings = nlp.vocab.strings
        self._base = len(self._strings)
        self._zone: contextlib.ExitStack | None = None
        self._zone_base = 0

    def enter(self) -> None:
        """Open a memory zone once the warm-up's strings are spent, or replace a full one."""
        if not self.span:
            return
        size = len(self._strings)  # the zone's strings included, until it closes
        if self._zone is None:
            if size - self._base <= self.warm:
                return
        elif size - self._zone_base < self.span:
            return
        self.close()
        self._zone = contextlib.ExitStack()
        self._zone.enter_context(self.nlp.memory_zone())
        self._zone_base = len(self._strings)

    def close(self) -> None:
        """Close the open zone, freeing the words first seen in it."""
        if self._zone is not None:
            self._zone.close()
            self._zone = None
