"""The default ``rules`` extractor: pack lexicon + ConText + relation rules on a blank spaCy."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from spacy.attrs import IDX, LENGTH, ORTH, SPACY

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
from kgjudge.graph import ReportGraph, Span

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


#: A sentence's part with character spans relative to the sentence's first character:
#: ((key, type, assertion, label, span, in_ontology, historical, bilateral), ...) and
#: ((source, relation, target, evidence span), ...) over those nodes.
CharPart = tuple[tuple[tuple[str, str, str, str, Span, bool, bool, bool], ...],
                 tuple[tuple[int, str, int, Span], ...]]


class RulesExtractor:
    """Ontology phrase matching, ConText assertions and relation rules (no trained model).

    Two caches, both bounded (oldest entries go first), both exact:

    - documents: a text seen before gives a copy of its graph without being tokenised
      (extraction is a function of the text);
    - sentences, keyed by their tokens and the spaces after them: report wording repeats ("No
      pneumothorax.", "The lungs are clear."), and a sentence's mentions, assertions and
      relations depend on nothing outside it. Spans are kept relative to the sentence, so a
      document whose sentences are all cached is tokenised and assembled, never matched.

    Args:
        pack: the domain pack whose lexicon and rules drive extraction.
        batch_size: documents per batch (kept for the Extractor options; the tokenizer alone
            runs, one document at a time).
        cache_size: sentences kept, about 1 KiB each (0 turns both caches off); the oldest go
            first. 20,000 holds every distinct sentence of the 3,851 IU reports twice over.
        document_cache_size: documents kept (0 turns the document cache off).
    """

    name = "rules"

    def __init__(self, pack: DomainPack, *, batch_size: int = 256,
                 cache_size: int = 20_000, document_cache_size: int = 1024) -> None:
        self.pack = pack
        self.batch_size = batch_size
        self.cache_size = cache_size
        self.document_cache_size = document_cache_size if cache_size else 0
        self.nlp: Language = build_nlp(pack)
        self.matcher = PackMatcher(self.nlp, pack)
        self.builder = GraphBuilder(pack)
        self._ends = frozenset(self.nlp.vocab.strings.add(e) for e in SENTENCE_ENDS)
        self._cache: dict[bytes, CharPart | None] = {}
        self._documents: dict[str, ReportGraph] = {}
        self._seen: set[int] = set()

    def clear_cache(self) -> None:
        """Forget cached sentence and document results (benchmarks measure a cold start)."""
        self._cache.clear()
        self._documents.clear()
        self._seen.clear()

    def extract(self, text: str, doc_id: str | None = None) -> ReportGraph:
        _check_text(text)
        if self.document_cache_size:
            return self._cached_document(text, doc_id)
        graph = self._graph(self._doc(text), text)
        graph.doc_id = doc_id
        return graph

    def extract_many(self, texts: Iterable[str]) -> Iterator[ReportGraph]:
        for text in texts:
            yield self.extract(text)

    def _cached_document(self, text: str, doc_id: str | None) -> ReportGraph:
        template = self._documents.get(text)
        if template is not None:
            return template.copy(doc_id=doc_id)
        graph = self._graph(self._doc(text), text)
        # A document is kept from its second sighting on: most texts are seen once (a
        # candidate), and keeping those would only cost a copy and memory.
        seen = hash(text)
        if seen in self._seen:
            if len(self._documents) >= self.document_cache_size:
                del self._documents[next(iter(self._documents))]  # the oldest
            self._documents[text] = graph.copy()
        else:
            if len(self._seen) >= 8 * self.document_cache_size:
                self._seen.clear()
            self._seen.add(seen)
        graph.doc_id = doc_id
        return graph

    def _doc(self, text: str) -> Doc:
        # the blank pipeline is its tokenizer: skip nlp()'s per-call pipeline set-up
        return self.nlp(text) if self.nlp.pipe_names else self.nlp.make_doc(text)

    def _graph(self, doc: Doc, text: str) -> ReportGraph:
        if not self.cache_size or not len(doc):
            return self.builder.build(doc, self.matcher.match(doc, text), text=text)
        array = doc.to_array([ORTH, SPACY, IDX, LENGTH])
        tokens = array[:, :2].copy()  # a sentence's key: its tokens and the spaces after them
        begin = array[:, 2].tolist()
        cuts = self._cuts(array[:, 0].tolist())
        keys = [tokens[a:b].tobytes() for a, b in cuts]
        cached = [self._cache.get(key, False) for key in keys]
        if False in cached:
            missing = [cut for cut, part in zip(cuts, cached, strict=True) if part is False]
            found = self.matcher.match(doc, text, keep=missing)
            if not self._sentence_local(found):  # a match across a cut: no sentence parts
                return self.builder.build(doc, self.matcher.match(doc, text), text=text)
            fresh = dict(self.builder.parts(found))
            length = array[:, 3].tolist()
            while len(self._cache) + len(missing) > self.cache_size and self._cache:
                del self._cache[next(iter(self._cache))]  # the oldest first
            for k, ((a, _), key) in enumerate(zip(cuts, keys, strict=True)):
                if cached[k] is False:
                    part = fresh.get(a)
                    cached[k] = self._cache[key] = (
                        None if part is None else _char_part(part, a, begin, length))
        return self._assemble(text, [(begin[a], part)
                                     for (a, _), part in zip(cuts, cached, strict=True) if part])

    def _assemble(self, text: str, parts: list[tuple[int, CharPart]]) -> ReportGraph:
        """`GraphBuilder.assemble` over parts whose spans are characters from ``off``."""
        graph = ReportGraph(text=text)
        add_node, add_edge = graph.add_node, graph.add_edge
        bilateral: list[tuple[str, Span]] = []
        for off, (nodes, relations) in parts:
            ids = []
            for key, type_, assertion, label, (a, b), in_ontology, historical, both in nodes:
                nid = add_node(key, type_, assertion=assertion, label=label,
                               span=(a + off, b + off), in_ontology=in_ontology,
                               historical=historical)
                ids.append(nid)
                if both:
                    bilateral.append((nid, (a + off, b + off)))
            for source, relation, target, (a, b) in relations:
                add_edge(ids[source], relation, ids[target], evidence=(a + off, b + off))
        if self.builder.bilateral and bilateral:
            concept = self.pack.lexicon[self.builder.bilateral]
            for nid, span in bilateral:  # as GraphBuilder.assemble: "the lung bases"
                if any(e.relation == "located_at" for e in graph.in_edges(nid)):
                    side = add_node(concept.id, concept.type, label=concept.label, span=span)
                    add_edge(side, "modify", nid, evidence=span)
        return graph

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

    def _cuts(self, orth: Sequence[int]) -> list[tuple[int, int]]:
        """Sentence token ranges, cut as PackMatcher cuts them (after . ! ? and blank lines)."""
        n = len(orth)
        marks = self._ends
        ends = [i + 1 for i, o in enumerate(orth) if o in marks]
        bounds = [0, *ends] if ends and ends[-1] == n else [0, *ends, n]
        return [(a, b) for a, b in zip(bounds, bounds[1:], strict=False) if a < b]


def _char_part(part: Part, first: int, begin: list[int], length: list[int]) -> CharPart:
    """A sentence part (token offsets from token ``first``) in characters from its first
    character; the sentence's tokens and the spaces after them fix these offsets."""
    base = begin[first]

    def chars(start: int, end: int) -> Span:
        return begin[first + start] - base, begin[first + end - 1] + length[first + end - 1] - base

    asserted, relations = part
    return (tuple((m.key, m.type, assertion, m.label, chars(m.start, m.end), m.in_ontology,
                   historical, m.bilateral) for m, assertion, historical in asserted),
            tuple((source, relation, target, chars(start, end))
                  for source, relation, target, start, end in relations))


def _check_text(text: str) -> str:
    if not isinstance(text, str):
        raise TypeError(f"extract() needs str, got {type(text).__name__}")
    return text
