"""The default ``rules`` extractor: pack lexicon + ConText + relation rules on a blank spaCy."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from spacy.attrs import IDX, LENGTH, ORTH

from kgjudge.extract.context import assert_mentions
from kgjudge.extract.pipeline import (
    SENTENCE_ENDS,
    DocMatches,
    Mention,
    PackMatcher,
    bilateral_modifier,
    build_nlp,
)
from kgjudge.extract.relations import RelationRules
from kgjudge.graph import ReportGraph

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

    from kgjudge.domain import DomainPack

#: One sentence's result, token offsets relative to the sentence: (mention, assertion,
#: historical) triples and (source, relation, target, evidence start, evidence end) relations
#: over those mentions. Assertions and relations never cross a sentence, so a sentence's part
#: depends on its tokens only.
Part = tuple[tuple[tuple[Mention, str, bool], ...], tuple[tuple[int, str, int, int, int], ...]]


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
        return self.assemble(doc, self.parts(found), doc_id=doc_id, text=text)

    def parts(self, found: DocMatches) -> list[tuple[int, Part]]:
        """(sentence start token, part) for every sentence with a mention."""
        if not found.mentions:
            return []
        asserted = assert_mentions(found.mentions, found, asserted_types=self.asserted_types,
                                   max_tokens=self.pack.context.max_tokens)
        starts = [s for s, _ in found.sentences]
        by_sentence: dict[int, tuple[list, list]] = {}
        first: dict[int, int] = {}
        for k, (m, assertion, historical) in enumerate(asserted):
            s = starts[bisect_right(starts, m.start) - 1]
            first.setdefault(s, k)
            shifted = Mention(m.start - s, m.end - s, m.key, m.type, m.label, m.in_ontology,
                              m.side, m.bilateral)
            by_sentence.setdefault(s, ([], []))[0].append((shifted, assertion, historical))
        for r in self.relations.find(found.mentions, found):
            s = starts[bisect_right(starts, found.mentions[r.source].start) - 1]
            base = first[s]
            by_sentence[s][1].append((r.source - base, r.relation, r.target - base,
                                      r.start - s, r.end - s))
        return [(s, (tuple(a), tuple(r))) for s, (a, r) in by_sentence.items()]

    def assemble(self, doc: Doc, parts: Iterable[tuple[int, Part]], *,
                 doc_id: str | None = None, text: str | None = None) -> ReportGraph:
        """The graph from sentence parts placed at their token offsets in ``doc``."""
        graph = ReportGraph(text=doc.text if text is None else text, doc_id=doc_id)
        # Character offsets of every token in one call, not a Token object per look-up.
        begin, length = doc.to_array([IDX, LENGTH]).T.tolist() if len(doc) else ([], [])

        def chars(start: int, end: int) -> tuple[int, int]:
            return begin[start], begin[end - 1] + length[end - 1]

        placed: list[tuple[Mention, int, str]] = []
        for off, (asserted, relations) in parts:
            ids = []
            for m, assertion, historical in asserted:
                nid = graph.add_node(m.key, m.type, assertion=assertion, label=m.label,
                                     span=chars(off + m.start, off + m.end),
                                     in_ontology=m.in_ontology, historical=historical)
                ids.append(nid)
                placed.append((m, off, nid))
            for source, relation, target, start, end in relations:
                graph.add_edge(ids[source], relation, ids[target],
                               evidence=chars(off + start, off + end))
        if self.bilateral:
            concept = self.pack.lexicon[self.bilateral]
            for m, off, nid in placed:
                # "opacities in the lung bases": both sides, as "bilateral" would say (only
                # where a finding is located, so "the lungs are clear" stays plain)
                if m.bilateral and any(e.relation == "located_at" for e in graph.in_edges(nid)):
                    span = chars(off + m.start, off + m.end)
                    side = graph.add_node(concept.id, concept.type, label=concept.label, span=span)
                    graph.add_edge(side, "modify", nid, evidence=span)
        return graph


class RulesExtractor:
    """Ontology phrase matching, ConText assertions and relation rules (no trained model).

    Sentence results are cached by their tokens: report wording repeats ("No pneumothorax.",
    "The lungs are clear."), and a sentence's mentions, assertions and relations depend on
    nothing outside it.

    Args:
        pack: the domain pack whose lexicon and rules drive extraction.
        batch_size: documents per ``nlp.pipe`` batch.
        cache_size: sentences kept (0 turns the cache off).
    """

    name = "rules"

    def __init__(self, pack: DomainPack, *, batch_size: int = 256,
                 cache_size: int = 100_000) -> None:
        self.pack = pack
        self.batch_size = batch_size
        self.cache_size = cache_size
        self.nlp: Language = build_nlp(pack)
        self.matcher = PackMatcher(self.nlp, pack)
        self.builder = GraphBuilder(pack)
        self._ends = frozenset(self.nlp.vocab.strings.add(e) for e in SENTENCE_ENDS)
        self._cache: dict[tuple[int, ...], Part | None] = {}

    def clear_cache(self) -> None:
        """Forget cached sentence results (benchmarks measure a cold start with it)."""
        self._cache.clear()

    def extract(self, text: str, doc_id: str | None = None) -> ReportGraph:
        graph = self._graph(self.nlp(_check_text(text)), text)
        graph.doc_id = doc_id
        return graph

    def extract_many(self, texts: Iterable[str]) -> Iterator[ReportGraph]:
        pairs = ((_check_text(t), t) for t in texts)
        for doc, text in self.nlp.pipe(pairs, batch_size=self.batch_size, as_tuples=True):
            yield self._graph(doc, text)

    def _graph(self, doc: Doc, text: str) -> ReportGraph:
        if not self.cache_size or not len(doc):
            return self.builder.build(doc, self.matcher.match(doc, text), text=text)
        orth = doc.to_array(ORTH).tolist()
        cuts = self._sentences(orth)
        keys = [tuple(orth[s:e]) for s, e in cuts]
        cached = [self._cache.get(key, False) for key in keys]
        missing = [cut for cut, part in zip(cuts, cached) if part is False]
        parts = [(s, part) for (s, _), part in zip(cuts, cached) if part]
        if missing:
            found = self.matcher.match(doc, text, keep=missing)
            if not self._sentence_local(found):  # a match across a cut: no sentence parts
                return self.builder.build(doc, self.matcher.match(doc, text), text=text)
            fresh = dict(self.builder.parts(found))
            if len(self._cache) > self.cache_size:
                self._cache.clear()
            for (s, _), key, part in zip(cuts, keys, cached):
                if part is False:
                    self._cache[key] = fresh.get(s)
            parts = sorted([*parts, *fresh.items()], key=lambda p: p[0])
        return self.builder.assemble(doc, parts, text=text)

    @staticmethod
    def _sentence_local(found: DocMatches) -> bool:
        """No mention or trigger runs across a sentence cut (then sentences are independent)."""
        starts = [s for s, _ in found.sentences]
        ends = dict(found.sentences)
        for a, b in [*((m.start, m.end) for m in found.mentions),
                     *((t.start, t.end) for t in found.triggers)]:
            s = starts[bisect_right(starts, a) - 1]
            if b > ends[s]:
                return False
        return True

    def _sentences(self, orth: Sequence[int]) -> list[tuple[int, int]]:
        """Sentence token ranges, cut as PackMatcher cuts them (after . ! ? and blank lines)."""
        bounds = [0, *(i + 1 for i, o in enumerate(orth) if o in self._ends)]
        if bounds[-1] != len(orth):
            bounds.append(len(orth))
        return [(a, b) for a, b in zip(bounds, bounds[1:]) if a < b]


def _check_text(text: str) -> str:
    if not isinstance(text, str):
        raise TypeError(f"extract() needs str, got {type(text).__name__}")
    return text
