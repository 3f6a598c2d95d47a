"""Fixtures for the review UI tests: a small synthetic run in a temporary store."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgjudge.tui.data import RunData
from kgjudge.tui.sample import build_sample_store


@pytest.fixture
def sample_db(tmp_path: Path) -> Path:
    path = tmp_path / "run.sqlite"
    store, _ = build_sample_store(path, 12)
    store.close()
    return path


@pytest.fixture
def run_data(sample_db: Path, monkeypatch: pytest.MonkeyPatch) -> RunData:
    monkeypatch.setenv("KGJUDGE_USER", "ana")
    data = RunData.open(sample_db)
    assert data is not None
    yield data
    data.store.close()
