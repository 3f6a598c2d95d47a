"""Three pack settings that say how wording is read, each on a copy of the test pack, with and
without the setting: pseudo triggers that do not end scopes, part concepts, not_entities."""

import shutil
from pathlib import Path

import pytest

from kgjudge.domain import load_pack
from kgjudge.extract import get_extractor

PACK = Path(__file__).parent / "pack"


def extractor(tmp_path: Path, *, context: str = "", scope: str = "", relations: str = "",  # noqa: ANN202
              ontology: str = ""):
    """The rules extractor of a copy of the test pack with text appended to its files
    (``scope`` goes into context.toml's [scope]; ``relations`` goes first: a top-level key
    must come before the file's tables)."""
    folder = tmp_path / "pack"
    shutil.copytree(PACK, folder)
    for name, extra in (("context.toml", context), ("ontology.ttl", ontology)):
        path = folder / name
        path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")
    path = folder / "context.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("[scope]\n", f"[scope]\n{scope}", 1),
                    encoding="utf-8")
    path = folder / "relations.toml"
    path.write_text(relations + path.read_text(encoding="utf-8"), encoding="utf-8")
    return get_extractor(load_pack(folder), "rules")


def assertions(graph) -> dict[str, str]:  # noqa: ANN001
    return {n.key: n.assertion for n in graph.nodes()}


def trigger_group(category: str, phrase: str, ends_scopes: str) -> str:
    """A context.toml trigger group of one forward phrase (``ends_scopes``: "true"/"false")."""
    return f"""
[[triggers]]
category = "{category}"
direction = "forward"
ends_scopes = {ends_scopes}
phrases = ["{phrase}"]
"""


@pytest.mark.parametrize(("ends", "expected"), [("true", "present"), ("false", "absent")])
def test_a_pseudo_trigger_ends_scopes_unless_told_not_to(tmp_path: Path, ends: str,
                                                         expected: str) -> None:
    rules = extractor(tmp_path, context=trigger_group("pseudo", "previously seen", ends))
    graph = rules.extract("No previously seen opacity.")
    assert assertions(graph)["opacity"] == expected


def test_no_change_still_ends_a_negation(tmp_path: Path) -> None:
    """The pack's own pseudo group ends scopes by default: the effusion after it is present."""
    rules = extractor(tmp_path, context=trigger_group("pseudo", "previously seen", "false"))
    graph = rules.extract("No pneumothorax, no change in the small effusion.")
    assert assertions(graph) == {"pneumothorax": "absent", "small": "present",
                                 "effusion": "present"}


TIP = """
:tip a skos:Concept ; kgj:entityType "modifier" ; skos:prefLabel "tip" .
"""


@pytest.mark.parametrize("text", ["The tip of the tube is not seen.",
                                  "Tube in place, tip not seen.",
                                  "The tube tip is not seen."])
def test_a_backward_negation_of_a_part_leaves_the_whole_present(tmp_path: Path,
                                                               text: str) -> None:
    without = extractor(tmp_path / "without", ontology=TIP)
    assert assertions(without.extract(text))["tube"] == "absent"
    rules = extractor(tmp_path / "with", ontology=TIP, scope='parts = ["tip"]\n')
    assert rules.pack.context.parts == frozenset({"tip"})
    graph = rules.extract(text)
    assert assertions(graph)["tube"] == "present"
    assert assertions(graph)["tip"] == "present"
    # a part elsewhere in the sentence does not shield what a trigger negates on its own
    assert assertions(rules.extract("The tube is not seen."))["tube"] == "absent"
    assert assertions(rules.extract("No tube. The tip is not seen."))["tube"] == "absent"


NOT_ENTITIES = 'not_entities = ["left lateral decubitus"]\n'


def test_not_entities_take_their_words_from_the_lexicon(tmp_path: Path) -> None:
    text = "Small right pneumothorax seen on the left lateral decubitus view."
    without = extractor(tmp_path / "without")
    assert "left" in assertions(without.extract(text))
    rules = extractor(tmp_path / "with", relations=NOT_ENTITIES)
    graph = rules.extract(text)
    assert assertions(graph) == {"small": "present", "right": "present",
                                 "pneumothorax": "present"}
    spans = {n.key: n.spans for n in graph.nodes()}
    assert text[slice(*spans["right"][0])] == "right"
    # elsewhere the same words are read as ever
    assert "left" in assertions(rules.extract("Small left effusion."))


@pytest.mark.parametrize(("ends", "expected"), [("true", "uncertain"), ("false", "absent")])
def test_a_hedge_inside_a_negation_is_negated(tmp_path: Path, ends: str, expected: str) -> None:
    """'No opacity to suggest pneumonia': nothing suggests it. The hedge must reach into the
    negation's scope (ends_scopes = false) for the negation to reach past it."""
    rules = extractor(tmp_path, context=trigger_group("uncertain", "to suggest", ends))
    graph = rules.extract("No opacity to suggest pneumonia.")
    assert assertions(graph) == {"opacity": "absent", "pneumonia": expected}
    # a hedge of its own after a negation keeps its uncertainty (its group ends scopes)
    graph = rules.extract("No effusion, possible pneumonia.")
    assert assertions(graph) == {"effusion": "absent", "pneumonia": "uncertain"}
    # and a hedge outside any negation is a hedge
    assert assertions(rules.extract("Opacity to suggest pneumonia."))["pneumonia"] == "uncertain"
