"""Shared pytest configuration: no test may reach the network or a model hub."""

import gc
import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")


def pytest_sessionstart(session):  # noqa: ANN001, ANN201
    """Refuse to test compiled modules older than their source: the tests would pass or fail on
    code that is no longer in the tree."""
    from kgjudge.compiled import stale

    old = stale()
    if old:
        raise pytest.UsageError(
            "these kgjudge modules were compiled before their source last changed: "
            + ", ".join(old) + ". Build them again (KGJUDGE_COMPILE=1 .venv/bin/pip install -e "
            "'.[dev,train]'), or install with KGJUDGE_COMPILE=0 while editing them.")


@pytest.fixture(autouse=True)
def _unfreeze_after_each_test():  # noqa: ANN202
    """The CLI settles what it loaded (gc.freeze, kgjudge.runtime.settle), and tests run it in
    this process: undo that after each test, or every test's packs and extractors would stay."""
    yield
    if gc.get_freeze_count():
        gc.unfreeze()
