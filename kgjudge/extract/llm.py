"""The ``llm`` extractor: entities and relation triples from an OpenAI-compatible endpoint.

The reply is constrained by a JSON schema derived from the pack (entity types, assertions,
relations as enums) and validated again on arrival, since not every server enforces schemas:
an entity whose type is not a pack type, or whose text is an ontology concept of another type, is
rejected, never guessed; relations with unknown names or dangling indices are dropped. Rejections
are kept on the extractor (``rejected``) and reported on stderr. A reply that is not JSON is an
ExtractionError carrying the raw text.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from kgjudge.errors import ExtractionError, KgJudgeError
from kgjudge.graph import ReportGraph
from kgjudge.ontology import normalise

if TYPE_CHECKING:
    from kgjudge.domain import DomainPack

SYSTEM = (
    "You extract a knowledge graph from a {title} document. Return JSON only, matching the "
    "schema. entities: every mention of an entity, with its exact text as written, its type "
    "(one of: {types}) and its assertion (one of: {assertions}; negated mentions are 'absent', "
    "hedged ones 'uncertain'). relations: [source index, relation, target index] over the "
    "entities list, relation one of: {relations}. Do not invent entities that are not in the text."
)


def response_schema(pack: DomainPack) -> dict[str, Any]:
    """The JSON schema of a reply, with the pack's types, assertions and relations as enums."""
    return {
        "title": f"{pack.name}_graph",
        "type": "object",
        "additionalProperties": False,
        "required": ["entities", "relations"],
        "properties": {
            "entities": {"type": "array", "items": {
                "type": "object", "additionalProperties": False,
                "required": ["text", "type", "assertion"],
                "properties": {"text": {"type": "string"},
                               "type": {"type": "string", "enum": list(pack.entity_types)},
                               "assertion": {"type": "string", "enum": list(pack.assertions)}}}},
            "relations": {"type": "array", "items": {
                "type": "object", "additionalProperties": False,
                "required": ["source", "relation", "target"],
                "properties": {"source": {"type": "integer", "minimum": 0},
                               "relation": {"type": "string", "enum": list(pack.relation_types)},
                               "target": {"type": "integer", "minimum": 0}}}},
        },
    }


class LlmExtractor:
    """Graphs from an OpenAI-compatible chat endpoint (vLLM, transformers serve, ...).

    Args:
        pack: the domain pack (types, ontology).
        base_url: server URL (default ``[extractor].endpoint``, then $KGJUDGE_OPENAI_BASE_URL).
        model: model name (default ``[extractor].model``).
        endpoint: an existing ``kgjudge.endpoint.Endpoint`` (tests pass one on a mock transport).
        max_tokens: reply budget.
        **settings: further EndpointSettings (api_key, timeout_s, concurrency, ...).
    """

    name = "llm"

    def __init__(self, pack: DomainPack, *, base_url: str | None = None,
                 model: str | None = None, endpoint: Any = None, max_tokens: int = 1024,
                 **settings: Any) -> None:
        from kgjudge.endpoint import Endpoint

        self.pack = pack
        self.model: str = model or pack.extractor.model or ""
        if not self.model:
            raise ExtractionError(f"the llm extractor needs a model name: set [extractor].model "
                                  f"in {pack.path / 'domain.toml'} or pass model=")
        self.endpoint = endpoint or Endpoint(base_url=base_url or pack.extractor.endpoint,
                                             **settings)
        self.max_tokens = max_tokens
        self.schema = response_schema(pack)
        self.system = SYSTEM.format(title=pack.title, types=", ".join(pack.entity_types),
                                    assertions=", ".join(pack.assertions),
                                    relations=", ".join(pack.relation_types))
        self.rejected: list[str] = []

    def close(self) -> None:
        self.endpoint.close()

    def extract(self, text: str, doc_id: str | None = None) -> ReportGraph:
        if not isinstance(text, str):
            raise TypeError(f"extract() needs str, got {type(text).__name__}")
        if not text.strip():
            return ReportGraph(text=text, doc_id=doc_id)
        messages = [{"role": "system", "content": self.system}, {"role": "user", "content": text}]
        try:
            reply = self.endpoint.chat(messages, model=self.model, max_tokens=self.max_tokens,
                                       json_schema=self.schema)
        except KgJudgeError as e:
            raise ExtractionError(f"llm extractor: {e}") from e
        return self.graph_from_reply(text, reply.text, doc_id=doc_id)

    def extract_many(self, texts: Iterable[str]) -> Iterator[ReportGraph]:
        yield from self.endpoint.map(self.extract, texts)

    # ------------------------------------------------------------------ validation
    def graph_from_reply(self, text: str, reply: str, *, doc_id: str | None = None
                         ) -> ReportGraph:
        """Validate a reply against the pack and build the graph."""
        data = _parse(reply)
        graph = ReportGraph(text=text, doc_id=doc_id)
        ids: dict[int, str] = {}
        cursor = 0
        for i, entity in enumerate(data.get("entities") or []):
            node = self._node(entity)
            if node is None:
                continue
            key, etype, label, in_ontology, assertion = node
            span, cursor = _locate(text, str(entity["text"]), cursor)
            ids[i] = graph.add_node(key, etype, assertion=assertion, label=label, span=span,
                                    in_ontology=in_ontology)
        for rel in data.get("relations") or []:
            self._edge(graph, ids, rel)
        return graph

    def _node(self, entity: Any) -> tuple[str, str, str, bool, str] | None:
        """(key, type, label, in the ontology, assertion) of an entity, or None: rejected."""
        node = self._read_entity(entity)
        if isinstance(node, str):
            self._reject(node)
            return None
        return node

    def _read_entity(self, entity: Any) -> tuple[str, str, str, bool, str] | str:
        """The node of an entity, or why it is rejected."""
        if not isinstance(entity, dict) or not str(entity.get("text", "")).strip():
            return f"entity without text: {entity!r}"
        etype, surface = entity.get("type"), str(entity["text"])
        if etype not in self.pack.entity_types:
            return f"entity '{surface}': unknown type '{etype}'"
        assertion = entity.get("assertion", "present")
        if assertion not in self.pack.assertions:
            return f"entity '{surface}': unknown assertion '{assertion}'"
        concepts = self.pack.lexicon.lookup(surface)
        if concepts:
            matching = [c for c in concepts if c.type == etype]
            if not matching:
                return (f"entity '{surface}': typed '{etype}' but the ontology says "
                        f"'{concepts[0].type}'")
            c = matching[0]
            return c.id, etype, c.label, True, assertion
        key = normalise(surface)
        return key, etype, key, False, assertion

    def _edge(self, graph: ReportGraph, ids: dict[int, str], rel: Any) -> None:
        if not isinstance(rel, dict):
            self._reject(f"relation is not an object: {rel!r}")
            return
        source, relation, target = rel.get("source"), rel.get("relation"), rel.get("target")
        if relation not in self.pack.relation_types:
            self._reject(f"relation '{relation}' is not a relation of pack '{self.pack.name}'")
        elif source not in ids or target not in ids:
            self._reject(f"relation {source} -{relation}-> {target}: no such (valid) entity")
        else:
            graph.add_edge(ids[source], relation, ids[target])

    def _reject(self, why: str) -> None:
        self.rejected.append(why)
        print(f"kgjudge: llm extractor: rejected {why}", file=sys.stderr)


def _parse(reply: str) -> dict[str, Any]:
    body = reply.strip()
    if body.startswith("```"):  # some servers fence JSON even when asked not to
        body = body.strip("`").removeprefix("json").strip()
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise ExtractionError(f"llm extractor: the reply is not a JSON object; raw reply: "
                              f"{reply[:300]!r}. Use a server that supports json_schema "
                              "response formats (vLLM) or a model tuned for the task")
    return data


def _locate(text: str, surface: str, cursor: int) -> tuple[tuple[int, int] | None, int]:
    """Span of ``surface`` in ``text`` (case-insensitive), searching from ``cursor`` first."""
    needle = surface.strip().lower()
    haystack = text.lower()
    at = haystack.find(needle, cursor)
    if at < 0:
        at = haystack.find(needle)
    if at < 0 or not needle or len(haystack) != len(text):
        return None, cursor
    return (at, at + len(needle)), at + len(needle)
