"""GraphDiff: missing / extra findings with their location, relation mismatches, spans."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from kgjudge.compare import DiffItem, GraphDiff, GraphView, Scores, compare
from kgjudge.graph import ReportGraph

from .constructed import worked_candidate, worked_reference


def effusion_report(text: str, side: str) -> ReportGraph:
    """'<size> <side> pleural effusion.' with spans taken from the text."""
    g = ReportGraph(text=text)

    def at(word: str) -> tuple[int, int]:
        start = text.index(word)
        return start, start + len(word)

    eff = g.add_node("effusion", "observation", span=at("effusion"))
    pleura = g.add_node("pleura", "anatomy", span=at("pleural"))
    side_id = g.add_node(side, "modifier", span=at(side))
    small = g.add_node("small", "modifier", span=at("small"))
    g.add_edge(eff, "located_at", pleura)
    g.add_edge(side_id, "modify", pleura)
    g.add_edge(small, "modify", eff)
    return g


def test_side_swap_is_one_readable_relation_mismatch() -> None:
    ref = effusion_report("small left pleural effusion", "left")
    cand = effusion_report("small right pleural effusion", "right")
    diff = compare(ref, cand).diff
    assert diff.lines() == ["~ relation mismatch: effusion: located at left pleural in the "
                            "reference, right pleural in the candidate"]
    item = diff.relation_mismatches[0]
    assert item.is_finding and item.key == "effusion"
    assert (6, 10) in item.reference_spans and (6, 11) in item.candidate_spans


def test_missing_finding_is_described_with_modifiers_and_location() -> None:
    ref = effusion_report("small left pleural effusion", "left")
    cand = ReportGraph(text="")
    diff = compare(ref, cand).diff
    assert diff.lines() == ["- missing: small left pleural effusion"]
    assert diff.missing[0].reference_spans == ((0, 5), (6, 10), (11, 18), (19, 27))


def test_worked_example_diff() -> None:
    diff = compare(worked_reference(), worked_candidate()).diff
    assert diff.lines() == [
        "- missing: pneumothorax in lung",
        "+ extra: edema in lung",
        "~ relation mismatch: effusion: located at left pleural in the reference, pleural in "
        "the candidate",
    ]
    assert {i.key for i in diff.matched} == {"effusion", "pleura", "small", "lung"}
    assert all(not i.is_finding for i in diff.matched if i.key in ("pleura", "small", "lung"))


def test_modifier_and_relation_changes_are_reported() -> None:
    ref = ReportGraph(text="small opacity suggests pneumonia")
    cand = ReportGraph(text="large opacity suggests atelectasis")
    for g, size, dx in ((ref, "small", "pneumonia"), (cand, "large", "atelectasis")):
        o = g.add_node("opacity", "observation")
        g.add_edge(g.add_node(size, "modifier"), "modify", o)
        g.add_edge(o, "suggestive_of", g.add_node(dx, "observation"))
    lines = compare(ref, cand).diff.lines()
    assert "~ relation mismatch: opacity: small in the reference, large in the candidate; " \
           "suggestive of pneumonia in the reference, suggestive of atelectasis in the " \
           "candidate" in lines
    assert "- missing: pneumonia" in lines and "+ extra: atelectasis" in lines
    assert not any("small" in line and line.startswith("-") for line in lines)


def test_relations_to_unmatched_nodes_differ_even_when_as_many() -> None:
    # two relations each side, the candidate's to nodes the reference lacks (both read as
    # 'unmatched'): a mismatch; one shared and one unmatched: still a mismatch; all shared: none
    def report(*targets: str) -> ReportGraph:
        g = ReportGraph(text="")
        o = g.add_node("opacity", "observation")
        for dx in targets:
            g.add_edge(o, "suggestive_of", g.add_node(dx, "observation"))
            g.add_edge(g.add_node(f"{dx}_size", "modifier"), "modify", o)
        return g

    ref = report("pneumonia", "edema")
    for cand, differs in ((report("atelectasis", "mass"), True),
                          (report("pneumonia", "mass"), True),
                          (report("edema", "pneumonia"), False)):
        mismatched = compare(ref, cand).diff.relation_mismatches
        assert [i.key for i in mismatched] == (["opacity"] if differs else [])


def test_identical_graphs_have_only_matched_items() -> None:
    diff = compare(worked_reference(), worked_reference()).diff
    assert diff.lines() == []
    assert len(diff.matched) == 6


def test_orphan_non_finding_nodes_are_listed() -> None:
    ref = ReportGraph(text="")
    ref.add_node("heart", "anatomy")
    diff = compare(ref, ReportGraph()).diff
    assert diff.lines() == ["- missing: heart"]
    assert not diff.missing[0].is_finding


def test_diff_round_trips_as_data() -> None:
    diff = compare(worked_reference(), worked_candidate()).diff
    assert GraphDiff.from_dict(diff.to_dict()) == diff


def test_lone_modifiers_get_no_item_but_still_count() -> None:
    ref = ReportGraph(text="acute")
    ref.add_node("acute", "modifier", span=(0, 5))
    result = compare(ref, ReportGraph())
    assert result.diff.lines() == []
    assert result.scores.node_recall == 0.0
    assert compare(ref, ReportGraph(), modifier_types=()).diff.lines() == ["- missing: acute"]


def test_a_modifier_read_from_its_owner_mention_is_named_by_label() -> None:
    text = "The lungs are hyperinflated"
    ref = ReportGraph(text=text)
    lung = ref.add_node("lung", "anatomy", span=(4, 9))
    both = ref.add_node("bilateral", "modifier", label="bilateral", span=(4, 9))
    finding = ref.add_node("hyperinflation", "observation", span=(14, 27))
    ref.add_edge(both, "modify", lung)
    ref.add_edge(finding, "located_at", lung)
    assert compare(ref, ReportGraph()).diff.lines() == [
        "- missing: bilateral lungs hyperinflated"]


def test_a_modifier_read_from_its_owners_words_is_named_by_its_label() -> None:
    """'opacities in the lungs' makes the lungs bilateral from the word 'lungs' itself: the
    mismatch line says 'bilateral', not the owner's own word again."""
    from kgjudge.compare import compare_with_pack
    from kgjudge.domain import load_pack
    from kgjudge.extract import get_extractor

    pack = load_pack("radiology")
    extractor = get_extractor(pack)
    result = compare_with_pack(extractor.extract("The lungs are clear. No effusion."),
                               extractor.extract("Patchy opacities in the lungs. No effusion."),
                               pack)
    assert "~ relation mismatch: lungs: unqualified in the reference, bilateral in the candidate" \
        in result.diff.lines()


@pytest.mark.parametrize("cls", [DiffItem, Scores, GraphView])
def test_written_out_inits_are_the_dataclass_ones(cls: type) -> None:
    # DiffItem's, Scores' and GraphView's __init__ are written out for speed: same parameters as
    # their fields (None for a field with a default factory: a new value each time), every
    # field set, still frozen
    fields = dataclasses.fields(cls)
    parameters = list(inspect.signature(cls).parameters.values())
    assert [(p.name, p.default) for p in parameters] == [
        (f.name, None if f.default_factory is not dataclasses.MISSING else
         inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default)
        for f in fields]
    values = tuple(f"value {i}" for i in range(len(fields)))
    item = cls(*values)
    assert tuple(getattr(item, f.name) for f in fields) == values
    assert vars(item) == {f.name: getattr(item, f.name) for f in fields}
    assert item == cls(*values) and repr(item) == repr(cls(*values))
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.key = "changed"
    required = [v for v, p in zip(values, parameters, strict=True) if p.default is p.empty]
    bare, other = cls(*required), cls(*required)
    for f in fields:
        if f.default_factory is not dataclasses.MISSING:
            assert getattr(bare, f.name) == f.default_factory()
            assert getattr(bare, f.name) is not getattr(other, f.name)
        elif f.default is not dataclasses.MISSING:
            assert getattr(bare, f.name) == f.default
