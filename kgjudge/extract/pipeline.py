"""The spaCy side of extraction: a blank English pipeline and one PhraseMatcher built from a pack.

Everything the rules need from a document (concept mentions, ConText triggers, scope
terminators, clause breaks, relation phrases) comes from a single PhraseMatcher pass on LOWER,
plus one token Matcher for the pack's open patterns, so the per-document Python work is over
matches, not tokens.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kgjudge.ontology import normalise

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

    from kgjudge.domain import DomainPack

#: Tokens that end a sentence. Sentences are cut by the same PhraseMatcher pass rather than
#: spaCy's sentencizer (same rule: a sentence ends after . ! ?), which walks tokens in Python.
SENTENCE_ENDS = (".", "!", "?", "\n\n", "\n\n\n")

ALTERNATIVES = ("or", "/", "and/or")
CONJUNCTIONS = ("and", "&")

#: Words and marks that end a clause for located_at and modify (beside the pack's terminators).
CLAUSE_BREAKS = (",", ";", ":", "which", "but", "however", "although", "whereas", "while")


@dataclass(frozen=True, slots=True)
class Mention:
    """An entity mention: token offsets [start, end) and what it is."""

    start: int
    end: int
    key: str
    type: str
    label: str
    in_ontology: bool = True
    side: str | None = None
    bilateral: bool = False
    """A plural mention of paired anatomy ("the lung bases"): both sides."""


@dataclass(frozen=True, slots=True)
class TriggerHit:
    """A ConText trigger found in the text."""

    start: int
    end: int
    category: str
    direction: str
    max_tokens: int | None


@dataclass(frozen=True, slots=True)
class PhraseHit:
    """A relation phrase found in the text (index into the pack's relation phrases)."""

    start: int
    end: int
    index: int


@dataclass
class DocMatches:
    """What the matchers found in one document, each list sorted by start."""

    mentions: list[Mention] = field(default_factory=list)
    triggers: list[TriggerHit] = field(default_factory=list)
    terminators: list[int] = field(default_factory=list)
    """Token indices that end a ConText scope (pack terminators and 'terminate' triggers)."""
    breaks: list[int] = field(default_factory=list)
    """Token indices that end a clause."""
    conjunctions: list[int] = field(default_factory=list)
    """Token indices of 'and', 'or', '/'."""
    alternatives: list[int] = field(default_factory=list)
    """Token indices of 'or', '/' (a differential: "atelectasis or scarring")."""
    phrases: list[PhraseHit] = field(default_factory=list)
    sentences: list[tuple[int, int]] = field(default_factory=list)


def build_nlp(pack: DomainPack | None = None) -> Language:
    """A blank English pipeline: the tokenizer only (sentences come from PackMatcher)."""
    import spacy

    return spacy.blank("en")


def longest_first(spans: Iterable[tuple[int, int, Any]]) -> list[tuple[int, int, Any]]:
    """Non-overlapping spans, longest first then leftmost (spaCy's filter_spans on tuples)."""
    by_start = sorted(spans, key=lambda s: s[0])
    if all(a[1] <= b[0] for a, b in zip(by_start, by_start[1:], strict=False)):
        return by_start  # nothing overlaps (the common case): every span is kept
    chosen: list[tuple[int, int, Any]] = []
    taken: set[int] = set()
    for span in sorted(by_start, key=lambda s: (s[0] - s[1], s[0])):  # stable: input order kept
        tokens = range(span[0], span[1])
        if not any(t in taken for t in tokens):
            taken.update(tokens)
            chosen.append(span)
    chosen.sort(key=lambda s: s[0])
    return chosen


class PackMatcher:
    """One PhraseMatcher (LOWER) for the whole pack, plus the open-pattern Matcher."""

    def __init__(self, nlp: Language, pack: DomainPack, *, concepts: bool = True) -> None:
        from spacy.matcher import Matcher, PhraseMatcher

        self.nlp = nlp
        self.pack = pack
        self.phrase = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.kinds: dict[int, tuple[str, Any]] = {}
        self._upper_only = _upper_only_forms(pack)
        self._case_checked: set[int] = set()
        self.reach = 1
        """Most tokens one match can span (0: unbounded, a pattern repeats a token)."""
        if concepts:
            self._add_concepts()
        self._add_context()
        self._add_relation_phrases()
        # Open patterns: those whose first token has no Python predicate run in one Matcher on
        # every doc; a REGEX / IN first token costs a Python call per token, so each such
        # pattern gets its own Matcher, run only on docs whose text passes a superset test.
        self.open = Matcher(nlp.vocab)
        self.guarded: list[tuple[Callable[[str], bool], Any]] = []
        by_guard: dict[Callable[[str], bool], Any] = {}
        for i, entity in enumerate(pack.relations.entities if concepts else ()):
            key = self._register(f"O:{i}", ("open", entity))
            unbounded = any(t.get("OP") in ("*", "+") for t in entity.pattern)
            self.reach = 0 if unbounded or not self.reach else max(self.reach,
                                                                    len(entity.pattern))
            guard = _prefilter(entity.pattern[0])
            if guard is None:
                self.open.add(key, [list(entity.pattern)])
                continue
            if guard not in by_guard:  # patterns sharing a guard share one Matcher pass
                by_guard[guard] = Matcher(nlp.vocab)
                self.guarded.append((guard, by_guard[guard]))
            by_guard[guard].add(key, [list(entity.pattern)])

    def _register(self, name: str, kind: tuple[str, Any]) -> str:
        self.kinds[self.nlp.vocab.strings.add(name)] = kind
        return name

    def _add_patterns(self, name: str, kind: tuple[str, Any], phrases: Iterable[str]) -> None:
        phrases = [p for p in dict.fromkeys(normalise(p) for p in phrases) if p]
        if phrases:
            docs = list(self.nlp.tokenizer.pipe(phrases))
            self.phrase.add(self._register(name, kind), docs)
            if self.reach:
                self.reach = max(self.reach, *(len(d) for d in docs))

    def _add_concepts(self) -> None:
        lexicon = self.pack.lexicon
        by_concept: dict[str, list[str]] = {}
        for form, concept_id in lexicon.forms():
            by_concept.setdefault(concept_id, []).append(form)
        paired = paired_anatomy(self.pack)
        for concept_id, forms in by_concept.items():
            concept = lexicon[concept_id]
            plurals = _plural_forms(concept, forms) if concept_id in paired else set()
            name = f"C:{concept_id}"
            self._add_patterns(name, ("concept", concept), [f for f in forms if f not in plurals])
            self._add_patterns(f"P:{concept_id}", ("plural", concept), plurals)
            if self._upper_only.intersection(forms):
                self._case_checked.add(self.nlp.vocab.strings[name])

    def _add_context(self) -> None:
        rules = self.pack.context
        # Marks with several structural roles ("." ends a sentence, a clause and a scope) are
        # one pattern with all their roles, so the matcher reports them once.
        roles: dict[str, set[str]] = {}

        def role(name: str, phrases: Iterable[str]) -> None:
            for phrase in phrases:
                if normalise(phrase):
                    roles.setdefault(normalise(phrase), set()).add(name)

        for i, trigger in enumerate(rules.triggers):
            if trigger.category == "terminate":
                role("terminate", trigger.phrases)
            else:
                hit = (trigger.category, trigger.direction, trigger.max_tokens)
                self._add_patterns(f"T:{i}", ("trigger", hit), trigger.phrases)
        terminators = [t for t in rules.terminators if t.strip()]
        role("terminate", terminators)
        role("break", [*CLAUSE_BREAKS, *terminators])
        role("sentence", SENTENCE_ENDS)
        role("conj", CONJUNCTIONS)
        role("alt", ALTERNATIVES)
        groups: dict[tuple[str, ...], list[str]] = {}
        for phrase, names in roles.items():
            groups.setdefault(tuple(sorted(names)), []).append(phrase)
        for names, phrases in groups.items():
            self._add_patterns("S:" + "+".join(names), ("struct", names), phrases)

    def _add_relation_phrases(self) -> None:
        for i, rule in enumerate(self.pack.relations.phrases):
            self._add_patterns(f"R:{i}", ("phrase", i), rule.phrases)

    def match(self, doc: Doc, text: str | None = None, *,
              keep: Sequence[tuple[int, int]] | None = None) -> DocMatches:
        """Every mention, trigger, terminator, clause break and relation phrase in ``doc``
        (``text``: the doc's text when at hand, saves rebuilding it; ``keep``: only these
        sentences, as token ranges, which then are the sentences of the result)."""
        found = DocMatches()
        ends: list[int] = []
        entities: list[tuple[int, int, Any]] = []
        triggers: list[tuple[int, int, Any]] = []
        mask = windows = None
        if keep is not None:
            mask = bytearray(len(doc))
            for a, b in keep:
                mask[a:b] = b"\x01" * (b - a)
            windows = self._windows(keep, len(doc))
            matches = [m for x, y in windows
                       for m in (self.phrase(doc[x:y]) if y - x < len(doc) else self.phrase(doc))
                       if mask[m[1]]]
        else:
            matches = self.phrase(doc)
        for match_id, start, end in matches:
            kind, value = self.kinds[match_id]
            if kind == "concept" or kind == "plural":
                if match_id in self._case_checked and not self._case_ok(doc, start, end):
                    continue
                entities.append((start, end, (value, kind == "plural")))
            elif kind == "trigger":
                triggers.append((start, end, value))
            elif kind == "struct":
                for name in value:
                    if name == "terminate":
                        triggers.append((start, end, None))
                    elif name == "break":
                        found.breaks.append(start)
                    elif name == "sentence":
                        ends.append(end)
                    elif name == "conj":
                        found.conjunctions.append(start)
                    else:
                        found.conjunctions.append(start)
                        found.alternatives.append(start)
            else:
                found.phrases.append(PhraseHit(start, end, value))
        entities.extend(e for e in self._open_mentions(doc, text, windows)
                        if mask is None or mask[e[0]])
        found.mentions = [
            m if isinstance(m, Mention) else
            Mention(start, end, m[0].id, m[0].type, m[0].label, True, m[0].side, m[1])
            for start, end, m in longest_first(entities)]
        for start, end, hit in longest_first(triggers):
            if hit is None:
                found.terminators.append(start)
            else:
                found.triggers.append(TriggerHit(start, end, *hit))
        found.breaks.sort()
        found.conjunctions.sort()
        found.alternatives.sort()
        found.sentences = list(keep) if keep is not None else _sentences(ends, len(doc))
        found.phrases.sort(key=lambda p: p.start)
        return found

    def _case_ok(self, doc: Doc, start: int, end: int) -> bool:
        """Abbreviations written in capitals ('RV', 'IJ') only match in capitals."""
        span = doc[start:end]
        return span.text.lower() not in self._upper_only or span.text.isupper()

    def _windows(self, keep: Sequence[tuple[int, int]], length: int) -> list[tuple[int, int]]:
        """Token ranges that hold every match starting in ``keep``: each kept range and the
        ``reach - 1`` tokens after it, overlapping ones merged (a match depends on its own
        tokens only, so matching a window finds the same matches as matching the doc)."""
        if not self.reach:
            return [(0, length)]
        out: list[tuple[int, int]] = []
        for a, b in keep:
            end = min(length, b + self.reach - 1)
            if out and a <= out[-1][1]:
                out[-1] = (out[-1][0], max(out[-1][1], end))
            else:
                out.append((a, end))
        return out

    def _open_mentions(self, doc: Doc, text: str | None,
                       windows: list[tuple[int, int]] | None = None
                       ) -> Iterable[tuple[int, int, Mention]]:
        if not len(self.open) and not self.guarded:
            return
        if windows is None or windows == [(0, len(doc))]:
            parts: list[tuple[int, Any, str | None]] = [(0, doc, text)]
        else:  # the Matcher answers in offsets into the span it is given
            if self.guarded and text is None:
                text = doc.text
            parts = [(x, doc[x:y], _text_of(doc, text, x, y) if self.guarded else None)
                     for x, y in windows]
        for x, part, part_text in parts:
            matches = list(self.open(part)) if len(self.open) else []
            if self.guarded and part_text is None:
                part_text = part.text
            for guard, matcher in self.guarded:
                if guard(part_text):  # type: ignore[arg-type]
                    matches.extend(matcher(part))
            yield from self._open_matches(doc, matches, x)

    def _open_matches(self, doc: Doc, matches: list[tuple[int, int, int]],
                      offset: int) -> Iterable[tuple[int, int, Mention]]:
        for match_id, start, end in matches:
            start, end = start + offset, end + offset
            entity = self.kinds[match_id][1]
            text = normalise(doc[start:end].text)
            yield start, end, Mention(start, end, text, entity.type, text, False, None)


def _text_of(doc: Doc, text: str, start: int, end: int) -> str:
    """The text of tokens [start, end) (Span.text builds it token by token)."""
    last = doc[end - 1]
    return text[doc[start].idx:last.idx + len(last)]


_CASELESS = {"LOWER", "NORM"}
_NUMBER_WORDS: frozenset[str] | None = None
_DIGIT = __import__("re").compile(r"\d")
_WORD = __import__("re").compile(r"[^\W\d_]+")


def _has_digit(text: str) -> bool:
    """Superset test for English LIKE_NUM tokens: a digit, or one of spaCy's number words."""
    global _NUMBER_WORDS
    if _DIGIT.search(text):
        return True
    if _NUMBER_WORDS is None:
        from spacy.lang.en import lex_attrs

        _NUMBER_WORDS = frozenset([*lex_attrs._num_words,
                                   *getattr(lex_attrs, "_ordinal_words", [])])
    return not _NUMBER_WORDS.isdisjoint(_WORD.findall(text.lower()))


def _prefilter(first: dict[str, Any]) -> Callable[[str], bool] | None:
    """A cheap test on a doc's text that every doc matching a pattern passes, for patterns whose
    first token needs a Python predicate (REGEX, IN) or is a number; None when there is none.
    (spaCy's token Matcher costs about twice the PhraseMatcher per doc even with no match.)"""
    import re

    if first.get("OP") in ("?", "*"):
        return None  # the first token may be absent: no sound shortcut
    if first.get("LIKE_NUM") is True or first.get("IS_DIGIT") is True:
        return _has_digit
    tests: list[Callable[[str], bool]] = []
    for attr, value in first.items():
        if not isinstance(value, dict):
            continue
        caseless = attr in _CASELESS
        if set(value) == {"REGEX"} and attr in ("TEXT", "ORTH", *_CASELESS):
            body = str(value["REGEX"]).removeprefix("^").removesuffix("$")
            rx = re.compile(body, re.IGNORECASE if caseless else 0)
            tests.append(lambda text, rx=rx: rx.search(text) is not None)
        elif set(value) == {"IN"} and attr in ("TEXT", "ORTH", *_CASELESS):
            words = [str(w).lower() if caseless else str(w) for w in value["IN"]]
            tests.append(lambda text, words=words, c=caseless:
                         any(w in (text.lower() if c else text) for w in words))
        else:
            return None
    if not tests:
        return None
    return lambda text: all(test(text) for test in tests)


def _sentences(ends: list[int], length: int) -> list[tuple[int, int]]:
    """Token ranges of the sentences, given the token index just after each sentence end."""
    bounds = sorted({0, *ends, length})
    return [(a, b) for a, b in zip(bounds, bounds[1:], strict=False) if a < b]


def paired_anatomy(pack: DomainPack) -> frozenset[str]:
    """Concepts that come as a left and a right one: those with left- and right-sided
    descendants (lung, lower lobe), and those marked ``kgj:side "paired"`` (lung base, hilum)."""
    lexicon = pack.lexicon
    below: dict[str, set[str]] = {}
    for concept in lexicon.concepts.values():
        if concept.side in ("left", "right"):
            for ancestor in lexicon.ancestors(concept.id):
                below.setdefault(ancestor, set()).add(concept.side)
    return frozenset({c for c, sides in below.items() if {"left", "right"} <= sides} |
                     {c.id for c in lexicon.concepts.values() if c.side == "paired"})


def bilateral_modifier(pack: DomainPack) -> str | None:
    """The most general modifier concept with side 'bilateral', if the pack has one."""
    lexicon = pack.lexicon
    candidates = [c.id for c in lexicon.concepts.values()
                  if c.side == "bilateral" and c.type in pack.relations.clause.modify_types]
    return min(candidates, key=lambda c: (len(lexicon.ancestors(c)), c), default=None)


def _plural_forms(concept: Any, forms: list[str]) -> set[str]:
    from kgjudge.ontology import plural

    generated = {normalise(plural(label)) for label in (concept.label, *concept.synonyms)}
    return generated.intersection(forms)


def _upper_only_forms(pack: DomainPack) -> frozenset[str]:
    forms = set()
    for concept in pack.lexicon.concepts.values():
        for label in (concept.label, *concept.synonyms):
            if label.isupper() and len(label) <= 4:
                forms.add(normalise(label))
    return frozenset(forms)
