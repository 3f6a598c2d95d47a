"""Synthetic pairs: each edit kind shows in the GraphDiff; unexplained differences are refused;
target scores follow the documented mapping."""

from __future__ import annotations

import pytest

from kgjudge.train.recipe import SyntheticSettings
from kgjudge.train.synthetic import Perturber, Plan, apply, sentences, verify
from kgjudge.train.targets import relevance, score_for, synthetic_rationale

REFERENCE = ("Small left pleural effusion. No pneumothorax. The heart is enlarged. "
             "A 2 cm nodule in the right lower lobe. Moderate atelectasis. Tube in place.")


@pytest.fixture(scope="module")
def perturber(pack, pipeline):  # noqa: ANN001, ANN201
    return Perturber(pack, pipeline, SyntheticSettings(per_reference=40), seed=1)


@pytest.fixture(scope="module")
def singles(perturber, pipeline):  # noqa: ANN001, ANN201
    graph = pipeline.reference_graph(REFERENCE)
    out = {}
    for plan in perturber.plan(REFERENCE, graph):
        variant = perturber.realise(REFERENCE, graph, [plan])
        if variant is not None:
            out.setdefault(plan.kind, []).append(variant)
    return out


def test_sentences_keep_decimals_inside() -> None:
    text = "A 2.5 cm nodule. No effusion.\nTube in place"
    assert [text[s:e].strip() for s, e in sentences(text)] == [
        "A 2.5 cm nodule.", "No effusion.", "Tube in place"]


@pytest.mark.parametrize("kind, expected", [
    ("drop_finding", "missing"), ("flip_assertion", "contradicted"),
    ("swap_side", "relation_mismatch"), ("change_size", "relation_mismatch"),
    ("change_modifier", "relation_mismatch"), ("add_finding", "extra"),
    ("add_device", "extra"),
])
def test_each_edit_kind_is_confirmed_by_the_diff(singles, kind: str, expected: str) -> None:  # noqa: ANN001
    assert singles.get(kind), f"no verified {kind} variant; planned kinds: {sorted(singles)}"
    for variant in singles[kind]:
        kinds = {i.kind for i in variant.comparison.diff.items if i.is_finding}
        assert expected in kinds
        assert variant.candidate != variant.reference
        assert variant.edits


def test_flips_go_both_ways(singles) -> None:  # noqa: ANN001
    flips = [e for v in singles["flip_assertion"] for e in v.edits]
    assert {(e.reference_assertion, e.candidate_assertion) for e in flips} >= {
        ("present", "absent"), ("absent", "present")}


def test_reorder_keeps_every_fact(singles) -> None:  # noqa: ANN001
    variant = singles["reorder"][0]
    assert [e.kind for e in variant.edits] == ["reorder"]
    assert not [i for i in variant.comparison.diff.items if i.kind != "matched" and i.is_finding]


def test_a_plan_the_diff_does_not_show_is_dropped(pipeline) -> None:  # noqa: ANN001
    # Claims a contradiction on 'tube' but only drops the pneumothorax sentence.
    start, end = sentences(REFERENCE)[1]
    plan = Plan("flip_assertion", start, end, "", "contradicted", frozenset({"tube"}), 1)
    comparison = pipeline.compare_pair(_pair(apply(REFERENCE, [plan])))
    assert verify(comparison, [plan]) is None


def test_an_unexplained_difference_is_refused(pipeline) -> None:  # noqa: ANN001
    start, end = sentences(REFERENCE)[1]
    drop = Plan("drop_finding", start, end, "", "missing", frozenset({"pneumothorax"}), 1)
    stray = apply(REFERENCE, [drop]) + " There is pneumonia."
    assert verify(pipeline.compare_pair(_pair(stray)), [drop]) is None
    confirmed = verify(pipeline.compare_pair(_pair(apply(REFERENCE, [drop]))), [drop])
    assert confirmed is not None and [e.kind for e in confirmed] == ["drop_negative"]


def test_variants_are_seeded(pack, pipeline) -> None:  # noqa: ANN001
    settings = SyntheticSettings(per_reference=6)
    a = Perturber(pack, pipeline, settings, seed=3).variants(REFERENCE)
    b = Perturber(pack, pipeline, settings, seed=3).variants(REFERENCE)
    assert [v.candidate for v in a] == [v.candidate for v in b]
    assert any(len(v.edits) >= 2 for v in a)


def test_score_mapping_follows_severity_and_rubric(pack, singles) -> None:  # noqa: ANN001
    settings = SyntheticSettings()
    completeness, hallucination = pack.rubric("completeness"), pack.rubric("hallucination")
    added = singles["add_finding"][0].edits
    dropped = singles["drop_finding"][0].edits
    # Completeness penalises missing findings, not additions; hallucination the reverse.
    assert relevance(completeness, "add_finding", settings) == 0
    assert relevance(hallucination, "drop_finding", settings) == 0
    assert score_for(added, completeness, settings) == 5
    assert score_for(added, hallucination, settings) < 5
    assert score_for(dropped, completeness, settings) < 5
    assert score_for(dropped + added, hallucination, settings) == score_for(
        added, hallucination, settings)
    explicit = SyntheticSettings(relevance={"completeness": {"add_finding": 1.0}})
    assert score_for(added, completeness, explicit) < 5


def test_a_dropped_negative_counts_where_the_kg_judge_prices_it(pack) -> None:  # noqa: ANN001
    """Training targets follow the kg judge: a negative left out is a missing_negative, priced
    as a detail (``missing``) unless the rubric prices it on its own, not a missing finding."""
    from dataclasses import replace

    from kgjudge.rubric import KgMapping

    settings = SyntheticSettings()
    rubric = pack.rubric("completeness")

    def priced(**penalties: float):  # noqa: ANN202
        return replace(rubric, kg=KgMapping(penalties=penalties))

    assert relevance(priced(missing_finding=0.12), "drop_negative", settings) == 0
    assert relevance(priced(missing_finding=0.12), "drop_finding", settings) == 1
    assert relevance(priced(missing_finding=0.12, missing=0.05), "drop_negative", settings) == 1
    assert relevance(priced(missing_finding=0.12, missing_negative=0.1), "drop_negative",
                     settings) == 1


def test_more_severe_edits_never_score_higher(pack, singles) -> None:  # noqa: ANN001
    settings = SyntheticSettings()
    rubric = pack.rubric("factual_correctness")
    one = singles["flip_assertion"][0].edits
    two = one + singles["swap_side"][0].edits
    assert score_for(two, rubric, settings) <= score_for(one, rubric, settings)


def test_rationale_names_the_edits_and_the_rubric_level(pack, singles) -> None:  # noqa: ANN001
    settings = SyntheticSettings()
    rubric = pack.rubric("completeness")
    edits = singles["drop_finding"][0].edits + singles["add_finding"][0].edits
    score = score_for(edits, rubric, settings)
    text = synthetic_rationale(edits, rubric, score, settings)
    for edit in edits:
        assert edit.label in text
    assert "Not counted" in text and rubric.description(score) in text


def _pair(candidate: str):  # noqa: ANN202
    from kgjudge.judge.base import Pair

    return Pair(id="t", reference=REFERENCE, candidate=candidate)
