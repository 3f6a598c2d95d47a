"""Fixtures for judge tests: shared rubrics, cases from hand-built comparisons, the tiny model."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kgjudge.domain import REPO_ROOT

if str(REPO_ROOT) not in sys.path:  # tests.helpers is importable under plain `pytest` too
    sys.path.insert(0, str(REPO_ROOT))
from kgjudge.judge.base import Case, Pair
from kgjudge.rubric import Rubric, load_rubric
from tests.helpers import comparisons
from tests.helpers.tiny_model import build_tiny_model

RUBRIC_DIR = REPO_ROOT / "rubrics"


@pytest.fixture(scope="session")
def rubrics() -> dict[str, Rubric]:
    return {p.stem: load_rubric(p) for p in sorted(RUBRIC_DIR.glob("*.toml"))}


def make_case(builder=comparisons.contradicted, rubric: Rubric | None = None,  # noqa: ANN001
              *, candidate: str | None = None, instruction: str = "") -> Case:
    """A Case from a hand-built comparison (rubric defaults to the shared error_severity)."""
    comp = builder()
    rubric = rubric or load_rubric(RUBRIC_DIR / "error_severity.toml")
    pair = Pair(id=builder.__name__, reference=comp.reference.text,
                candidate=comp.candidate.text if candidate is None else candidate,
                instruction=instruction)
    return Case(pair=pair, rubric=rubric, comparison=comp, domain="radiology")


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="session")
def tiny_server(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    from tests.helpers.tiny_server import serve

    with serve(tiny_model_dir, workdir=tmp_path_factory.mktemp("tiny-server")) as server:
        yield server
