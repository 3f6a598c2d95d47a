"""Fixtures for training tests: the small test pack, its recipe on a tiny model, data, a run."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from kgjudge.domain import REPO_ROOT

if str(REPO_ROOT) not in sys.path:  # tests.helpers is importable under plain `pytest` too
    sys.path.insert(0, str(REPO_ROOT))

PACK_DIR = Path(__file__).parent / "pack"


@pytest.fixture(scope="session")
def pack():  # noqa: ANN201 - DomainPack
    from kgjudge.domain import load_pack

    return load_pack(PACK_DIR)


@pytest.fixture(scope="session")
def pipeline(pack):  # noqa: ANN001, ANN201
    from kgjudge.pipeline import Pipeline

    return Pipeline(pack)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.helpers.tiny_model import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="session")
def recipe(pack, tiny_model_dir):  # noqa: ANN001, ANN201
    from kgjudge.train.recipe import recipe_for

    return recipe_for(pack).with_base(str(tiny_model_dir))


@pytest.fixture(scope="session")
def records(pack, recipe, pipeline) -> list[dict[str, Any]]:  # noqa: ANN001
    from kgjudge.train.data import build_dataset

    return build_dataset(pack, recipe, pipeline=pipeline)


@pytest.fixture(scope="session")
def trained(pack, recipe, records, tmp_path_factory):  # noqa: ANN001, ANN201 - TrainResult
    from kgjudge.train.trainer import train

    out = tmp_path_factory.mktemp("trained")
    return train(pack, recipe, records, out, progress=False)
