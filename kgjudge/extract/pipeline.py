"""The spaCy side of extraction: a blank English pipeline and one PhraseMatcher built from a pack.

Everything the rules need from a document (concept mentions, ConText triggers, scope
terminators, clause breaks, relation phrases) comes from a single PhraseMatcher pass on LOWER,
plus token Matchers for the pack's open patterns, run only from the words that can start them,
so the per-document Python work is over matches, not tokens.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from kgjudge.extract.docread import orth, phrase_matches
from kgjudge.extract.guards import StartWords, WordTest, first_token_test, start_flag
from kgjudge.extract.spans import TokenSpan, inside, longest_first
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

#: What a PhraseMatcher id stands for (PackMatcher._dispatch_table), and the roles of a mark.
_MENTION, _TRIGGER, _MARK, _PHRASE, _NOT_ENTITY, _CHECKED_MENTION = range(6)
_ROLES = ("terminate", "break", "sentence", "conj", "alt")
_Roles = tuple[bool, bool, bool, bool, bool]


class Mention(TokenSpan):
    """An entity mention: token offsets [start, end) and what it is."""

    __slots__ = ("key", "type", "label", "in_ontology", "side", "bilateral")
    FIELDS = ("start", "end", "key", "type", "label", "in_ontology", "side", "bilateral")

    def __init__(self, start: int, end: int, key: str, type: str, label: str,
                 in_ontology: bool = True, side: str | None = None,
                 bilateral: bool = False) -> None:
        self.start = start
        self.end = end
        self.key = key
        self.type = type
        self.label = label
        self.in_ontology = in_ontology
        self.side = side
        self.bilateral = bilateral
        """A plural mention of paired anatomy ("the lung bases"): both sides."""

    def at(self, start: int, end: int) -> Mention:
        """The same mention at other tokens."""
        return Mention(start, end, self.key, self.type, self.label, self.in_ontology,
                       self.side, self.bilateral)


class TriggerHit(TokenSpan):
    """A ConText trigger found in the text (category "terminate": a scope terminator)."""

    __slots__ = ("category", "direction", "max_tokens", "ends_scopes")
    FIELDS = ("start", "end", "category", "direction", "max_tokens", "ends_scopes")

    def __init__(self, start: int, end: int, category: str, direction: str,
                 max_tokens: int | None, ends_scopes: bool = True) -> None:
        self.start = start
        self.end = end
        self.category = category
        self.direction = direction
        self.max_tokens = max_tokens
        self.ends_scopes = ends_scopes
        """Whether it ends the scopes of triggers of other categories (Trigger.ends_scopes)."""

    def at(self, start: int, end: int) -> TriggerHit:
        """The same trigger at other tokens."""
        return TriggerHit(start, end, self.category, self.direction, self.max_tokens,
                          self.ends_scopes)


class PhraseHit(TokenSpan):
    """A relation phrase found in the text."""

    __slots__ = ("rule",)
    FIELDS = ("start", "end", "rule")

    def __init__(self, start: int, end: int, rule: int) -> None:
        self.start = start
        self.end = end
        self.rule = rule
        """Index of its rule in the pack's relation phrases."""


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


def build_nlp(pack: DomainPack) -> Language:
    """A blank English pipeline: the tokenizer only (sentences come from PackMatcher), whose
    vocabulary works out only the lexical attributes the pack's rules read.

    spaCy works out every lexical attribute of a word (about twenty, a Python call each: shape,
    prefix, is_stop...) when it first sees the word: working out only those read made a first
    pass over the IU reports about 6% faster. The tokens are the same; an attribute no rule
    reads is left 0 on the words the vocabulary makes from here on.
    """
    import spacy

    nlp = spacy.blank("en")
    read = lexical_attributes(pack)
    vocab = nlp.vocab
    vocab.lex_attr_getters = {  # type: ignore[attr-defined]  # not in spaCy's stub
        attr: getter for attr, getter in vocab.lex_attr_getters.items()  # type: ignore[attr-defined]
        if attr in read}
    return nlp


def lexical_attributes(pack: DomainPack) -> frozenset[int]:
    """The ids of the lexical attributes extraction reads of a word (its text and length are
    always there): LOWER, which the PhraseMatcher matches on, and whatever the pack's open
    patterns test (LIKE_NUM, IS_DIGIT, SHAPE, ...)."""
    from spacy.attrs import IDS

    names = {"LOWER", *(str(key).upper() for entity in pack.relations.entities
                        for token in entity.pattern for key in token)}
    return frozenset(IDS[name] for name in names if name in IDS)


class PackMatcher:
    """One PhraseMatcher (LOWER) for the whole pack, plus the open-pattern Matchers."""

    def __init__(self, nlp: Language, pack: DomainPack, *, concepts: bool = True) -> None:
        from spacy.matcher import PhraseMatcher

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
        self._add_open_patterns(pack.relations.entities)  # measurements, whatever finds entities
        tests = [test for test, _ in self.guarded]
        self._start_words = StartWords(nlp.vocab, tests)
        self._starts = start_flag(nlp.vocab, tests) if tests else None
        self._has_open = len(self.open) > 0
        self._table = self._dispatch_table()

    def _add_open_patterns(self, entities: Sequence[Any]) -> None:
        """Open patterns: those whose first token has no Python predicate run in one Matcher on
        every doc; a REGEX / IN / number first token costs a Python call per token, so such
        patterns get a Matcher per first-token test, run only from the words passing it."""
        from spacy.matcher import Matcher

        self.open = Matcher(self.nlp.vocab)
        self.guarded: list[tuple[WordTest, Any]] = []
        self._guarded_reach: list[int] = []
        """Most tokens a match of each guarded Matcher spans (0: unbounded)."""
        by_test: dict[WordTest, int] = {}
        for i, entity in enumerate(entities):
            key = self._register(f"O:{i}", ("open", entity))
            unbounded = any(t.get("OP") in ("*", "+") for t in entity.pattern)
            reach = 0 if unbounded else len(entity.pattern)
            self.reach = 0 if not reach or not self.reach else max(self.reach, reach)
            test = first_token_test(entity.pattern[0])
            if test is None:
                self.open.add(key, [list(entity.pattern)])
                continue
            if test not in by_test:  # patterns sharing a first-word test share one Matcher
                by_test[test] = len(self.guarded)
                self.guarded.append((test, Matcher(self.nlp.vocab)))
                self._guarded_reach.append(reach)
            k = by_test[test]
            self.guarded[k][1].add(key, [list(entity.pattern)])
            if self._guarded_reach[k]:
                self._guarded_reach[k] = reach and max(self._guarded_reach[k], reach)

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
            # abbreviations written in capitals have their own id, so that only their matches
            # have their case checked ("PTX", not every "pneumothorax")
            upper = self._upper_only.intersection(forms) - plurals
            self._add_patterns(f"C:{concept_id}", ("concept", concept),
                               [f for f in forms if f not in plurals and f not in upper])
            self._add_patterns(f"P:{concept_id}", ("plural", concept), plurals)
            if upper:
                self._add_patterns(f"U:{concept_id}", ("concept", concept), upper)
                self._case_checked.add(self.nlp.vocab.strings[f"U:{concept_id}"])
        self._add_patterns("N:", ("not_entity", None), self.pack.relations.not_entities)

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
                hit = (trigger.category, trigger.direction, trigger.max_tokens,
                       trigger.ends_scopes)
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
        for group, members in groups.items():
            self._add_patterns("S:" + "+".join(group), ("struct", group), members)

    def _add_relation_phrases(self) -> None:
        for i, rule in enumerate(self.pack.relations.phrases):
            self._add_patterns(f"R:{i}", ("phrase", i), rule.phrases)

    def _dispatch_table(self) -> dict[int, tuple[int, Any]]:
        """What each PhraseMatcher id stands for, decoded once: (what, value) where a mention's
        and a trigger's value is the record to copy at the match's offsets, a mark's its roles as
        flags in ``_ROLES`` order, and a relation phrase's its index."""
        table: dict[int, tuple[int, Any]] = {}
        for match_id, (kind, value) in self.kinds.items():
            if kind in ("concept", "plural"):
                mention = Mention(0, 0, value.id, value.type, value.label, True, value.side,
                                  kind == "plural")
                checked = match_id in self._case_checked
                table[match_id] = (_CHECKED_MENTION if checked else _MENTION, mention)
            elif kind == "trigger":
                table[match_id] = (_TRIGGER, TriggerHit(0, 0, *value))
            elif kind == "struct":
                table[match_id] = (_MARK, tuple(role in value for role in _ROLES))
            elif kind == "phrase":
                table[match_id] = (_PHRASE, value)
            elif kind == "not_entity":
                table[match_id] = (_NOT_ENTITY, None)
        return table

    def match(self, doc: Doc) -> DocMatches:
        """Every mention, trigger, terminator, clause break and relation phrase in ``doc``."""
        # The PhraseMatcher reports matches sorted by (start, end) (it walks the tokens in
        # order, each match from its start token outwards; tests/extract hold it to that), so
        # every list below is built sorted by start and none needs a sort.
        matches = phrase_matches(self.phrase, doc)
        entities: list[Mention] = []
        triggers: list[TriggerHit] = []  # and stops, category "terminate"
        breaks: list[int] = []
        conjunctions: list[int] = []
        alternatives: list[int] = []
        phrases: list[PhraseHit] = []
        ends: list[int] = []
        not_entities = False
        table = self._table
        for match_id, start, end in matches:
            what, value = table[match_id]
            if what == _MENTION:
                entities.append(cast(Mention, value).at(start, end))
            elif what == _TRIGGER:
                triggers.append(cast(TriggerHit, value).at(start, end))
            elif what == _PHRASE:
                phrases.append(PhraseHit(start, end, value))
            elif what == _CHECKED_MENTION:
                if self._case_ok(doc, start, end):
                    entities.append(cast(Mention, value).at(start, end))
            elif what == _NOT_ENTITY:  # a mention of nothing: it takes its words from others
                entities.append(Mention(start, end, "", "", "", False, None, False))
                not_entities = True
            else:
                # typed, so that mypyc unpacks the roles natively, not through an iterator
                terminate, clause_break, sentence, conj, alt = cast(_Roles, value)
                if terminate:
                    triggers.append(TriggerHit(start, end, "terminate", "", None))
                if clause_break:
                    breaks.append(start)
                if sentence:
                    ends.append(end)
                if conj or alt:
                    conjunctions.append(start)
                if alt:
                    alternatives.append(start)
        sentences = _sentences(ends, len(doc))
        found = self._open_mentions(doc, sentences) if self.guarded or self._has_open else []
        # open-pattern mentions are rare (a number, a vertebra): only they need a sort
        entities = longest_first(entities + found) if found else \
            longest_first(entities, ordered=True)
        if not_entities:
            entities = [m for m in entities if m.type]
        if not triggers:  # most sentences
            return DocMatches(entities, [], [], breaks, conjunctions, alternatives, phrases,
                              sentences)
        hits: list[TriggerHit] = []
        stops: list[int] = []
        for hit in longest_first(triggers, ordered=True) if len(triggers) > 1 else triggers:
            if hit.category == "terminate":
                stops.append(hit.start)
            else:
                hits.append(hit)
        return DocMatches(entities, hits, stops, breaks, conjunctions, alternatives, phrases,
                          sentences)

    def _case_ok(self, doc: Doc, start: int, end: int) -> bool:
        """Abbreviations written in capitals ('RV', 'IJ') only match in capitals."""
        text = doc[start].text if end - start == 1 else doc[start:end].text  # no Span for one
        return text.lower() not in self._upper_only or text.isupper()

    def _windows(self, keep: Sequence[tuple[int, int]], length: int,
                 reach: int | None = None) -> list[tuple[int, int]]:
        """Token ranges that hold every match starting in ``keep``: each kept range and the
        ``reach - 1`` tokens after it, overlapping ones merged (a match depends on its own
        tokens only, so matching a window finds the same matches as matching the doc).
        ``reach``: of the patterns at hand (default: every pattern's, ``self.reach``)."""
        reach = self.reach if reach is None or not self.reach else reach
        if not reach:
            return [(0, length)]
        out: list[tuple[int, int]] = []
        for a, b in keep:
            end = min(length, b + reach - 1)
            if out and a <= out[-1][1]:
                out[-1] = (out[-1][0], max(out[-1][1], end))
            else:
                out.append((a, end))
        return out

    def _open_mentions(self, doc: Doc, ranges: list[tuple[int, int]]) -> list[Mention]:
        """Open-pattern mentions starting in ``ranges`` (sorted token ranges). A guarded Matcher
        runs only from the tokens whose word can start one of its patterns."""
        found: list[Mention] = []
        if self._has_open:
            found += self._run(self.open, doc, ranges, ranges)
        if not self.guarded or not ranges:
            return found
        starts = self._starts
        hits = starts(doc) if starts is not None else None  # the tokens whose word may start
        if not hits:  # one (a flag on the word)
            return found  # the common case: no word here can start a guarded pattern
        words = self._start_words
        flagged = [(i, bits) for _, i, _ in hits
                   if (bits := words[orth(doc, i)]) and inside(ranges, i)]
        for bit, (_, matcher) in enumerate(self.guarded):
            starts = [(i, i + 1) for i, bits in flagged if bits >> bit & 1]
            if starts:
                found += self._run(matcher, doc, ranges, starts, self._guarded_reach[bit])
        return found

    def _run(self, matcher: Any, doc: Doc, ranges: list[tuple[int, int]],
             starts: list[tuple[int, int]], reach: int | None = None) -> list[Mention]:
        """Mentions of a token Matcher's matches starting in ``ranges``, found in the windows
        of ``starts`` (token ranges holding every token a match may start from; ``reach``: of
        the Matcher's patterns; the Matcher answers in offsets into the span it is given)."""
        length = len(doc)
        found = []
        for x, y in self._windows(starts, length, reach):
            for match_id, start, end in matcher(doc[x:y] if y - x < length else doc):
                start, end = start + x, end + x
                if not inside(ranges, start):
                    continue  # in the window, but it starts in no range: not ours
                entity = self.kinds[match_id][1]
                words = normalise(doc[start:end].text)
                found.append(Mention(start, end, words, entity.type, words, False, None))
        return found


def _sentences(ends: list[int], length: int) -> list[tuple[int, int]]:
    """Token ranges of the sentences, given the token index just after each sentence end."""
    if not ends or ends == [length]:
        return [(0, length)] if length else []  # one sentence (a sentence cached on its own)
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
