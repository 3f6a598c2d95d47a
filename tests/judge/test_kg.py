"""The embedded kg judge on hand-built comparisons: arithmetic, ordering, rationale, registry."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kgjudge.errors import ConfigError
from kgjudge.judge import get_judge
from kgjudge.judge.kg import KgJudge, metric_quality, quality, score_of, smooth_score
from kgjudge.rubric import KgMapping
from tests.helpers import comparisons

from .conftest import make_case


def test_errors_of_growing_severity_score_lower(rubrics) -> None:  # noqa: ANN001
    judge = KgJudge()
    expected = [judge.judge(make_case(b, rubrics["error_severity"])).expected_score
                for b in comparisons.BY_SEVERITY]
    assert expected == sorted(expected, reverse=True)
    assert len(set(expected)) == len(expected)
    assert expected[0] == 5.0


def test_perfect_comparison_scores_five_everywhere(rubrics) -> None:  # noqa: ANN001
    for rubric in rubrics.values():
        verdict = KgJudge().judge(make_case(comparisons.perfect, rubric))
        assert (verdict.status, verdict.score, verdict.expected_score) == ("ok", 5, 5.0)


def test_weighted_mean_skips_missing_metrics() -> None:
    comp = comparisons.comparison("x", [], comparisons.scores(node_f1=0.5, ams=None, scs=None))
    mapping = KgMapping(weights={"node_f1": 1.0, "ams": 3.0, "scs": 1.0})
    assert metric_quality(comp, mapping) == pytest.approx(0.5)
    comp = comparisons.comparison("x", [], comparisons.scores(node_f1=0.5, ams=0.9, scs=None))
    assert metric_quality(comp, mapping) == pytest.approx((0.5 + 3 * 0.9) / 4)


def test_penalties_per_item_and_clipping() -> None:
    comp = comparisons.contradicted()  # one contradicted, one extra finding
    mapping = KgMapping(weights={"node_f1": 1.0}, penalties={"contradicted": 0.2,
                                                              "extra_finding": 0.1})
    assert quality(comp, mapping) == pytest.approx(comp.scores.node_f1 - 0.3)
    harsh = KgMapping(weights={"node_f1": 1.0}, penalties={"contradicted": 5.0})
    assert quality(comp, harsh) == 0.0


def test_device_falls_back_to_finding_penalty() -> None:
    comp = comparisons.missing_finding()  # the missing item is a device
    only_finding = KgMapping(weights={"node_f1": 1.0}, penalties={"missing_finding": 0.2})
    device = KgMapping(weights={"node_f1": 1.0}, penalties={"missing_finding": 0.2,
                                                             "missing_device": 0.05})
    assert quality(comp, only_finding) == pytest.approx(comp.scores.node_f1 - 0.2)
    assert quality(comp, device) == pytest.approx(comp.scores.node_f1 - 0.05)


@given(st.floats(0, 1), st.lists(st.floats(0.01, 0.99), min_size=4, max_size=4, unique=True))
def test_smooth_score_floors_to_score(q: float, cuts: list[float]) -> None:
    thresholds = tuple(sorted(cuts))
    smooth, score = smooth_score(q, thresholds), score_of(q, thresholds)
    assert 1.0 <= smooth <= 5.0
    assert math.floor(smooth) == score


def test_rationale_names_facts_text_and_cost(rubrics) -> None:  # noqa: ANN001
    verdict = KgJudge().judge(make_case(comparisons.contradicted, rubrics["error_severity"]))
    text = verdict.rationale
    assert "Contradicted: 'pneumothorax' is absent in the reference (\"No pneumothorax\")" in text
    assert "present in the response (\"Large right pneumothorax\")" in text
    assert "Unsupported finding: 'consolidation'" in text
    assert "Costs 0.35" in text and "states the opposite" in text
    assert rubrics["error_severity"].description(verdict.score) in text


def test_rationale_of_missing_device(rubrics) -> None:  # noqa: ANN001
    text = KgJudge().judge(make_case(comparisons.missing_finding,
                                     rubrics["completeness"])).rationale
    assert "Missing device: 'endotracheal tube'" in text
    assert "Endotracheal tube terminates 4 cm above the carina" in text


def test_rubric_that_ignores_a_difference_says_so(rubrics) -> None:  # noqa: ANN001
    verdict = KgJudge().judge(make_case(comparisons.missing_finding, rubrics["hallucination"]))
    assert verdict.score == 5
    assert "judged under other rubrics" in verdict.rationale


def test_deterministic(rubrics) -> None:  # noqa: ANN001
    case = make_case(comparisons.minor_size_error, rubrics["factual_correctness"])
    a, b = KgJudge().judge(case), KgJudge().judge(case)
    assert (a.score, a.expected_score, a.rationale) == (b.score, b.expected_score, b.rationale)


def test_judge_many_keeps_order(rubrics) -> None:  # noqa: ANN001
    cases = [make_case(b, rubrics["completeness"]) for b in comparisons.BY_SEVERITY]
    verdicts = list(get_judge("kg").judge_many(cases))
    assert [v.case_id for v in verdicts] == [c.id for c in cases]
    assert all(v.backend == "kg" for v in verdicts)


def test_unknown_backend_lists_known_ones() -> None:
    with pytest.raises(ConfigError, match="known: kg, openai, hf"):
        get_judge("vllm")


def sided_comparison(ref_side: str, cand_side: str, assertion: str = "present"):  # noqa: ANN201
    """Pneumothorax modified by a side in each graph, aligned, with one relation mismatch."""
    from kgjudge.compare.model import Alignment, Comparison, DiffItem, GraphDiff
    from kgjudge.graph import ReportGraph
    from kgjudge.ontology import Concept, Lexicon

    graphs = []
    for side in (ref_side, cand_side):
        text = f"{side} pneumothorax"
        g = ReportGraph(text=text)
        finding = g.add_node("pneumothorax", "observation", assertion=assertion,
                             span=(len(side) + 1, len(text)))
        g.add_edge(g.add_node(side, "modifier", span=(0, len(side))), "modify", finding)
        graphs.append(g)
    item = DiffItem(kind="relation_mismatch", key="pneumothorax", label="pneumothorax",
                    type="observation", is_finding=True, reference_assertion=assertion,
                    candidate_assertion=assertion, candidate_spans=((0, len(cand_side)),),
                    detail=f"pneumothorax: {ref_side} in the reference, "
                           f"{cand_side} in the response")
    pid = f"pneumothorax|{assertion}"
    comp = Comparison(graphs[0], graphs[1], Alignment(pairs=((pid, pid, 1.0),)),
                      comparisons.scores(), GraphDiff((item,)))
    lexicon = Lexicon("https://x#", {s: Concept(s, f"https://x#{s}", "modifier", s, side=s)
                                     for s in ("left", "right")})
    return comp, lexicon


def test_wrong_side_is_priced_apart_from_other_relation_mismatches() -> None:
    from types import SimpleNamespace

    from kgjudge.judge.kg import penalties

    mapping = KgMapping(weights={"node_f1": 1.0},
                        penalties={"relation_mismatch": 0.1, "wrong_side": 0.3})
    flipped, lexicon = sided_comparison("right", "left")
    assert [p.kind for p in penalties(flipped, mapping, lexicon)] == ["wrong_side"]
    assert quality(flipped, mapping, lexicon) == pytest.approx(0.7)
    assert quality(flipped, mapping) == pytest.approx(0.9)  # without an ontology: a mismatch
    same, lexicon = sided_comparison("right", "right")
    assert [p.kind for p in penalties(same, mapping, lexicon)] == ["relation_mismatch"]
    pack = SimpleNamespace(lexicon=lexicon, name="test")
    text = KgJudge(pack).judge(make_case(lambda: flipped)).rationale
    assert "Wrong side: pneumothorax: right in the reference, left in the response" in text


def test_relation_mismatch_of_an_absent_finding_costs_nothing() -> None:
    from kgjudge.judge.kg import penalties

    mapping = KgMapping(weights={"node_f1": 1.0}, penalties={"relation_mismatch": 0.1,
                                                             "wrong_side": 0.3})
    absent, lexicon = sided_comparison("right", "left", assertion="absent")
    assert penalties(absent, mapping, lexicon) == []


def test_leaving_facts_out_is_not_a_factual_error(rubrics) -> None:  # noqa: ANN001
    # factual correctness judges what the response states (precision and contradictions);
    # what it leaves out is completeness's
    judge = KgJudge()
    omission = judge.judge(make_case(comparisons.missing_finding, rubrics["factual_correctness"]))
    assert omission.score == 5 and "judged under other rubrics" in omission.rationale
    assert judge.judge(make_case(comparisons.missing_finding, rubrics["completeness"])).score < 5
    flipped = judge.judge(make_case(comparisons.contradicted, rubrics["factual_correctness"]))
    assert flipped.score < 3 and "Contradicted: 'pneumothorax'" in flipped.rationale


def test_a_negative_left_out_is_a_missing_negative_of_any_type() -> None:
    from kgjudge.compare.model import DiffItem
    from kgjudge.judge.kg import penalty_kind

    def item(kind: str, assertion: str, type_: str = "observation") -> DiffItem:
        stated = {"reference_assertion" if kind == "missing" else "candidate_assertion": assertion}
        return DiffItem(kind=kind, key="k", label="k", type=type_, is_finding=True, **stated)

    assert penalty_kind(item("missing", "absent")) == "missing_negative"  # no pneumothorax
    assert penalty_kind(item("missing", "absent", "device")) == "missing_negative"  # no line
    for kind in ("missing", "extra"):
        assert penalty_kind(item(kind, "present")) == f"{kind}_finding"
        assert penalty_kind(item(kind, "uncertain")) == f"{kind}_finding"
        assert penalty_kind(item(kind, "present", "device")) == f"{kind}_device"
    # an absence only the response states ("No acute cardiopulmonary abnormality" over a
    # reference's pneumothorax) is no harmless detail
    assert penalty_kind(item("extra", "absent")) == "extra_finding"
    assert penalty_kind(item("extra", "absent", "device")) == "extra_device"


def test_an_unpriced_penalty_costs_what_its_fallback_costs() -> None:
    mapping = KgMapping(penalties={"missing_finding": 0.2, "missing": 0.05,
                                   "relation_mismatch": 0.1})
    assert mapping.cost("missing_device") == 0.2
    assert mapping.cost("missing_negative") == 0.05  # as a detail
    assert mapping.cost("wrong_side") == 0.1
    assert mapping.cost("extra_finding") == 0.0 and mapping.cost("extra_device") == 0.0
    priced = KgMapping(penalties={"missing_negative": 0.15, "missing": 0.05})
    assert priced.cost("missing_negative") == 0.15  # a pack that prices it on its own


def test_a_device_the_reference_rules_out_left_out_costs_as_a_detail(rubrics) -> None:  # noqa: ANN001
    """'No central line.' left out: a pertinent negative under radiology's error_severity (which
    prices missing_device, not missing), while the line itself left out costs."""
    from kgjudge.compare.model import DiffItem

    def without_line(assertion: str):  # noqa: ANN202 - a builder, as make_case takes
        def built():  # noqa: ANN202
            item = DiffItem(kind="missing", key="central_venous_catheter", label="central line",
                            type="device", is_finding=True, reference_assertion=assertion)
            return comparisons.comparison(comparisons.REFERENCE, [item], comparisons.scores(
                node_recall=6 / 7, node_f1=12 / 13, scs=0.75, reference_nodes=7))

        return built

    judge = KgJudge()
    negative = judge.judge(make_case(without_line("absent"), rubrics["error_severity"]))
    device = judge.judge(make_case(without_line("present"), rubrics["error_severity"]))
    assert "a device of the reference is not reported" not in negative.rationale
    assert "a device of the reference is not reported" in device.rationale
    assert negative.expected_score > device.expected_score


def test_a_score_moved_by_the_metrics_alone_says_so(rubrics) -> None:  # noqa: ANN001
    # nothing priced under error severity, but the omission lowered recall and coverage
    mapping = KgMapping(weights={"node_f1": 1.0}, penalties={}, thresholds=(0.3, 0.5, 0.7, 0.95))
    rubric = replace(rubrics["error_severity"], kg=mapping)
    verdict = KgJudge().judge(make_case(comparisons.missing_finding, rubric))
    assert verdict.score == 4
    assert "the differences (1) count through the metrics below" in verdict.rationale
    assert "judged under other rubrics" not in verdict.rationale
