"""The shortcuts of the comparison give what the general path gives.

- an evident assignment (settled without scipy) is scipy's own answer;
- a reference view reused across candidates (its memo filled by earlier ones, under other
  finding roots or similarity settings) gives the same comparison as a fresh view;
- with assertion 'ignore' the alignment names each key's first graph node id.
"""

from __future__ import annotations

import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from kgjudge.compare import NodeSimilarity, align, compare, view
from kgjudge.domain import CompareSettings
from kgjudge.graph import ReportGraph

from .constructed import tiny_lexicon, worked_candidate, worked_reference

ALIGN = sys.modules["kgjudge.compare.align"]  # the module: the package exports a function 'align'
LEX = tiny_lexicon()

# weights as alignment builds them: similarity (exact 1, partial 0.5 or 0.25) + assertion tie-break
weight_values = st.sampled_from([1.0 + 1e-6, 0.5 + 1e-6, 1.0, 0.5, 0.25 + 1e-6])
weight_maps = st.dictionaries(st.tuples(st.sampled_from("abcd"), st.sampled_from("wxyz")),
                              weight_values, min_size=1, max_size=10)


@settings(max_examples=400, deadline=None)
@given(weight_maps)
def test_an_evident_assignment_is_scipys(weights) -> None:
    evident = ALIGN._dominant(weights)
    if evident is not None:
        assert sorted(evident) == sorted(ALIGN._solve(weights))


def test_evident_assignments_are_found_and_ambiguous_ones_left_to_scipy() -> None:
    two_relatives = {("a", "a"): 1.0, ("a", "b"): 0.5, ("b", "a"): 0.5, ("b", "b"): 1.0}
    assert sorted(ALIGN._dominant(two_relatives)) == [("a", "a"), ("b", "b")]
    tied = {("a", "x"): 1.0, ("a", "y"): 1.0}
    assert ALIGN._dominant(tied) is None
    # the exact pair alone covers neither side: two partial pairs may weigh more (tie-break)
    open_ = {("a", "a"): 1.0 + 1e-6, ("a", "c"): 0.5 + 1e-6, ("b", "a"): 0.5 + 1e-6}
    assert ALIGN._dominant(open_) is None
    assert sorted(ALIGN._solve(open_)) == [("a", "c"), ("b", "a")]


def effusions(*specs: tuple[str, str, str]) -> ReportGraph:
    """A report of effusion concepts, each with a location and a modifier."""
    text = " ".join(f"{mod} {key} in {place}." for key, mod, place in specs)
    g = ReportGraph(text=text)
    for key, mod, place in specs:
        start = text.index(f"{mod} {key}")
        node = g.add_node(key, "observation", span=(start + len(mod) + 1,
                                                    start + len(mod) + 1 + len(key)))
        g.add_edge(g.add_node(mod, "modifier", span=(start, start + len(mod))), "modify", node)
        at = text.index(place, start)
        g.add_edge(node, "located_at", g.add_node(place, "anatomy", span=(at, at + len(place))))
    return g


CANDIDATES = [
    effusions(("effusion", "small", "lung"), ("pleural_effusion", "large", "heart")),
    effusions(("loculated_effusion", "small", "lung")),
    effusions(),
    worked_candidate(),
    effusions(("deep_effusion", "left", "lung"), ("effusion", "small", "lung")),
]


def test_a_reused_reference_view_compares_as_a_fresh_one() -> None:
    reference = effusions(("effusion", "small", "lung"), ("pleural_effusion", "left", "lung"))
    for mode in ("respect", "ignore"):
        cached = view(reference, mode)
        for roots in (("observation", "device"), ("observation", "anatomy")):
            for credit in (0.5, 0.0):
                options = {"lexicon": LEX, "settings": CompareSettings(partial_credit=credit,
                                                                       assertion=mode),
                           "finding_roots": roots}
                for candidate in CANDIDATES:
                    fresh = compare(reference, candidate, **options)
                    reused = compare(reference, candidate, reference_view=cached, **options)
                    assert reused == fresh


def test_similarity_index_is_kept_per_similarity() -> None:
    ref = view(effusions(("effusion", "small", "lung")))
    cand = view(effusions(("pleural_effusion", "small", "lung")))
    effusion = ("effusion|present", ("pleural_effusion|present", 0.5))
    assert effusion in align(ref, cand, NodeSimilarity(LEX, CompareSettings())).pairs.items()
    no_credit = NodeSimilarity(LEX, CompareSettings(partial_credit=0.0))
    assert "effusion|present" not in align(ref, cand, no_credit).pairs


def test_ignore_alignment_names_first_graph_node_ids() -> None:
    ref = worked_reference()
    ref.add_node("effusion", "observation", assertion="absent", span=(0, 5))
    cand = worked_candidate()
    result = compare(ref, cand, settings=CompareSettings(assertion="ignore"))
    assert ("effusion|present", "effusion|present", 1.0) in result.alignment.pairs
    assert "pneumothorax|present" in result.alignment.reference_unmatched
    assert "edema|present" in result.alignment.candidate_unmatched
