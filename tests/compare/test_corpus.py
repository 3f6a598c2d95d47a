"""Corpus comparison: union frequencies, min_count, per-type scores, knowledge gaps."""

from __future__ import annotations

import pytest

from kgjudge.compare import CorpusGraph, compare_corpora
from kgjudge.domain import CompareSettings
from kgjudge.graph import ReportGraph


def report(*findings: str, absent: tuple[str, ...] = ()) -> ReportGraph:
    g = ReportGraph()
    lung = g.add_node("lung", "anatomy")
    for key in findings:
        g.add_edge(g.add_node(key, "observation"), "located_at", lung)
    for key in absent:
        g.add_node(key, "observation", assertion="absent")
    return g


REFERENCE = [report("effusion", absent=("pneumothorax",)) for _ in range(6)] + \
            [report("edema", "effusion") for _ in range(4)]
CANDIDATE = [report("effusion", absent=("pneumothorax",)) for _ in range(3)] + \
            [report("atelectasis") for _ in range(2)]


def test_union_counts_documents_not_mentions() -> None:
    g = report("effusion")
    g.add_node("effusion", "observation", span=(0, 3))  # a second mention
    corpus = CorpusGraph.from_graphs([g, report("effusion", "edema")])
    assert corpus.documents == 2
    assert corpus.node_counts["effusion|present"] == 2
    assert corpus.node_counts["edema|present"] == 1
    assert corpus.edge_counts[("edema|present", "located_at", "lung|present")] == 1


def test_min_count_drops_rare_nodes_and_their_edges() -> None:
    corpus = CorpusGraph.from_graphs(REFERENCE)
    graph = corpus.to_graph(min_count=5)
    assert {n.key for n in graph.nodes()} == {"lung", "effusion", "pneumothorax"}
    assert graph.triples() == {("effusion|present", "located_at", "lung|present")}


def test_gaps_list_under_and_over_produced_concepts_with_counts() -> None:
    result = compare_corpora(REFERENCE, CANDIDATE, min_count=2)
    table = {(g.kind, g.key): g for g in result.gaps}
    assert set(table) == {("under", "edema"), ("over", "atelectasis")}
    edema = table[("under", "edema")]
    assert (edema.reference_count, edema.candidate_count) == (4, 0)
    assert edema.reference_rate == pytest.approx(0.4)
    atelectasis = table[("over", "atelectasis")]
    assert atelectasis.candidate_rate == pytest.approx(0.4)
    assert result.gaps[0].kind == "under"
    assert "edema [observation]: reference 4 (40.0%), candidate 0 (0.0%)" in edema.line()


def test_scores_overall_and_per_type() -> None:
    result = compare_corpora(REFERENCE, CANDIDATE, min_count=2)
    scores = result.overall.scores
    # reference: lung, effusion, pneumothorax(absent), edema; candidate adds atelectasis
    assert (scores.reference_nodes, scores.candidate_nodes) == (4, 4)
    assert scores.matched == 3
    assert set(result.by_type) == {"anatomy", "observation"}
    assert result.by_type["anatomy"].nsc == 1.0
    assert result.by_type["observation"].node_recall == pytest.approx(2 / 3)
    assert result.to_dict()["gaps"][0]["key"] == "edema"


def test_identical_corpora_score_one_and_have_no_gaps() -> None:
    result = compare_corpora(REFERENCE, REFERENCE)
    assert result.gaps == ()
    assert result.overall.scores.nsc == 1.0 and result.overall.scores.ams == 1.0


def test_ignore_mode_counts_keys() -> None:
    corpus = CorpusGraph.from_graphs(REFERENCE, assertion="ignore")
    assert corpus.node_counts["pneumothorax"] == 6
    with pytest.raises(ValueError):
        compare_corpora(corpus, CANDIDATE, settings=CompareSettings())
    ignored = compare_corpora(corpus, CANDIDATE, settings=CompareSettings(assertion="ignore"))
    assert ignored.overall.scores.reference_nodes == 4
