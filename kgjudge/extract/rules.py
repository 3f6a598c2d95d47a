"""The default ``rules`` extractor: pack lexicon + ConText + relation rules on a blank spaCy."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from spacy.attrs import IDX, LENGTH

from kgjudge.extract.context import assert_mentions
from kgjudge.extract.pipeline import DocMatches, PackMatcher, bilateral_modifier, build_nlp
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
        # Findings, devices, procedures ... are asserted; anatomy (located_at targets) and
        # modifiers are what a sentence talks about, present even in "no left effusion".
        clause = pack.relations.clause
        self.asserted_types = frozenset(pack.finding_roots) | (
            frozenset(pack.entity_types) - frozenset(clause.located_at_targets)
            - frozenset(clause.modify_types))
        self.bilateral = bilateral_modifier(pack)

    def build(self, doc: Doc, found: DocMatches, doc_id: str | None = None, *,
              text: str | None = None) -> ReportGraph:
        """The graph of one matched document (``text``: the document's text, when at hand)."""
        graph = ReportGraph(text=doc.text if text is None else text, doc_id=doc_id)
        if not found.mentions:
            return graph
        asserted = assert_mentions(found.mentions, found, asserted_types=self.asserted_types,
                                   max_tokens=self.pack.context.max_tokens)
        # Character offsets of every token in one call, not a Token object per look-up.
        begin, length = doc.to_array([IDX, LENGTH]).T.tolist()
        ids = [graph.add_node(m.key, m.type, assertion=assertion, label=m.label,
                              span=(begin[m.start], begin[m.end - 1] + length[m.end - 1]),
                              in_ontology=m.in_ontology, historical=historical)
               for m, assertion, historical in asserted]
        for r in self.relations.find(found.mentions, found):
            graph.add_edge(ids[r.source], r.relation, ids[r.target],
                           evidence=(begin[r.start], begin[r.end - 1] + length[r.end - 1]))
        if self.bilateral:
            for m, nid in zip(found.mentions, ids):
                # "opacities in the lung bases": both sides, as "bilateral" would say (only
                # where a finding is located, so "the lungs are clear" stays plain)
                if m.bilateral and any(e.relation == "located_at" for e in graph.in_edges(nid)):
                    span = (begin[m.start], begin[m.end - 1] + length[m.end - 1])
                    concept = self.pack.lexicon[self.bilateral]
                    side = graph.add_node(concept.id, concept.type, label=concept.label, span=span)
                    graph.add_edge(side, "modify", nid, evidence=span)
        return graph


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
        return self.builder.build(doc, self.matcher.match(doc, text), doc_id, text=text)

    def extract_many(self, texts: Iterable[str]) -> Iterator[ReportGraph]:
        pairs = ((_check_text(t), t) for t in texts)
        for doc, text in self.nlp.pipe(pairs, batch_size=self.batch_size, as_tuples=True):
            yield self.builder.build(doc, self.matcher.match(doc, text), text=text)


def _check_text(text: str) -> str:
    if not isinstance(text, str):
        raise TypeError(f"extract() needs str, got {type(text).__name__}")
    return text
