"""The llm extractor on recorded server replies (httpx MockTransport): schema, validation."""

import json
from pathlib import Path

import httpx
import pytest

from kgjudge.endpoint import Endpoint
from kgjudge.errors import ExtractionError
from kgjudge.extract import get_extractor

RECORDED = Path(__file__).parent / "recorded"
REFERENCE = ("There is a small left pleural effusion. No pneumothorax. Possible consolidation in "
             "the left lower lobe, which may represent pneumonia.")


def replaying(name: str, requests: list) -> Endpoint:  # noqa: ANN001
    body = json.loads((RECORDED / f"{name}.json").read_text())

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(json.loads(request.content))
        return httpx.Response(200, json=body)

    return Endpoint(base_url="http://recorded.invalid/v1", max_retries=0,
                    transport=httpx.MockTransport(handler))


def extractor(pack, name: str, requests: list):  # noqa: ANN001, ANN201
    return get_extractor(pack, "llm", model="radiology-extractor",
                         endpoint=replaying(name, requests))


def test_request_carries_a_schema_from_the_pack(pack) -> None:  # noqa: ANN001
    requests: list = []
    extractor(pack, "reference_report", requests).extract(REFERENCE)
    (body,) = requests
    assert body["model"] == "radiology-extractor"
    schema = body["response_format"]["json_schema"]["schema"]
    entity = schema["properties"]["entities"]["items"]["properties"]
    assert entity["type"]["enum"] == list(pack.entity_types)
    assert entity["assertion"]["enum"] == ["present", "absent", "uncertain"]
    relation = schema["properties"]["relations"]["items"]["properties"]["relation"]
    assert relation["enum"] == list(pack.relation_types)
    assert body["messages"][-1] == {"role": "user", "content": REFERENCE}


def test_reference_reply_gives_the_reference_graph(pack, rules) -> None:  # noqa: ANN001
    graph = extractor(pack, "reference_report", []).extract(REFERENCE, doc_id="r1")
    assert graph.doc_id == "r1"
    assert {n.id for n in graph.nodes()} == {n.id for n in rules.extract(REFERENCE).nodes()}
    assert graph.triples() == rules.extract(REFERENCE).triples()
    for node in graph.nodes():
        (a, b), = node.spans
        assert REFERENCE[a:b].lower() in {node.label, "pleural"}


def test_unknown_types_are_rejected_never_guessed(pack) -> None:  # noqa: ANN001
    x = extractor(pack, "invalid_types", [])
    text = "Effusion. Heart. Pneumothorax. Pleura. Bronchiolitis obliterans?"
    graph = x.extract(text)
    assert {(n.key, n.type, n.assertion, n.in_ontology) for n in graph.nodes()} == {
        ("effusion", "observation", "present", True),
        ("bronchiolitis obliterans", "observation", "uncertain", False),
    }
    assert graph.triples() == {("effusion|present", "suggestive_of",
                                "bronchiolitis obliterans|uncertain")}
    joined = "\n".join(x.rejected)
    for why in ("unknown type 'disease'", "ontology says 'observation'", "unknown assertion",
                "entity without text", "relation 'causes'", "no such (valid) entity"):
        assert why in joined


def test_a_reply_that_is_not_json_is_an_extraction_error(pack) -> None:  # noqa: ANN001
    with pytest.raises(ExtractionError, match="not a JSON object.*small effusion"):
        extractor(pack, "not_json", []).extract("Small effusion.")


def test_empty_text_asks_nothing_and_many_keeps_order(pack) -> None:  # noqa: ANN001
    requests: list = []
    x = extractor(pack, "reference_report", requests)
    assert len(x.extract("  ")) == 0 and requests == []
    graphs = list(x.extract_many([REFERENCE, "", REFERENCE]))
    assert [len(g) > 0 for g in graphs] == [True, False, True] and len(requests) == 2


def test_server_errors_become_extraction_errors(pack) -> None:  # noqa: ANN001
    endpoint = Endpoint(base_url="http://recorded.invalid/v1", max_retries=0,
                        transport=httpx.MockTransport(lambda r: httpx.Response(503, text="down")))
    x = get_extractor(pack, "llm", model="m", endpoint=endpoint)
    with pytest.raises(ExtractionError, match="503"):
        x.extract("Small effusion.")


def test_model_is_required(pack) -> None:  # noqa: ANN001
    with pytest.raises(ExtractionError, match="model"):
        get_extractor(pack, "llm", base_url="http://127.0.0.1:9/v1")
