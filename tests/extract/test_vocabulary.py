"""The rules extractor's vocabulary works out the lexical attributes its pack's rules read, and
only those (pipeline.build_nlp): fewer Python calls per new word, the same matches."""

import shutil
from pathlib import Path

from spacy.attrs import IDS

from kgjudge.domain import load_pack
from kgjudge.extract import get_extractor
from kgjudge.extract.pipeline import build_nlp, lexical_attributes

PACK = Path(__file__).parent / "pack"


def names(attributes) -> set[str]:  # noqa: ANN001
    return {name for name, i in IDS.items() if i in attributes and not name.startswith("FLAG")}


def test_the_vocabulary_works_out_what_the_rules_read() -> None:
    pack = load_pack("radiology")
    # LOWER for the PhraseMatcher; the open patterns (measurements, vertebrae) test LIKE_NUM
    # besides LOWER, ORTH and TEXT (the word itself: no getter)
    assert names(lexical_attributes(pack)) == {"LOWER", "LIKE_NUM", "ORTH"}
    vocab = get_extractor(pack, "rules").nlp.vocab
    assert names(set(vocab.lex_attr_getters)) == {"LOWER", "LIKE_NUM"}
    word, number = vocab["Kerleyish"], vocab["12"]  # words it has not seen
    assert (word.lower_, word.like_num, number.like_num) == ("kerleyish", False, True)
    assert word.shape_ == "" and not word.is_title  # not worked out: no rule reads them
    bare = build_nlp(pack).vocab
    assert names(set(bare.lex_attr_getters)) == {"LOWER", "LIKE_NUM"}


def test_an_attribute_an_open_pattern_tests_is_worked_out(tmp_path: Path) -> None:
    """A pack whose open pattern tests IS_TITLE gets it: a capitalised word before "sign"."""
    folder = tmp_path / "pack"
    shutil.copytree(PACK, folder)
    relations = folder / "relations.toml"
    relations.write_text(relations.read_text(encoding="utf-8") + """
[[entities]]
type = "observation"
label = "eponymous sign"
pattern = [{IS_TITLE = true}, {LOWER = "sign"}]
""", encoding="utf-8")
    pack = load_pack(folder)
    assert "IS_TITLE" in names(lexical_attributes(pack))
    rules = get_extractor(pack, "rules")
    keys = {n.key for n in rules.extract("Westermark sign in the left lung.").nodes()}
    assert "westermark sign" in keys
    keys = {n.key for n in rules.extract("the sign of effusion.").nodes()}
    assert not any(key.endswith(" sign") for key in keys)
