"""The radiology sentence fixture: the rules extractor on domains/radiology gives these graphs."""

import os
import re
from pathlib import Path

import pytest
import yaml

from kgjudge.domain import load_pack
from kgjudge.extract import get_extractor

FIXTURE = Path(__file__).parents[1] / "fixtures" / "radiology_sentences.yaml"
CASES = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
ASSERTIONS = {"present", "absent", "uncertain"}
EDGE = re.compile(r"^(.+) (modify|located_at|suggestive_of) (.+)$")


def parse_node(text: str) -> tuple[str, str, str]:
    words = text.split()
    assertion = words.pop() if words[-1] in ASSERTIONS else "present"
    node_type = words.pop()
    return " ".join(words), node_type, assertion


def parse_edge(text: str) -> tuple[str, str, str]:
    m = EDGE.match(text)
    assert m, f"malformed edge in fixture: {text!r}"
    return m.group(1), m.group(2), m.group(3)


@pytest.fixture(scope="module")
def radiology():  # noqa: ANN201
    # KGJUDGE_RADIOLOGY_PACK lets a pack author run the fixture against a working copy.
    return get_extractor(load_pack(os.environ.get("KGJUDGE_RADIOLOGY_PACK", "radiology")), "rules")


def test_fixture_is_large_and_well_formed() -> None:
    assert len(CASES) >= 80
    for case in CASES:
        assert set(case) == {"text", "nodes", "edges"}, case
        for node in case["nodes"]:
            assert len(node.split()) >= 2, node
        for edge in case["edges"]:
            parse_edge(edge)


@pytest.mark.parametrize("case", CASES, ids=[c["text"][:50] for c in CASES])
def test_sentence(radiology, case: dict) -> None:  # noqa: ANN001
    graph = radiology.extract(case["text"])
    nodes = {(n.key, n.type, n.assertion) for n in graph.nodes()}
    assert nodes == {parse_node(n) for n in case["nodes"]}
    keys = {n.id: n.key for n in graph.nodes()}
    edges = {(keys[e.source], e.relation, keys[e.target]) for e in graph.edges()}
    assert edges == {parse_edge(e) for e in case["edges"]}


def test_fixture_as_one_report(radiology) -> None:
    """Sentences joined into one report still give every sentence's nodes (scopes end at '.')."""
    text = " ".join(c["text"] for c in CASES[:20])
    graph = radiology.extract(text)
    nodes = {(n.key, n.assertion) for n in graph.nodes()}
    expected = {parse_node(n)[::2] for c in CASES[:20] for n in c["nodes"]}
    assert expected <= nodes
