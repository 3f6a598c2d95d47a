"""Node similarity and alignment: partial credit, types, assertions, contradictions."""

from __future__ import annotations

import pytest

from kgjudge.compare import NodeSimilarity, align, compare, view
from kgjudge.domain import CompareSettings
from kgjudge.graph import Node, ReportGraph

from .constructed import tiny_lexicon

LEX = tiny_lexicon()


def graph(*nodes: tuple[str, str, str]) -> ReportGraph:
    g = ReportGraph()
    for key, type_, assertion in nodes:
        g.add_node(key, type_, assertion=assertion)
    return g


def test_parent_child_gets_partial_credit_within_max_hops() -> None:
    sim = NodeSimilarity(LEX, CompareSettings(partial_credit=0.5, max_hops=2))
    eff = Node("effusion", "observation")
    assert sim.score(eff, Node("pleural_effusion", "observation")) == 0.5
    assert sim.score(Node("loculated_effusion", "observation"), eff) == 0.5  # 2 hops, either way
    assert sim.score(eff, Node("deep_effusion", "observation")) == 0.0  # 3 hops
    assert sim.score(eff, Node("effusion", "observation")) == 1.0


def test_types_and_assertions_must_match_for_any_credit() -> None:
    sim = NodeSimilarity(LEX, CompareSettings())
    eff = Node("effusion", "observation")
    assert sim.score(eff, Node("effusion", "anatomy")) == 0.0
    assert sim.score(eff, Node("pleural_effusion", "observation", assertion="absent")) == 0.0
    ignoring = NodeSimilarity(LEX, CompareSettings(assertion="ignore"))
    assert ignoring.score(eff, Node("effusion", "observation", assertion="absent")) == 1.0


def test_exact_match_beats_partial_when_competing() -> None:
    ref = graph(("effusion", "observation", "present"),
                ("pleural_effusion", "observation", "present"))
    cand = graph(("pleural_effusion", "observation", "present"))
    result = compare(ref, cand, lexicon=LEX)
    assert result.alignment.mapping() == {"pleural_effusion|present": "pleural_effusion|present"}
    assert result.scores.matched == 1.0


def test_assignment_maximises_total_similarity() -> None:
    # a greedy first-come match of effusion -> pleural_effusion would leave loculated unmatched
    ref = graph(("effusion", "observation", "present"),
                ("loculated_effusion", "observation", "present"))
    cand = graph(("pleural_effusion", "observation", "present"),
                 ("deep_effusion", "observation", "present"))
    result = compare(ref, cand, lexicon=LEX, settings=CompareSettings(partial_credit=0.5))
    assert result.scores.matched == pytest.approx(1.0)
    assert result.alignment.mapping() == {"effusion|present": "pleural_effusion|present",
                                          "loculated_effusion|present": "deep_effusion|present"}


def test_flipped_assertion_is_one_contradiction_not_missing_and_extra() -> None:
    ref = graph(("pneumothorax", "observation", "absent"))
    cand = graph(("pneumothorax", "observation", "present"))
    result = compare(ref, cand)
    assert result.scores.contradictions == 1
    assert result.scores.matched == 0
    assert [i.kind for i in result.diff.items] == ["contradicted"]
    assert result.diff.lines() == [
        "! contradicted: pneumothorax: absent in the reference, present in the candidate"]
    assert result.alignment.contradictions == (("pneumothorax|absent", "pneumothorax|present"),)


def test_ignore_collapses_assertions_and_still_counts_flips() -> None:
    ref = graph(("pneumothorax", "observation", "absent"), ("effusion", "observation", "present"),
                ("effusion", "observation", "absent"))
    cand = graph(("pneumothorax", "observation", "present"), ("effusion", "observation", "present"))
    scores = compare(ref, cand, settings=CompareSettings(assertion="ignore")).scores
    assert (scores.reference_nodes, scores.candidate_nodes) == (2, 2)
    assert scores.matched == 2 and scores.nsc == 1.0
    assert scores.contradictions == 1  # pneumothorax; effusion shares 'present'


def test_embedding_similarity_is_off_by_default_and_thresholded() -> None:
    ref = graph(("hazy opacity", "observation", "present"))
    cand = graph(("hazy opacities", "observation", "present"))
    assert compare(ref, cand).scores.matched == 0

    vectors = {"hazy opacity": (1.0, 0.1), "hazy opacities": (1.0, 0.12), "mass": (0.0, 1.0)}
    calls = []

    def embed(texts):
        calls.append(list(texts))
        return [vectors[t] for t in texts]

    matched = compare(ref, cand, embedder=embed, embedding_threshold=0.9).scores.matched
    assert 0.9 <= matched <= 1.0
    far = graph(("mass", "observation", "present"))
    assert compare(ref, far, embedder=embed, embedding_threshold=0.9).scores.matched == 0
    assert calls  # the embedder was consulted


def test_ontology_keys_never_use_embeddings() -> None:
    ref = graph(("effusion", "observation", "present"))
    cand = graph(("lung", "observation", "present"))
    scores = compare(ref, cand, lexicon=LEX, embedder=lambda ts: [(1.0, 0.0) for _ in ts]).scores
    assert scores.matched == 0


def test_views_sort_and_collapse() -> None:
    g = graph(("b", "anatomy", "present"), ("a", "anatomy", "absent"), ("a", "anatomy", "present"))
    respected = view(g)
    assert respected.ids == ("a|absent", "a|present", "b|present")
    assert respected.node_ids == {i: (i,) for i in respected.ids}  # derived on access
    assert dict(respected.assertions) == {"a|absent": frozenset({"absent"}),
                                          "a|present": frozenset({"present"}),
                                          "b|present": frozenset({"present"})}
    with pytest.raises(KeyError):
        respected.assertions["c|present"]
    ignored = view(g, "ignore")
    assert ignored.ids == ("a", "b")
    assert ignored.nodes["a"].assertion == "present"
    assert ignored.assertions["a"] == frozenset({"present", "absent"})
    with pytest.raises(ValueError):
        view(g, "sometimes")


def test_align_only_pairs_with_positive_similarity() -> None:
    ref = view(graph(("a", "anatomy", "present")))
    cand = view(graph(("b", "anatomy", "present")))
    assert align(ref, cand, NodeSimilarity()).pairs == {}
