from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kgjudge.scaffold import write_pack

sys.path.insert(0, str(Path(__file__).parent))  # batch_helpers / batch_fakes for worker processes


@pytest.fixture
def pack_dir(tmp_path: Path) -> Path:
    return write_pack("demo", tmp_path / "demo")[0].parent

