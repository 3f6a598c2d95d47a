"""Shared pytest configuration: no test may reach the network or a model hub."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")


def pytest_sessionstart(session):  # noqa: ANN001, ANN201
    """Refuse to test compiled modules older than their source: the tests would pass or fail on
    code that is no longer in the tree."""
    import pytest

    from kgjudge.compiled import stale

    old = stale()
    if old:
        raise pytest.UsageError(
            "these kgjudge modules were compiled before their source last changed: "
            + ", ".join(old) + ". Build them again (KGJUDGE_COMPILE=1 .venv/bin/pip install -e "
            "'.[dev,train]'), or install with KGJUDGE_COMPILE=0 while editing them.")
