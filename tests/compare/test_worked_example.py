"""The worked example of docs/metrics.md, to 4 decimals."""

from __future__ import annotations

import pytest

from kgjudge.compare import compare

from .constructed import worked_candidate, worked_reference


@pytest.fixture(scope="module")
def scores():
    return compare(worked_reference(), worked_candidate()).scores


def test_nodes(scores) -> None:
    assert scores.matched == pytest.approx(4.0, abs=1e-4)
    assert scores.node_precision == pytest.approx(4 / 5, abs=1e-4)
    assert scores.node_recall == pytest.approx(4 / 6, abs=1e-4)
    assert round(scores.nsc, 4) == 0.5714


def test_edges(scores) -> None:
    assert scores.edge_precision == pytest.approx(2 / 3, abs=1e-4)
    assert scores.edge_recall == pytest.approx(2 / 4, abs=1e-4)
    assert scores.edge_f1 == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5), abs=1e-4)


def test_ams_and_scs(scores) -> None:
    assert round(scores.ams, 4) == 0.5
    assert round(scores.scs, 4) == 0.5
    assert round(scores.subgraph_precision, 4) == 0.5


def test_counts(scores) -> None:
    assert (scores.reference_nodes, scores.candidate_nodes) == (6, 5)
    assert (scores.reference_edges, scores.candidate_edges) == (4, 3)
    assert scores.contradictions == 0


def test_same_numbers_when_assertion_is_ignored() -> None:
    from kgjudge.domain import CompareSettings

    ignored = compare(worked_reference(), worked_candidate(),
                      settings=CompareSettings(assertion="ignore")).scores
    assert round(ignored.nsc, 4) == 0.5714
    assert round(ignored.ams, 4) == 0.5
    assert round(ignored.scs, 4) == 0.5
