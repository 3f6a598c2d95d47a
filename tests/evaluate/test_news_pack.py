"""The news pack validates and reads cased articles and lower-cased tokenised summaries alike."""

import functools

from kgjudge.cli import main
from kgjudge.domain import load_pack
from kgjudge.extract import get_extractor

CASED = ("Police arrested two men in Baltimore on Monday after the shooting of a 23-year-old "
         "woman, officials said. The British government paid $2.5 million.")
TOKENISED = ("police arrested two men in baltimore on monday after the shooting of a 23-year-old "
             "woman , officials said . the british government paid $ 2.5 million .")


@functools.cache
def extractor():  # noqa: ANN201 - built once: the matcher for the whole ontology takes seconds
    return get_extractor(load_pack("news"))


def keys(text: str) -> dict[str, str]:
    graph = extractor().extract(text)
    return {n.key: n.type for n in graph.nodes()}


def test_news_pack_validates(capsys) -> None:
    assert main(["domains", "validate", "news"]) == 0


def test_cased_and_tokenised_text_give_the_same_nodes() -> None:
    cased, tokenised = keys(CASED), keys(TOKENISED)
    assert cased == tokenised
    assert cased["arrest"] == "event" and cased["shooting"] == "event"
    assert cased["police"] == "person" and cased["official"] == "person"
    assert cased["baltimore"] == "place" and cased["government"] == "organisation"
    assert cased["monday"] == "date"
    assert cased["2.5 million"] == "quantity" and cased["23"] == "quantity"
    assert cased["british"] == "thing"  # outside the ontology, still a node
    assert "said" not in cased and "the" not in cased


def test_news_relations_link_events_places_and_quantities() -> None:
    graph = extractor().extract(
        "A gunman killed 12 people in Paris on Wednesday.")
    edges = {(e.source.split("|")[0], e.relation, e.target.split("|")[0]) for e in graph.edges()}
    assert any(r == "located_at" and t == "paris" for _, r, t in edges)
    assert any(r == "modify" and s == "12" for s, r, _ in edges)


def test_negation_marks_a_fact_absent() -> None:
    graph = extractor().extract("The suspect was not arrested.")
    assert {n.key: n.assertion for n in graph.nodes()}["arrest"] == "absent"


def test_kg_judge_ranks_the_paraphrase_above_the_changed_facts() -> None:
    from pathlib import Path

    from kgjudge.compare import compare_with_pack
    from kgjudge.judge import Case, Pair, get_judge

    pack = load_pack("news")
    judge = get_judge("kg", pack)
    examples = Path(pack.path) / "examples"
    expected = {}
    for name in ("harbour_fire", "court_fine"):
        ref = (examples / "references" / f"{name}.txt").read_text()
        cand = (examples / "candidates" / f"{name}.txt").read_text()
        comparison = compare_with_pack(extractor().extract(ref), extractor().extract(cand), pack)
        expected[name] = judge.judge(Case(Pair(name, ref, cand), pack.rubric("consistency"),
                                          comparison, "news")).expected_score
    assert expected["harbour_fire"] > expected["court_fine"] + 1
