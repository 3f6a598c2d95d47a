"""The optional transformers embedder, on a tiny random-weight model built offline."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kgjudge.compare import compare
from kgjudge.compare.align import _cosine
from kgjudge.graph import ReportGraph

pytest.importorskip("torch")
REPO_ROOT = Path(__file__).parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))


def graph(key: str, type_: str = "observation") -> ReportGraph:
    g = ReportGraph()
    g.add_node(key, type_, in_ontology=False)
    return g


@pytest.mark.slow
def test_transformers_embedder_scores_keys_outside_the_ontology(tmp_path) -> None:
    from kgjudge.compare.embed import transformers_embedder
    from tests.helpers.tiny_model import build_tiny_model

    embed = transformers_embedder(str(build_tiny_model(tmp_path / "m")))
    a, b, again = embed(["small effusion", "pneumothorax", "small effusion"])
    assert a == pytest.approx(again)
    cosine = _cosine(a, b)
    loose = compare(graph("small effusion"), graph("pneumothorax"), embedder=embed,
                    embedding_threshold=-1.0).scores.matched
    assert loose == pytest.approx(max(cosine, 0.0), abs=1e-6)
    strict = compare(graph("small effusion"), graph("pneumothorax"), embedder=embed,
                     embedding_threshold=1.01).scores.matched
    assert strict == 0
    other_type = compare(graph("small effusion"), graph("pneumothorax", "anatomy"),
                         embedder=embed, embedding_threshold=-1.0).scores.matched
    assert other_type == 0
