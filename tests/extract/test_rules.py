"""The rules extractor on the small test pack: the issue's reference sentence and each rule."""

import pytest

from kgjudge.errors import ConfigError
from kgjudge.extract import Extractor, get_extractor
from kgjudge.graph import ReportGraph

REFERENCE = ("There is a small left pleural effusion. No pneumothorax. Possible consolidation in "
             "the left lower lobe, which may represent pneumonia.")


def keys(graph: ReportGraph) -> dict[str, str]:
    """key -> assertion (one assertion per key in these tests)."""
    return {n.key: n.assertion for n in graph.nodes()}


def edges(graph: ReportGraph) -> set[tuple[str, str, str]]:
    return {(e.source.split("|")[0], e.relation, e.target.split("|")[0]) for e in graph.edges()}


def test_reference_behaviour(rules) -> None:
    g = rules.extract(REFERENCE)
    assert keys(g) == {"small": "present", "left": "present", "pleura": "present",
                       "effusion": "present", "pneumothorax": "absent",
                       "consolidation": "uncertain", "left_lower_lobe": "present",
                       "pneumonia": "uncertain"}
    assert edges(g) == {("small", "modify", "effusion"), ("left", "modify", "pleura"),
                        ("effusion", "located_at", "pleura"),
                        ("consolidation", "located_at", "left_lower_lobe"),
                        ("consolidation", "suggestive_of", "pneumonia")}


def test_is_an_extractor_and_named(rules) -> None:
    assert isinstance(rules, Extractor)
    assert rules.name == "rules"


def test_unknown_extractor_names_the_known_ones(pack) -> None:
    with pytest.raises(ConfigError, match="rule.*known: rules, spacy, llm"):
        get_extractor(pack, "rule")


@pytest.mark.parametrize(("text", "key", "assertion"), [
    ("Pneumothorax is not seen.", "pneumothorax", "absent"),          # backward trigger
    ("The effusion has resolved.", "effusion", "absent"),
    ("Pneumonia cannot be excluded.", "pneumonia", "uncertain"),      # longer than "not"
    ("Cannot exclude pneumonia.", "pneumonia", "uncertain"),
    ("No change in the nodule.", "nodule", "present"),               # pseudo trigger
    ("No effusion; atelectasis.", "atelectasis", "present"),         # terminator
    ("No effusion, otherwise atelectasis.", "atelectasis", "present"),  # terminate trigger
    ("No effusion, pneumothorax, or consolidation.", "consolidation", "absent"),
    ("No effusion. Atelectasis.", "atelectasis", "present"),         # sentence end
    ("Without focal consolidation.", "consolidation", "absent"),
    ("Negative for pneumothorax.", "pneumothorax", "absent"),
    ("No pneumothorax, possible effusion.", "effusion", "uncertain"),  # other category ends scope
    ("No pneumothorax, possible effusion.", "pneumothorax", "absent"),
])
def test_context_assertions(rules, text: str, key: str, assertion: str) -> None:
    assert keys(rules.extract(text))[key] == assertion


def test_scope_window_limits_forward_reach(rules) -> None:
    filler = " ".join(["the lung"] * 8)
    g = rules.extract(f"No {filler} atelectasis.")
    assert keys(g)["atelectasis"] == "present"


def test_history_is_present_and_historical(rules) -> None:
    g = rules.extract("History of pneumonia.")
    (node,) = [n for n in g.nodes() if n.key == "pneumonia"]
    assert node.assertion == "present" and node.historical


def test_anatomy_and_modifiers_keep_present_under_negation(rules) -> None:
    g = rules.extract("No left pleural effusion.")
    assert keys(g) == {"left": "present", "pleura": "present", "effusion": "absent"}
    assert ("effusion", "located_at", "pleura") in edges(g)


def test_case_plurals_and_abbreviations(rules) -> None:
    g = rules.extract("PNEUMOTHORACES. Nodules in the LLL. rv is not an abbreviation here; RV.")
    assert {"pneumothorax", "nodule", "left_lower_lobe", "right_ventricle"} <= set(keys(g))
    (rv,) = [n for n in g.nodes() if n.key == "right_ventricle"]
    assert len(rv.spans) == 1  # lower-case "rv" is not the abbreviation


def test_longest_match_wins(rules) -> None:
    g = rules.extract("Opacity in the left lower lobe.")
    assert "left_lower_lobe" in keys(g)
    assert not {"left", "lower_lobe"} & set(keys(g))


def test_measurements_are_nodes_that_modify(rules) -> None:
    text = "A 4 x 5 cm nodule. Nodule measuring 3 mm."
    g = rules.extract(text)
    measurements = {n.key for n in g.nodes() if n.type == "measurement"}
    assert measurements == {"4 x 5 cm", "3 mm"}
    assert {("4 x 5 cm", "modify", "nodule"), ("3 mm", "modify", "nodule")} <= edges(g)
    assert all(not n.in_ontology for n in g.nodes() if n.type == "measurement")


@pytest.mark.parametrize(("text", "expected"), [
    ("Opacity in the right lower lobe and atelectasis in the left lower lobe.",
     {("opacity", "located_at", "right_lower_lobe"),
      ("atelectasis", "located_at", "left_lower_lobe")}),
    ("The heart is mildly enlarged.",
     {("enlargement", "located_at", "heart"), ("mild", "modify", "enlargement")}),
    ("Bibasilar atelectasis.", {("atelectasis", "located_at", "lung_base")}),
    ("Opacity consistent with pneumonia.", {("opacity", "suggestive_of", "pneumonia")}),
    ("The effusion is small.", {("small", "modify", "effusion")}),
    ("Calcified granuloma in the right lower lobe, unchanged.",
     {("calcified", "modify", "granuloma"), ("granuloma", "located_at", "right_lower_lobe")}),
])
def test_relations(rules, text: str, expected: set) -> None:
    assert edges(rules.extract(text)) == expected


def test_evidence_and_spans_index_the_text(rules) -> None:
    g = rules.extract(REFERENCE)
    for node in g.nodes():
        for a, b in node.spans:
            assert REFERENCE[a:b].lower() in {node.label.lower(), "pleural", "left lower lobe"}
    for edge in g.edges():
        assert edge.evidence is not None
        a, b = edge.evidence
        assert 0 <= a < b <= len(REFERENCE)


def test_extract_many_streams_in_order(rules) -> None:
    texts = ["No pneumothorax.", "", "Small effusion.", "Pneumonia."]
    graphs = list(rules.extract_many(iter(texts)))
    assert [g.text for g in graphs] == texts
    assert [sorted(keys(g)) for g in graphs] == [sorted(keys(rules.extract(t))) for t in texts]
    assert len(graphs[1]) == 0


def test_doc_id_is_kept(rules) -> None:
    assert rules.extract("Effusion.", doc_id="r7").doc_id == "r7"


@pytest.mark.parametrize(("text", "expected"), [
    # plural paired anatomy where a finding is located reads as bilateral
    ("Opacities in the lung bases.", {("opacity", "located_at", "lung_base"),
                                      ("bilateral", "modify", "lung_base")}),
    ("Opacity in the lung base.", {("opacity", "located_at", "lung_base")}),
    ("The lungs are clear.", set()),
    # an anatomy-only clause after a finding locates it; other words make it no apposition
    ("Old nodule, right lower lobe.", {("nodule", "located_at", "right_lower_lobe")}),
    ("No effusion, heart normal.", set()),
    # a differential shares a sided place; a negated list does not share an unsided one
    ("Right lower lobe atelectasis or opacity.",
     {("atelectasis", "located_at", "right_lower_lobe"),
      ("opacity", "located_at", "right_lower_lobe")}),
    ("No pleural effusion or pneumothorax.", {("effusion", "located_at", "pleura")}),
    ("Atelectasis or opacity in the left lower lobe.",
     {("atelectasis", "located_at", "left_lower_lobe"),
      ("opacity", "located_at", "left_lower_lobe")}),
    ("Mild atelectasis or opacity.", {("mild", "modify", "atelectasis"),
                                      ("mild", "modify", "opacity")}),
    ("A tube 4 cm above the heart.", {("4 cm", "modify", "tube"),
                                      ("tube", "located_at", "heart")}),
])
def test_more_relations(rules, text: str, expected: set) -> None:
    assert edges(rules.extract(text)) == expected


def test_a_mention_inside_its_trigger_is_governed_by_it(rules) -> None:
    assert keys(rules.extract("The heart is not enlarged."))["enlargement"] == "absent"


def test_history_does_not_end_a_negation(rules) -> None:
    (node,) = rules.extract("No prior pneumonia.").nodes()
    assert (node.key, node.assertion, node.historical) == ("pneumonia", "absent", True)


def test_bilateral_sides_across_sentences(rules) -> None:
    """Plural paired anatomy reads as bilateral wherever the (merged) anatomy node has a finding
    located at it, also from another sentence; the side node merges with a "bilateral" said
    outright and keeps its place, and its modify edge is kept once, with the first evidence."""
    text = ("Opacities in the lung bases. Bilateral effusion. The lung bases are clear. "
            "Nodules in the lung bases.")
    g = rules.extract(text)
    assert [n.key for n in g.nodes()] == ["opacity", "lung_base", "bilateral", "effusion",
                                          "nodule"]
    assert g.node("bilateral|present").spans == ((17, 27), (29, 38), (53, 63), (90, 100))
    assert [(e.source.split("|")[0], e.relation, e.target.split("|")[0], e.evidence)
            for e in g.edges()] == [
        ("opacity", "located_at", "lung_base", (0, 27)),
        ("bilateral", "modify", "effusion", (29, 47)),
        ("bilateral", "modify", "lung_base", (17, 27)),
        ("nodule", "located_at", "lung_base", (75, 100)),
    ]
    assert "bilateral|present" not in rules.extract("The lung bases are clear.")
