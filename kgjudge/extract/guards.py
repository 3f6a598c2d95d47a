"""Which words can start an open pattern, so PackMatcher runs spaCy's token Matcher only there.

An open pattern whose first token needs a Python predicate (REGEX, IN) or is a number costs a
Python call per token in spaCy's Matcher (about twice the PhraseMatcher per document even with
no match). Its first token's test is a function of the word alone, so it is worked out once per
word of the vocabulary (``StartWords``) and the Matcher runs only on a few tokens after the
words that pass: the rare sentence with a number, not the whole report. Which tokens those are
comes from a flag on the words (``start_flag``) that one PhraseMatcher pass reads in C: making
a Token per token to read its word costs more than the rest of a sentence's matching.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from spacy.vocab import Vocab


class WordTest(NamedTuple):
    """A test on a word that every token starting a match passes: one of the language's
    lexical attributes (``attr``, e.g. "LIKE_NUM", as the vocabulary's getter works it out), or
    a test of the word's text (``text``). Worked out from the text alone: a flag is set while
    its Lexeme is being made, as spaCy sets the Lexeme's own flags."""

    attr: str | None = None
    text: Callable[[str], bool] | None = None

    def bind(self, vocab: Vocab) -> Callable[[str], Any]:
        """The test as a function of a word's text, on ``vocab``'s language."""
        if self.text is not None:
            return self.text
        from spacy import attrs

        getter = vocab.lex_attr_getters.get(getattr(attrs, str(self.attr)))  # type: ignore[attr-defined]
        return getter if getter is not None else _never


_CASELESS = {"LOWER", "NORM"}
_TESTS: dict[str, WordTest | None] = {}


def first_token_test(first: dict[str, Any]) -> WordTest | None:
    """The word test of patterns starting with token pattern ``first`` (the same object for
    equal token patterns, so patterns sharing one share a Matcher), or None when no sound test
    exists and the pattern must run on every token."""
    key = json.dumps(first, sort_keys=True, default=str)
    if key not in _TESTS:
        _TESTS[key] = _make_test(first)
    return _TESTS[key]


def _make_test(first: dict[str, Any]) -> WordTest | None:
    if first.get("OP") in ("?", "*", "!"):
        return None  # the first token may be absent or anything else: no sound shortcut
    for attr in ("LIKE_NUM", "IS_DIGIT"):
        if first.get(attr) is True:
            return WordTest(attr=attr)
    tests: list[Callable[[str], bool]] = []
    for attr, value in first.items():
        if not isinstance(value, dict):
            continue
        if attr not in ("TEXT", "ORTH", *_CASELESS):
            return None
        caseless = attr in _CASELESS
        if set(value) == {"REGEX"}:
            # the pattern's regex, searched in the word's text (case folded for LOWER / NORM)
            body = str(value["REGEX"]).removeprefix("^").removesuffix("$")
            search = re.compile(body, re.IGNORECASE if caseless else 0).search
            tests.append(_searches(search))
        elif set(value) == {"IN"}:
            tests.append(_any_of([str(w) for w in value["IN"]], caseless=caseless))
        else:
            return None
    if not tests:
        return None
    if len(tests) == 1:
        return WordTest(text=tests[0])
    return WordTest(text=lambda text: all(test(text) for test in tests))


def _never(text: str) -> bool:
    return False


def _searches(search: Callable[[str], Any]) -> Callable[[str], bool]:
    """Does the regex search ``search`` find something in the text?"""
    return lambda text: search(text) is not None


def _any_of(words: list[str], *, caseless: bool) -> Callable[[str], bool]:
    """Does the text hold one of ``words`` (as a substring)?"""
    if caseless:
        words = [w.lower() for w in words]

    def test(text: str) -> bool:
        text = text.lower() if caseless else text
        return any(w in text for w in words)

    return test


def _passes_any(tests: list[Callable[[str], Any]]) -> Callable[[str], bool]:
    """Does the text pass one of ``tests``? (Called once for every new word, as its Lexeme is
    made.)"""
    def passes(text: str) -> bool:
        for test in tests:
            if test(text):
                return True
        return False

    return passes


#: A word spaCy never makes from text (an invisible separator on each side), flagged by hand:
#: the PhraseMatcher of a flag learns the flag's value from a pattern Doc.
_FLAGGED = "\u2063kgjudge:start\u2063"


def start_flag(vocab: Vocab, tests: list[WordTest]) -> Any:
    """A PhraseMatcher reporting the tokens (one match each) whose word passes one of ``tests``:
    it reads a vocabulary flag set on the words there are and on each new one as it is made."""
    from spacy.attrs import IDS
    from spacy.matcher import PhraseMatcher
    from spacy.tokens import Doc

    spacy_flags = {i for name, i in IDS.items() if i < 64 and not name.startswith("FLAG")}
    getters = vocab.lex_attr_getters  # type: ignore[attr-defined]  # not in spaCy's stub
    # the highest free bit, never one of spaCy's own flags: a vocabulary that leaves some
    # unset (pipeline.build_nlp) still holds them set on the words it made before
    free = set(range(1, 64)) - set(getters) - spacy_flags
    if not free:  # each PackMatcher on a vocabulary takes one of its 64 lexeme flags
        raise RuntimeError("this spaCy vocabulary has no free lexeme flag left for the open "
                           "patterns' start words; build the extractor on a new pipeline")
    flag = vocab.add_flag(_passes_any([test.bind(vocab) for test in tests]), max(free))
    vocab[_FLAGGED].set_flag(flag, True)
    starts = PhraseMatcher(vocab, attr=flag)
    starts.add("start", [Doc(vocab, words=[_FLAGGED])])
    return starts


class StartWords(dict[int, int]):
    """ORTH id -> bit mask of the word tests (bit k: ``tests[k]``) the word passes, each word
    worked out on first sight (the vocabulary is small; the tokens of a report are not). Words
    never stop coming on a long run (numbers, typos), so past ``limit`` words it starts over."""

    def __init__(self, vocab: Vocab, tests: list[WordTest], limit: int = 100_000) -> None:
        super().__init__()
        self.strings = vocab.strings
        self.tests = [test.bind(vocab) for test in tests]
        self.limit = limit

    def __missing__(self, orth: int) -> int:
        if len(self) >= self.limit:
            self.clear()
        text = self.strings[orth]
        bits = sum(1 << k for k, test in enumerate(self.tests) if test(text))
        self[orth] = bits
        return bits
