from pathlib import Path

import pytest

from kgjudge.scaffold import write_pack


@pytest.fixture
def demo_pack(tmp_path: Path) -> Path:
    """A freshly scaffolded, valid pack to break in one way per test."""
    return write_pack("demo", tmp_path / "demo")[0].parent
