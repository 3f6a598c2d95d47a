"""The llm extractor against a real local OpenAI-compatible server (transformers serve).

The model is a tiny Llama the test trains in seconds to answer every prompt with one known JSON
reply (transformers serve ignores json_schema, so the reply also carries an entity of a type the
pack does not have and a dangling relation). What the extractor makes of it is then checked
exactly: located spans, assertions, the edge, and the rejections. A reply cut short by
max_tokens is an ExtractionError carrying the raw text, never a guessed graph.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kgjudge.domain import REPO_ROOT
from kgjudge.errors import ExtractionError
from kgjudge.extract import get_extractor
from kgjudge.extract.llm import LlmExtractor

if str(REPO_ROOT) not in sys.path:  # tests.helpers importable under plain `pytest`
    sys.path.insert(0, str(REPO_ROOT))

pytestmark = pytest.mark.integration

#: Words separated by single spaces: the tiny word-level tokenizer decodes them back as JSON.
REPLY = ('{ "entities" : [ '
         '{ "text" : "effusion" , "type" : "observation" , "assertion" : "present" } , '
         '{ "text" : "pleural" , "type" : "anatomy" , "assertion" : "present" } , '
         '{ "text" : "pneumothorax" , "type" : "observation" , "assertion" : "absent" } , '
         '{ "text" : "heart" , "type" : "organ" , "assertion" : "present" } ] , '
         '"relations" : [ { "source" : 0 , "relation" : "located_at" , "target" : 1 } , '
         '{ "source" : 7 , "relation" : "modify" , "target" : 0 } ] }')
TEXT = "Small left pleural effusion. No pneumothorax."


@pytest.fixture(scope="module")
def server(pack, tmp_path_factory: pytest.TempPathFactory) -> Iterator:  # noqa: ANN001
    from tests.helpers.tiny_model import build_parrot_model
    from tests.helpers.tiny_server import serve

    system = LlmExtractor(pack, base_url="http://127.0.0.1:1/v1", model="m").system
    prompts = [[{"role": "system", "content": system}, {"role": "user", "content": text}]
               for text in (TEXT, "The heart is enlarged.")]
    model_dir = build_parrot_model(tmp_path_factory.mktemp("llm-extract-model"), REPLY, prompts,
                                   steps=100)
    with serve(model_dir, workdir=tmp_path_factory.mktemp("llm-extract-server")) as running:
        yield running


def test_a_real_reply_becomes_the_validated_graph(server, pack) -> None:  # noqa: ANN001
    assert json.loads(REPLY)  # the contract the model was trained on is JSON
    extractor = get_extractor(pack, "llm", base_url=server.base_url, model=server.model,
                              max_tokens=200, max_retries=0)
    try:
        graph = extractor.extract(TEXT, "r1")
    finally:
        extractor.close()
    nodes = {n.id: n for n in graph.nodes()}
    assert set(nodes) == {"effusion|present", "pleura|present", "pneumothorax|absent"}
    assert [TEXT[a:b] for a, b in nodes["effusion|present"].spans] == ["effusion"]
    assert [TEXT[a:b] for a, b in nodes["pneumothorax|absent"].spans] == ["pneumothorax"]
    assert graph.triples() == {("effusion|present", "located_at", "pleura|present")}
    assert graph.doc_id == "r1"
    assert any("unknown type 'organ'" in why for why in extractor.rejected)
    assert any("7 -modify-> 0" in why for why in extractor.rejected)


def test_a_reply_cut_short_is_an_error_with_the_raw_text(server, pack) -> None:  # noqa: ANN001
    extractor = get_extractor(pack, "llm", base_url=server.base_url, model=server.model,
                              max_tokens=6, max_retries=0)
    try:
        with pytest.raises(ExtractionError, match=r"not a JSON object; raw reply: '\{ \"entities"):
            extractor.extract(TEXT)
    finally:
        extractor.close()
    assert Path(server.log).is_file()
