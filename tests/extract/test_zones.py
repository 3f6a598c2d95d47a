"""Long runs keep spaCy's vocabulary bounded: past a warm-up, new words are read inside rotating
memory zones."""

from kgjudge.extract import get_extractor
from kgjudge.extract.guards import StartWords, WordTest
from kgjudge.extract.zones import VocabZones


def _reports(n: int) -> list[str]:
    # every report brings words never seen before (as numbers, dates and typos do)
    return [f"Small left pleural effusion qzx{i}. No pneumothorax since {i}/{i + 1}."
            for i in range(n)]


def test_words_first_seen_in_a_zone_are_freed_and_graphs_do_not_change(pack) -> None:  # noqa: ANN001
    zoned = get_extractor(pack, "rules", document_cache_size=0)
    zoned._zones = VocabZones(zoned.nlp, warm=20, span=50)  # in strings
    plain = get_extractor(pack, "rules", document_cache_size=0)
    plain._zones = VocabZones(plain.nlp, span=0)  # never a zone
    texts = _reports(600)
    before = (len(zoned.nlp.vocab.strings), len(plain.nlp.vocab.strings))
    for text in texts:
        assert zoned.extract(text).to_json() == plain.extract(text).to_json()
    zoned_growth = len(zoned.nlp.vocab.strings) - before[0]
    plain_growth = len(plain.nlp.vocab.strings) - before[1]
    assert plain_growth >= 600  # every report left its new words behind
    # a piece here brings at most 4 new strings, and a budget is checked before each piece: the
    # warm-up's strings and one open zone's at most, each over by one piece's at most
    assert zoned_growth <= (20 + 4) + (50 + 4)
    zoned._zones.close()
    assert len(zoned.nlp.vocab.strings) - before[0] <= 20 + 4


def test_start_words_start_over_past_their_limit(rules) -> None:  # noqa: ANN001
    vocab = rules.nlp.vocab
    words = StartWords(vocab, [WordTest(attr="LIKE_NUM")], limit=3)
    orths = [vocab.strings.add(w) for w in ("1", "a", "2", "b", "3")]
    assert [words[o] for o in orths] == [1, 0, 1, 0, 1]
    assert len(words) <= 3


def test_no_zone_until_the_warm_up_strings_are_spent(pack) -> None:  # noqa: ANN001
    # inside a zone spaCy caches no tokenizer chunk: a run whose vocabulary stays within the
    # warm-up keeps every word it read, as a run without zones does
    default = get_extractor(pack, "rules", document_cache_size=0)
    start = len(default.nlp.vocab.strings)
    for text in _reports(300):
        default.extract(text)
    grown = len(default.nlp.vocab.strings) - start
    assert 300 <= grown <= default._zones.warm and default._zones._zone is None
    small = get_extractor(pack, "rules", document_cache_size=0)
    small._zones = VocabZones(small.nlp, warm=grown // 2, span=10_000)
    for text in _reports(300):
        small.extract(text)
    assert small._zones._zone is not None  # past its warm-up, reading in a zone
