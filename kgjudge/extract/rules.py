"""The default ``rules`` extractor: pack lexicon + ConText + relation rules on a blank spaCy."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from kgjudge.extract.context import assert_mentions
from kgjudge.extract.pipeline import DocMatches, Mention, PackMatcher, build_nlp
from kgjudge.extract.relations import RelationRules
from kgjudge.graph import ReportGraph

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

    from kgjudge.domain import DomainPack


class GraphBuilder:
    """Shared back half of the spaCy-based extractors: assertions, relations, the graph."""

    def __init__(self, pack: DomainPack) -> None:
        self.pack = pack
        self.relations = RelationRules(pack)
        self.asserted_types = frozenset(pack.finding_roots)

    def build(self, doc: Doc, found: DocMatches, doc_id: str | None = None) -> ReportGraph:
        """The graph of one matched document."""
        graph = ReportGraph(text=doc.text, doc_id=doc_id)
        if not found.mentions:
            return graph
        asserted = assert_mentions(found.mentions, found, asserted_types=self.asserted_types,
                                   max_tokens=self.pack.context.max_tokens)
        ids = [self._add(graph, doc, m, assertion, historical)
               for m, assertion, historical in asserted]
        for r in self.relations.find(found.mentions, found):
            graph.add_edge(ids[r.source], r.relation, ids[r.target],
                           evidence=_chars(doc, r.start, r.end))
        return graph

    @staticmethod
    def _add(graph: ReportGraph, doc: Doc, m: Mention, assertion: str, historical: bool) -> str:
        return graph.add_node(m.key, m.type, assertion=assertion, label=m.label,
                              span=_chars(doc, m.start, m.end), in_ontology=m.in_ontology,
                              historical=historical)


def _chars(doc: Doc, start: int, end: int) -> tuple[int, int]:
    last = doc[end - 1]
    return doc[start].idx, last.idx + len(last.text)


class RulesExtractor:
    """Ontology phrase matching, ConText assertions and relation rules (no trained model).

    Args:
        pack: the domain pack whose lexicon and rules drive extraction.
        batch_size: documents per ``nlp.pipe`` batch.
    """

    name = "rules"

    def __init__(self, pack: DomainPack, *, batch_size: int = 256) -> None:
        self.pack = pack
        self.batch_size = batch_size
        self.nlp: Language = build_nlp(pack)
        self.matcher = PackMatcher(self.nlp, pack)
        self.builder = GraphBuilder(pack)

    def extract(self, text: str, doc_id: str | None = None) -> ReportGraph:
        doc = self.nlp(_check_text(text))
        return self.builder.build(doc, self.matcher.match(doc), doc_id)

    def extract_many(self, texts: Iterable[str]) -> Iterator[ReportGraph]:
        for doc in self.nlp.pipe((_check_text(t) for t in texts), batch_size=self.batch_size):
            yield self.builder.build(doc, self.matcher.match(doc))


def _check_text(text: str) -> str:
    if not isinstance(text, str):
        raise TypeError(f"extract() needs str, got {type(text).__name__}")
    return text
