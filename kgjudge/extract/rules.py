"""The default ``rules`` extractor: pack lexicon + ConText + relation rules on a blank spaCy."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from kgjudge.extract.context import assert_mentions
from kgjudge.extract.docread import char_span, orth
from kgjudge.extract.pipeline import (
    SENTENCE_ENDS,
    DocMatches,
    PackMatcher,
    bilateral_modifier,
    build_nlp,
)
from kgjudge.extract.relations import RelationRules
from kgjudge.extract.zones import VocabZones
from kgjudge.graph import FragmentEdge, FragmentNode, ReportGraph, Span, node_id

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

    from kgjudge.domain import DomainPack

#: The nodes and relations of a stretch of text, ready for ReportGraph.add_fragment (spans in
#: characters from the stretch's first character), and the (node id, start, end) of its
#: bilateral mentions ("the lung bases").
Part = tuple[tuple[FragmentNode, ...], tuple[FragmentEdge, ...], tuple[tuple[str, int, int], ...]]

_EMPTY: Part = ((), (), ())

#: Where a piece of text may end: after . ! ? and the one space that is the mark's trailing
#: whitespace (other whitespace after it starts the next piece, as spaCy makes it a token).
_PIECE_END = re.compile(r"[.!?](?: |(?=\s))")
_end = re.Match.end


def piece_ends(text: str) -> list[int]:
    """Where the pieces of ``text`` may end (character offsets, the last one ``len(text)``)."""
    return [*map(_end, _PIECE_END.finditer(text)), len(text)]


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
        bilateral = bilateral_modifier(pack)
        self.bilateral = None if bilateral is None else pack.lexicon[bilateral]

    def build(self, doc: Doc, found: DocMatches, doc_id: str | None = None, *,
              text: str | None = None) -> ReportGraph:
        """The graph of one matched document (``text``: the document's text, when at hand)."""
        graph = self.assemble(doc.text if text is None else text, [(0, self.part(doc, found))])
        graph.doc_id = doc_id
        return graph

    def part(self, doc: Doc, found: DocMatches) -> Part:
        """The asserted mentions of ``doc`` and the relations among them, in characters."""
        return self.parts(doc, found, [0])[0]

    def parts(self, doc: Doc, found: DocMatches, starts: list[int]) -> list[Part]:
        """The parts of ``doc`` cut at the characters ``starts`` (the first 0; sentences never
        cross a cut), each in characters from its own start."""
        if not found.mentions:
            return [_EMPTY] * len(starts)
        asserted = assert_mentions(found.mentions, found, asserted_types=self.asserted_types,
                                   max_tokens=self.pack.context.max_tokens,
                                   parts=self.pack.context.parts)
        several = len(starts) > 1
        nodes: list[list[FragmentNode]] = [[] for _ in starts]
        edges: list[list[FragmentEdge]] = [[] for _ in starts]
        bilateral: list[list[tuple[str, int, int]]] = [[] for _ in starts]
        ids = []
        for m, assertion, historical in asserted:
            a, b = char_span(doc, m.start, m.end)
            k = bisect_right(starts, a) - 1 if several else 0
            a, b = a - starts[k], b - starts[k]
            nid = node_id(m.key, assertion)
            nodes[k].append((nid, m.key, m.type, assertion, m.label, a, b, m.in_ontology,
                             historical))
            ids.append(nid)
            if m.bilateral:
                bilateral[k].append((nid, a, b))
        for r in self.relations.find(found.mentions, found):
            a, b = char_span(doc, r.start, r.end)
            k = bisect_right(starts, a) - 1 if several else 0
            edges[k].append((ids[r.source], r.relation, ids[r.target], a - starts[k],
                             b - starts[k]))
        return [(tuple(nodes[k]), tuple(edges[k]), tuple(bilateral[k]))
                for k in range(len(starts))]

    def assemble(self, text: str, parts: Iterable[tuple[int, Part]]) -> ReportGraph:
        """The graph of ``text`` from parts placed at their character offsets."""
        graph = ReportGraph(text=text)
        bilateral: list[tuple[str, Span]] = []
        for off, (nodes, edges, both) in parts:
            graph.add_fragment(nodes, edges, off)  # a method call mypyc makes native
            if both:
                bilateral += [(nid, (a + off, b + off)) for nid, a, b in both]
        concept = self.bilateral
        if concept is None:
            return graph
        for nid, span in bilateral:
            # "opacities in the lung bases": both sides, as "bilateral" would say (only where
            # a finding is located, so "the lungs are clear" stays plain)
            if any(e.relation == "located_at" for e in graph.in_edges(nid)):
                side = graph.add_node(concept.id, concept.type, label=concept.label, span=span)
                graph.add_edge(side, "modify", nid, evidence=span)
        return graph


class RulesExtractor:
    """Ontology phrase matching, ConText assertions and relation rules (no trained model).

    A document is cut into pieces of whole sentences (after . ! ? and whitespace), and each
    piece is tokenised, matched and asserted on its own: assertions and relations never cross
    a sentence, and spaCy tokenises whitespace-separated chunks independently, so a piece's
    nodes and relations depend on its text only. Two caches follow from that, both bounded
    (oldest entries go first) and exact:

    - pieces, keyed by their text: report wording repeats ("No pneumothorax.", "The lungs
      are clear."), and a document whose pieces were all seen before is assembled from them
      without being tokenised;
    - documents: a text seen twice gives a copy of its graph.

    Args:
        pack: the domain pack whose lexicon and rules drive extraction.
        batch_size: documents per batch (kept for the Extractor options; pieces are
            tokenised one at a time).
        cache_size: pieces kept, about 1 KiB each (0 turns both caches off). 20,000 holds
            every distinct sentence of the 3,851 IU reports twice over.
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
        # A pack whose phrases or open patterns run across a sentence end ("approx. 3 cm")
        # cannot be matched piece by piece: its documents are matched whole.
        self.by_piece = not _crosses_sentence_end(self.matcher, pack)
        self._zones = VocabZones(self.nlp)
        self._cache: dict[str, tuple[bool, Part | None]] = {}
        self._documents: dict[str, ReportGraph] = {}
        self._seen: set[int] = set()

    def clear_cache(self) -> None:
        """Forget cached piece and document results, and free the words first read in the
        open memory zone (benchmarks measure a cold start)."""
        self._zones.close()
        self._cache.clear()
        self._documents.clear()
        self._seen.clear()

    def extract(self, text: str, doc_id: str | None = None) -> ReportGraph:
        _check_text(text)
        if self.document_cache_size:
            return self._cached_document(text, doc_id)
        graph = self._graph(text)
        graph.doc_id = doc_id
        return graph

    def extract_many(self, texts: Iterable[str]) -> Iterator[ReportGraph]:
        for text in texts:
            yield self.extract(text)

    def _cached_document(self, text: str, doc_id: str | None) -> ReportGraph:
        template = self._documents.get(text)
        if template is not None:
            return template.copy(doc_id=doc_id)
        graph = self._graph(text)
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

    def _graph(self, text: str) -> ReportGraph:
        if not self.cache_size or not self.by_piece:
            self._zones.enter()
            doc = self.nlp.make_doc(text)
            return self.builder.build(doc, self.matcher.match(doc), text=text)
        cache = self._cache
        pieces: list[tuple[int, str]] = []  # (end, text)
        new: list[str] = []
        start = 0
        for cut in piece_ends(text):
            if cut > start:
                piece = text[start:cut]
                pieces.append((cut, piece))
                if piece not in cache:
                    new.append(piece)
                start = cut
        if len(new) > 1:
            self._read_together(new)
        parts: list[tuple[int, Part]] = []
        start = 0
        for cut, piece in pieces:
            if cut - len(piece) != start:  # grown from an earlier cut
                piece = text[start:cut]
            closed, part = cache.get(piece) or self._new_piece(piece)
            if not closed and cut < len(text):
                continue  # "approx. 3": the sentence goes on, the piece grows to the next cut
            if part is not None:
                parts.append((start, part))
            start = cut
        return self.builder.assemble(text, parts)

    def _read_together(self, new: list[str]) -> None:
        """Cache the results of a document's new pieces, tokenised and matched as few texts:
        each Doc, PhraseMatcher call and set-up of the rules costs several microseconds,
        however short the text (a first pass over the IU reports ran ~5% faster). Pieces are
        joined only where whitespace separates them (spaCy cuts chunks at whitespace, so each
        is tokenised as on its own), and a piece is cached only where it holds whole sentences
        of the joined text: the piece before it ends with a sentence-end token, and so does the
        piece itself unless it comes last. Its result is then the one it gets alone
        (tests/extract/test_caches.py holds the two equal); the others are left to
        `_new_piece`."""
        group: list[str] = []
        for piece in dict.fromkeys(new):
            if group and not (group[-1][-1].isspace() or piece[0].isspace()):
                self._read_group(group)
                group = []
            group.append(piece)
        self._read_group(group)

    def _read_group(self, group: list[str]) -> None:
        if len(group) == 1:
            self._new_piece(group[0])
            return
        self._zones.enter()
        doc = self.nlp.make_doc("".join(group))
        found = self.matcher.match(doc)
        starts = []
        at = 0
        for piece in group:
            starts.append(at)
            at += len(piece)
        parts = self.builder.parts(doc, found, starts)
        ends = self._ends
        sentence_ends = set()  # characters where a sentence-end mark ends a sentence
        for _, b in found.sentences:
            if orth(doc, b - 1) in ends:
                sentence_ends.add(char_span(doc, b - 1, b)[1])
        whole = True  # the piece starts a sentence of the joined text
        for k, piece in enumerate(group):
            # its last token's end: spaCy gives one space after a word to the word
            trailing = len(piece) > 1 and piece[-1] == " " and not piece[-2].isspace()
            end = starts[k] + len(piece) - trailing
            closed = end in sentence_ends
            if whole and (closed or k == len(group) - 1):
                part = parts[k]
                self._store(piece, (closed, part if part[0] else None))
            whole = closed

    def _new_piece(self, text: str) -> tuple[bool, Part | None]:
        """(whether the piece ends a sentence, its part or None without nodes) of a piece not
        in the cache, now cached."""
        self._zones.enter()
        doc = self.nlp.make_doc(text)
        part = self.builder.part(doc, self.matcher.match(doc))
        found = (len(doc) > 0 and orth(doc, len(doc) - 1) in self._ends,
                 part if part[0] else None)
        self._store(text, found)
        return found

    def _store(self, piece: str, found: tuple[bool, Part | None]) -> None:
        if len(self._cache) >= self.cache_size:
            del self._cache[next(iter(self._cache))]  # the oldest first
        self._cache[piece] = found


def _crosses_sentence_end(matcher: PackMatcher, pack: DomainPack) -> bool:
    """Whether a match could run across a sentence end: a phrase with a sentence-end token
    before its last, or an open pattern whose tokens (but the last) accept one."""
    from spacy.matcher import Matcher
    from spacy.tokens import Doc

    from kgjudge.ontology import normalise

    nlp = matcher.nlp
    phrases = [form for form, _ in pack.lexicon.forms()]
    phrases += [p for t in pack.context.triggers for p in t.phrases]
    phrases += [p for rule in pack.relations.phrases for p in rule.phrases]
    phrases += list(pack.context.terminators)
    # only a phrase holding an end's character can hold an end token: tokenise just those
    end_chars = set("".join(SENTENCE_ENDS))
    marked = (p for p in map(normalise, phrases) if p and not end_chars.isdisjoint(p))
    for doc in nlp.tokenizer.pipe(marked):
        if any(t.text in SENTENCE_ENDS for t in doc[:-1]):
            return True
    ends = [Doc(nlp.vocab, words=[end]) for end in SENTENCE_ENDS]
    for entity in pack.relations.entities:
        tokens = list(entity.pattern)
        inner = [t for i, t in enumerate(tokens)
                 if i < len(tokens) - 1 or t.get("OP") in ("*", "+")]
        for spec in inner:
            probe = Matcher(nlp.vocab)
            probe.add("end", [[{k: v for k, v in spec.items() if k != "OP"}]])
            if any(probe(doc) for doc in ends):
                return True
    return False


def _check_text(text: str) -> str:
    if not isinstance(text, str):
        raise TypeError(f"extract() needs str, got {type(text).__name__}")
    return text
