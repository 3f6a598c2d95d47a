"""compare(): reference-view reuse, diff switch, pack convenience, extracted reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgjudge.compare import GraphDiff, compare, compare_with_pack, view
from kgjudge.domain import load_pack

from .constructed import worked_candidate, worked_reference

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
