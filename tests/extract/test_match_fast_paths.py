"""The fast paths of matching, ConText and relation rules give what the plain algorithms give."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgjudge.domain import load_pack
from kgjudge.extract import get_extractor
from kgjudge.extract.context import Scope, assert_mentions
from kgjudge.extract.guards import first_token_test, start_flag
from kgjudge.extract.pipeline import (
    DocMatches,
    Mention,
    PhraseHit,
    TriggerHit,
    build_nlp,
    longest_first,
)
from kgjudge.extract.relations import Relation
from kgjudge.extract.spans import starting_in

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

#: Words that start, continue or merely resemble the radiology pack's open patterns.
WORDS = ["3", "4", "2.5", "1/2", "two", "second", "7th", "T11", "L2", "c6", "x", "by", "mm", "cm",
         "-", "to", "through", "%", "3x4", "none", "bone", "posterior", "rib", "nodule", ".", ",",
         "No", "effusion", "left", "RV", "twofold", "T-12", "11th", "\n\n"]
word_texts = st.lists(st.sampled_from(WORDS), max_size=30).map(" ".join)


@pytest.fixture(scope="module")
def radiology():  # noqa: ANN201
    return get_extractor(load_pack("radiology"), "rules")


def test_records_compare_hash_and_print_by_their_fields() -> None:
    m = Mention(0, 2, "k", "anatomy", "K")
    assert (m.in_ontology, m.side, m.bilateral) == (True, None, False)
    assert Mention(0, 2, "k", "anatomy", "K", True, "left", True).side == "left"
    assert m == Mention(0, 2, "k", "anatomy", "K") and hash(m) == hash(Mention(0, 2, "k",
                                                                                 "anatomy", "K"))
    assert m != Mention(0, 2, "k", "anatomy", "K", side="left")
    assert PhraseHit(0, 1, 2) != Relation(0, "r", 1, 0, 1) and PhraseHit(0, 1, 2) != (0, 1, 2)
    assert m.at(3, 5) == Mention(3, 5, "k", "anatomy", "K")
    assert repr(m).startswith("Mention(start=0, end=2, key='k', type='anatomy'")
    trigger = TriggerHit(0, 1, "negated", "forward", None)
    assert trigger.at(4, 6).values() == (4, 6, "negated", "forward", None, True)
    for record in (m, trigger, PhraseHit(0, 1, 2), Relation(0, "modify", 1, 0, 3),
                   Scope(1, 4, trigger)):
        assert record == type(record)(*record.values())
        with pytest.raises(AttributeError):
            record.other = 5  # type: ignore[attr-defined]  # slots: no stray attributes


def _plain_longest_first(spans):  # noqa: ANN001, ANN202 - the textbook algorithm
    chosen, taken = [], set()
    for span in sorted(spans, key=lambda s: (s.start - s.end, s.start)):
        if not taken.intersection(range(span.start, span.end)):
            taken.update(range(span.start, span.end))
            chosen.append(span)
    return sorted(chosen, key=lambda s: s.start)


spans = st.lists(st.tuples(st.integers(0, 15), st.integers(1, 5), st.integers(0, 3)),
                 max_size=12).map(lambda xs: [PhraseHit(a, a + n, tag) for a, n, tag in xs])


@SETTINGS
@given(spans=spans)
def test_longest_first_in_overlapping_runs_is_the_global_greedy_choice(spans) -> None:  # noqa: ANN001
    assert longest_first(iter(spans)) == _plain_longest_first(spans)
    ordered = sorted(spans, key=lambda s: s.start)  # the no-sort path, on spans sorted by start
    assert longest_first(ordered, ordered=True) == _plain_longest_first(spans)


@SETTINGS
@given(text=word_texts)
def test_phrase_matches_come_sorted_by_start_then_end(radiology, text: str) -> None:  # noqa: ANN001
    """PackMatcher.match builds its lists in the PhraseMatcher's order and sorts none of them."""
    matches = radiology.matcher.phrase(radiology.nlp.make_doc(f"No left {text} effusion or"))
    spans = [(start, end) for _, start, end in matches]
    assert spans == sorted(spans)
    found = radiology.matcher.match(radiology.nlp.make_doc(f"No left {text} effusion or"))
    for name in ("breaks", "conjunctions", "alternatives", "terminators"):
        assert getattr(found, name) == sorted(getattr(found, name))
    for name in ("mentions", "triggers", "phrases"):
        starts = [hit.start for hit in getattr(found, name)]
        assert starts == sorted(starts)


def test_first_token_tests_have_no_shortcut_for_optional_or_negated_tokens() -> None:
    for op in ("?", "*", "!"):
        assert first_token_test({"LIKE_NUM": True, "OP": op}) is None
    assert first_token_test({"POS": "NUM"}) is None  # not a word attribute
    assert first_token_test({"LIKE_NUM": True}) is first_token_test({"LIKE_NUM": True})


def _reference_open(extractor, doc):  # noqa: ANN001, ANN202 - every open pattern, unguarded
    from spacy.matcher import Matcher

    matcher = Matcher(extractor.nlp.vocab)
    for i, entity in enumerate(extractor.pack.relations.entities):
        matcher.add(f"ref:{i}", [list(entity.pattern)])
    return sorted((start, end) for _, start, end in matcher(doc))


@SETTINGS
@given(text=word_texts)
def test_guarded_matchers_find_every_open_match(radiology, text: str) -> None:  # noqa: ANN001
    doc = radiology.nlp.make_doc(text)
    found = radiology.matcher._open_mentions(doc, [(0, len(doc))] if len(doc) else [])
    assert sorted((m.start, m.end) for m in found) == _reference_open(radiology, doc)


def test_the_start_flag_marks_exactly_the_words_passing_a_test(radiology) -> None:  # noqa: ANN001
    """The flag is worked out from the text while a Lexeme is made; StartWords from the Lexeme."""
    nlp, matcher = radiology.nlp, radiology.matcher

    def flagged(text: str) -> tuple[list[int], list[int]]:
        doc = nlp.make_doc(text)
        return ([i for _, i, _ in matcher._starts(doc)],
                [i for i, token in enumerate(doc) if matcher._start_words[token.orth]])

    known = flagged("T11 3 cm, 7th rib x 2.5 none twenty L2-L4 bone")
    assert known[0] == known[1] and 0 < len(known[0]) < 12
    with nlp.memory_zone():  # words never seen: their Lexemes are made here, and freed after
        new = flagged("T9 9173 mm 23rd qqz8812 ninety-one 4x7 sixty kgj1x")
        assert new[0] == new[1] and 0 < len(new[0]) < 9
    assert flagged("9173 qqz8812 kgj1x") == ([0], [0])  # made again after the zone


@given(starts=st.lists(st.integers(0, 30), max_size=12),
       bounds=st.lists(st.integers(0, 32), min_size=2, max_size=6))
def test_starting_in_slices_a_sentence_as_a_plain_filter_does(starts, bounds) -> None:  # noqa: ANN001
    """Both paths (every item in the sentence, bisection over starts made on first need)."""
    items = [PhraseHit(s, s + 1, i) for i, s in enumerate(sorted(starts))]
    kept: list[int] = []  # kept across the sentences of one document, as callers keep it
    edges = sorted(set(bounds))
    for begin, end in zip(edges, edges[1:], strict=False):
        lo, hi = starting_in(items, kept, begin, end)
        assert items[lo:hi] == [item for item in items if begin <= item.start < end]
    if items:
        assert starting_in(items, [], items[0].start, items[-1].start + 1) == (0, len(items))


def test_start_flags_run_out_with_a_clear_error() -> None:
    """Each PackMatcher on a vocabulary takes one of its lexeme flags; when none is left the
    error says what to do, rather than max() of an empty set."""
    vocab = build_nlp(load_pack("radiology")).vocab  # spaCy's own flags partly left unset
    test = first_token_test({"LIKE_NUM": True})
    own = set(vocab.lex_attr_getters)
    with pytest.raises(RuntimeError, match="no free lexeme flag left"):
        for _ in range(64):
            start_flag(vocab, [test])
    taken = set(vocab.lex_attr_getters) - own
    assert len(taken) > 30  # one new flag each call, none of spaCy's own (IS_ALPHA 1 ... 18)
    assert taken <= set(range(19, 64))


@SETTINGS
@given(text=word_texts)
def test_a_sentence_matched_alone_matches_as_in_its_document(radiology, text: str) -> None:  # noqa: ANN001
    """The path of an uncached piece: a sentence tokenised and matched on its own."""
    matcher, doc = radiology.matcher, radiology.nlp.make_doc(text)
    whole = matcher.match(doc)
    for a, b in whole.sentences:
        piece = doc[a:b].text
        alone = matcher.match(radiology.nlp.make_doc(piece))
        inside = [m for m in whole.mentions if a <= m.start < b]
        if all(m.end <= b for m in inside) and len(radiology.nlp.make_doc(piece)) == b - a:
            assert [m.at(m.start - a, m.end - a) for m in inside] == alone.mentions


def test_no_trigger_means_everything_present() -> None:
    mentions = [Mention(0, 1, "a", "observation", "a"), Mention(2, 3, "b", "anatomy", "b")]
    found = DocMatches(mentions=mentions, sentences=[(0, 4)])
    asserted = assert_mentions(mentions, found, max_tokens=5, asserted_types=frozenset(
        {"observation"}))
    assert asserted == [(m, "present", False) for m in mentions]


def test_a_trigger_scopes_over_a_mention_and_its_own_span() -> None:
    no = TriggerHit(0, 1, "negated", "forward", None)
    mentions = [Mention(1, 2, "effusion", "observation", "effusion"),
                Mention(0, 1, "no", "observation", "no"),  # inside the trigger itself
                Mention(5, 6, "far", "observation", "far")]
    found = DocMatches(triggers=[no], sentences=[(0, 7)])
    asserted = assert_mentions(mentions, found, max_tokens=3,
                               asserted_types=frozenset({"observation"}))
    assert [a for _, a, _ in asserted] == ["absent", "absent", "present"]


def test_relations_need_two_mentions(rules) -> None:  # noqa: ANN001
    relations = rules.builder.relations
    lone = [Mention(0, 1, "x", "modifier", "x")]
    assert list(relations.find(lone, DocMatches(mentions=lone, sentences=[(0, 3)]))) == []
    text = "Small left pleural effusion."
    found = rules.matcher.match(rules.nlp.make_doc(text))
    assert {r.relation for r in relations.find(found.mentions, found)} >= {"modify"}


def test_word_tests_read_a_word_as_its_lexeme_does() -> None:
    """A start word is worked out from its text, before its Lexeme exists: the language's own
    attribute getter for LIKE_NUM / IS_DIGIT, the pattern's regex for the rest (on a bare
    pipeline's vocabulary: the radiology one leaves IS_DIGIT unset, as no rule of it reads it)."""
    import spacy

    vocab = spacy.blank("en").vocab
    like_num = first_token_test({"LIKE_NUM": True}).bind(vocab)
    is_digit = first_token_test({"IS_DIGIT": True}).bind(vocab)
    level = first_token_test({"TEXT": {"REGEX": "^[TtLlCc](1[0-2]|[1-9])$"}}).bind(vocab)
    for word in WORDS:
        assert bool(like_num(word)) == vocab[word].like_num, word
        assert bool(is_digit(word)) == vocab[word].is_digit, word
    assert [w for w in WORDS if level(w)] == ["T11", "L2", "c6"]


def test_only_abbreviations_written_in_capitals_have_their_case_checked(radiology) -> None:  # noqa: ANN001
    """'PTX' and 'RUL' match in capitals only; the same concepts' words match in any case."""
    def keys(text: str) -> list[str]:
        return [m.key for m in radiology.matcher.match(radiology.nlp.make_doc(text)).mentions]

    assert keys("PTX in the RUL") == ["pneumothorax", "right_upper_lobe"]
    assert keys("ptx in the rul") == []
    assert keys("PNEUMOTHORAX in the Right Upper Lobe") == ["pneumothorax", "right_upper_lobe"]
