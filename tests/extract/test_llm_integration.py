"""The llm extractor against a real local OpenAI-compatible server (transformers serve) on a tiny
random-weight model built by the test: the request round-trips and a reply that is not a graph is
an ExtractionError carrying the raw text, never a guessed graph."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kgjudge.domain import REPO_ROOT
from kgjudge.errors import ExtractionError
from kgjudge.extract import get_extractor

if str(REPO_ROOT) not in sys.path:  # tests.helpers importable under plain `pytest`
    sys.path.insert(0, str(REPO_ROOT))

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    from tests.helpers.tiny_model import build_tiny_model
    from tests.helpers.tiny_server import serve

    model_dir = build_tiny_model(tmp_path_factory.mktemp("llm-extract-model"))
    with serve(model_dir, workdir=tmp_path_factory.mktemp("llm-extract-server")) as running:
        yield running


def test_real_server_round_trip(server, pack) -> None:  # noqa: ANN001
    extractor = get_extractor(pack, "llm", base_url=server.base_url, model=server.model,
                              max_tokens=24, max_retries=0)
    texts = ["Small left pleural effusion.", "No pneumothorax."]
    outcomes = []
    try:
        for text in texts:
            try:
                outcomes.append(extractor.extract(text))
            except ExtractionError as e:
                outcomes.append(e)
    finally:
        extractor.close()
    assert len(outcomes) == len(texts)
    for text, outcome in zip(texts, outcomes, strict=True):
        if isinstance(outcome, ExtractionError):
            assert "llm extractor" in str(outcome)
            continue
        for node in outcome.nodes():  # whatever came back passed the pack's validation
            assert node.type in pack.entity_types and node.assertion in pack.assertions
            for a, b in node.spans:
                assert 0 <= a < b <= len(text)
    assert Path(server.log).is_file()
