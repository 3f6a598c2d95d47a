"""Extraction: documents -> ReportGraph, behind one small protocol.

Three extractors share the assertion (ConText) and relation steps:
- ``rules`` (default): a spaCy pipeline built from the domain pack's lexicon and rules;
- ``spacy``: a domain team's own installed spaCy NER pipeline (``[extractor].spacy_model``);
- ``llm``: triples from an OpenAI-compatible endpoint, validated against the ontology.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from kgjudge.errors import ConfigError, did_you_mean

if TYPE_CHECKING:
    from kgjudge.domain import DomainPack
    from kgjudge.graph import ReportGraph

#: Extractor name -> "module:factory"; factories take (pack, **options).
EXTRACTORS: dict[str, str] = {
    "rules": "kgjudge.extract.rules:RulesExtractor",
    "spacy": "kgjudge.extract.spacy_model:SpacyExtractor",
    "llm": "kgjudge.extract.llm:LlmExtractor",
}


@runtime_checkable
class Extractor(Protocol):
    """Turns text into a ReportGraph."""

    name: str

    def extract(self, text: str, doc_id: str | None = None) -> ReportGraph:
        """Extract one document's graph."""
        ...

    def extract_many(self, texts: Iterable[str]) -> Iterator[ReportGraph]:
        """Extract many documents, streaming (in input order)."""
        ...


def get_extractor(pack: DomainPack, name: str | None = None, **options: Any) -> Extractor:
    """The extractor ``name`` (default: the pack's ``[extractor].name``, else ``rules``)."""
    name = name or pack.extractor.name or "rules"
    target = EXTRACTORS.get(name)
    if target is None:
        raise ConfigError(f"unknown extractor '{name}'{did_you_mean(name, EXTRACTORS)}; "
                          f"known: {', '.join(EXTRACTORS)}")
    module_name, factory = target.split(":")
    return getattr(importlib.import_module(module_name), factory)(pack, **options)


__all__ = ["EXTRACTORS", "Extractor", "get_extractor"]
