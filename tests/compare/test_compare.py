"""compare(): reference-view reuse, diff switch, pack convenience, extracted reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgjudge.compare import GraphDiff, compare, compare_with_pack, view
from kgjudge.domain import load_pack
from kgjudge.graph import ReportGraph

from .constructed import tiny_lexicon, worked_candidate, worked_reference

PACK = Path(__file__).parents[1] / "extract" / "pack"


def test_cached_reference_view_gives_the_same_comparison() -> None:
    ref = worked_reference()
    ref_view = view(ref)
    for cand in (worked_candidate(), worked_reference(), worked_candidate()):
        assert compare(ref, cand, reference_view=ref_view) == compare(ref, cand)


def test_diff_can_be_skipped_for_scores_alone() -> None:
    full = compare(worked_reference(), worked_candidate())
    bare = compare(worked_reference(), worked_candidate(), diff=False)
    assert bare.diff == GraphDiff() and bare.scores == full.scores


@pytest.fixture(scope="module")
def pack():
    return load_pack(PACK)


def test_extracted_reports(pack) -> None:
    from kgjudge.extract import get_extractor

    extractor = get_extractor(pack)
    ref = extractor.extract("Small left pleural effusion. No pneumothorax.")
    same = compare_with_pack(ref, extractor.extract("Small left pleural effusion. "
                                                    "No pneumothorax."), pack)
    assert same.scores.nsc == 1.0 and same.diff.lines() == []
    swapped = compare_with_pack(ref, extractor.extract("Small right pleural effusion. "
                                                       "Pneumothorax."), pack)
    lines = swapped.diff.lines()
    assert swapped.scores.contradictions == 1
    assert any(line.startswith("~ relation mismatch: effusion") for line in lines)
    assert swapped.scores.node_recall < 1.0


def test_comparing_leaves_no_cyclic_garbage() -> None:
    """Memory stays flat in the number of pairs only if nothing waits for the cyclic GC."""
    import gc

    pairs = [(worked_reference(), worked_candidate()) for _ in range(20)]
    gc.collect()
    gc.disable()
    try:
        for ref, cand in pairs:
            compare(ref, cand).diff.lines()
        del pairs, ref, cand
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_star_coverage_by_hand_with_partial_credit_and_unequal_degrees() -> None:
    # effusion ~ pleural_effusion (0.5): the candidate's star has one more edge (big), each side
    # one unmatched star; matched edges weigh min(0.5, 1) = 0.5
    ref, cand = ReportGraph(), ReportGraph()
    eff, lung = ref.add_node("effusion", "observation"), ref.add_node("lung", "anatomy")
    ref.add_edge(eff, "located_at", lung)
    ref.add_edge(ref.add_node("small", "modifier"), "modify", eff)
    ref.add_edge(ref.add_node("left", "modifier"), "modify", lung)
    ref.add_node("pneumothorax", "observation")
    pleural, c_lung = cand.add_node("pleural_effusion", "observation"), cand.add_node("lung",
                                                                                     "anatomy")
    cand.add_edge(pleural, "located_at", c_lung)
    cand.add_edge(cand.add_node("small", "modifier"), "modify", pleural)
    cand.add_edge(cand.add_node("big", "modifier"), "modify", pleural)
    cand.add_edge(cand.add_node("edema", "observation"), "located_at", c_lung)
    scores = compare(ref, cand, lexicon=tiny_lexicon(), diff=False).scores
    assert scores.scs == pytest.approx(((0.5 + 0.5 + 0.5) / 3 + 0) / 2)
    assert scores.subgraph_precision == pytest.approx(((0.5 + 0.5 + 0.5) / 4 + 0) / 2)
