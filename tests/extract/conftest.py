from pathlib import Path

import pytest

from kgjudge.domain import DomainPack, load_pack
from kgjudge.extract import get_extractor

PACK = Path(__file__).parent / "pack"


@pytest.fixture(scope="session")
def pack() -> DomainPack:
    """A small chest-radiograph pack kept beside the tests (independent of domains/)."""
    return load_pack(PACK)


@pytest.fixture(scope="session")
def rules(pack: DomainPack):  # noqa: ANN201
    return get_extractor(pack, "rules")
