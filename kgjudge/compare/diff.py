"""GraphDiff: the readable difference of two aligned graphs, as data and as short lines.

A finding is described with its modifiers and location in the document's own words
("small left pleural effusion"). Modifier and location nodes never get items of their own when
they belong to something: their absence shows in the owner's item (a missing finding's
description, or a relation mismatch of a matched finding). Lines go into an LLM judge's prompt,
so each item is one short line.

What depends on one graph alone (wordings, descriptions, a missing finding's whole item) is kept
in the view's memo, so a reference view cached for many candidates is read once.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from collections.abc import Set as AbstractSet

from kgjudge.compare.align import GraphView, Matching
from kgjudge.compare.model import DIFF_KINDS, DiffItem, GraphDiff
from kgjudge.graph import Node, Span

MODIFY = "modify"
LOCATED_AT = "located_at"
MODIFIER_TYPES = ("modifier", "measurement")
_PREFIX = {"absent": "no ", "uncertain": "possible "}
_FAR = 1 << 30
"""Position of a node without a mention: after every mentioned one."""

#: A node's locations with their modifiers: [(location, (modifier, ...))].
Located = list[tuple[str, tuple[str, ...]]]
#: A node's locations (with their modifiers), modifiers and other relations.
Relations = tuple[Located, list[str], list[tuple[str, str]]]
#: The same as sets (locations with modifier sets), to compare with a candidate's.
Shape = tuple[set[tuple[str, frozenset[str]]], set[str], set[tuple[str, str]]]
_NO_MODIFIERS: frozenset[str] = frozenset()
_BARE: Relations = ([], [], [])
"""The relations of a node without any (read only)."""


class _Side:
    """Reading helpers over one graph view; each answer is kept for the view's lifetime."""

    def __init__(self, graph: GraphView) -> None:
        # the view's parts, not the view: kept in its memo, a _Side must not make a cycle
        self.ids, self.nodes, self.edges = graph.ids, graph.nodes, graph.edges
        self.text = graph.graph.text if graph.graph is not None else ""
        self._words: dict[str, str] = {}
        self._described: dict[tuple[str, bool], str] = {}
        self._around: dict[str, tuple[Span, ...]] = {}
        self._order: list[str] | None = None
        self._shapes: dict[str, Shape] = {}
        self._singles: dict[tuple[str, frozenset[str], frozenset[str]],
                            dict[str, DiffItem | None]] = {}
        # every node's relations in one pass over the edges (explicit loops: a comprehension per
        # node would cost more than the work)
        self.modifiers_of: dict[str, list[str]] = {}
        self.owned: set[str] = set()
        """Nodes that modify something or are something's location."""
        for target, incoming in graph.into.items():
            mods = []
            for rel, source in incoming:  # into is sorted: by source
                if rel == MODIFY:
                    mods.append(source)
            if mods:
                if len(mods) > 1:
                    mods.sort(key=lambda m: (self.position(m), m))
                self.modifiers_of[target] = mods
                self.owned.update(mods)
        self.relations_of: dict[str, Relations] = {}
        """Nodes with a location, modifier or other relation -> those (the others have none)."""
        for ident, out in graph.out.items():
            located, others = [], []
            for rel, t in out:
                if rel == LOCATED_AT:
                    located.append((t, tuple(self.modifiers_of.get(t, ()))))
                    self.owned.add(t)
                elif rel != MODIFY:
                    others.append((rel, t))
            if located or others or ident in self.modifiers_of:
                self.relations_of[ident] = (located, self.modifiers_of.get(ident, []), others)
        for ident, mods in self.modifiers_of.items():
            if ident not in self.relations_of:
                self.relations_of[ident] = ([], mods, [])

    @classmethod
    def of(cls, graph: GraphView) -> _Side:
        """The view's one _Side, kept in its memo."""
        side = graph.memo.get("side")
        if side is None:
            side = graph.memo["side"] = cls(graph)
        return side

    def order(self) -> list[str]:
        """Identities by first mention, then identity: the order of items of one kind."""
        if self._order is None:  # ids are sorted and sorting is stable: ties stay by identity
            self._order = sorted(self.ids, key=self.position)
        return self._order

    def spans(self, ident: str) -> tuple[Span, ...]:
        return self.nodes[ident].spans

    def position(self, ident: str) -> int:
        spans = self.nodes[ident].spans
        return spans[0][0] if spans else _FAR

    def words(self, ident: str) -> str:
        """The document's own wording of a node (first mention), else its label."""
        found = self._words.get(ident)
        if found is None:
            node = self.nodes[ident]
            found = ""
            if node.spans and self.text:
                start, end = node.spans[0]
                found = " ".join(self.text[start:end].lower().split())
            if not found:
                found = node.label or node.key
            self._words[ident] = found
        return found

    def modifiers(self, ident: str) -> list[str]:
        return self.modifiers_of.get(ident, [])

    def relations(self, ident: str) -> Relations:
        """The node's locations (out is sorted) with their modifiers, its modifiers, and its
        other relations."""
        return self.relations_of.get(ident, _BARE)

    def shape(self, ident: str) -> Shape:
        """relations() as sets."""
        found = self._shapes.get(ident)
        if found is None:
            located, mods, others = self.relations(ident)
            found = self._shapes[ident] = (
                {(t, frozenset(m)) for t, m in located}, set(mods), set(others))
        return found

    def locations(self, ident: str) -> list[str]:
        return [t for t, _ in self.relations(ident)[0]]

    def modifier_words(self, modifier: str, owner: str) -> str:
        """A modifier's words, or its label when its mention is the owner's ('lungs' read as
        bilateral): the text would only repeat the owner."""
        if set(self.spans(modifier)) & set(self.spans(owner)):
            node = self.nodes[modifier]
            return node.label or node.key
        return self.words(modifier)

    def phrase(self, ident: str) -> str:
        """Modifiers and words of a node: 'left pleural'."""
        return " ".join([*(self.modifier_words(m, ident) for m in self.modifiers(ident)),
                         self.words(ident)])

    def describe(self, ident: str, *, assertion: bool = True) -> str:
        """'small left pleural effusion'; 'no pneumothorax' for an absent finding."""
        found = self._described.get((ident, assertion))
        if found is None:
            here = self.position(ident)
            locations = self.locations(ident)
            before = [t for t in locations if self.position(t) < here]  # "left pleural effusion"
            after = [t for t in locations if self.position(t) >= here]  # "effusion in the lung"
            parts = [self.modifier_words(m, ident) for m in self.modifiers(ident)]
            parts += [" and ".join(self.phrase(t) for t in before), self.words(ident)]
            if after:
                parts.append("in " + " and ".join(self.phrase(t) for t in after))
            text = " ".join(p for p in parts if p)
            prefix = _PREFIX.get(self.nodes[ident].assertion, "") if assertion else ""
            found = self._described[(ident, assertion)] = prefix + text
        return found

    def around(self, ident: str) -> tuple[Span, ...]:
        """Sorted spans of the node, its modifiers, its locations and their modifiers."""
        found = self._around.get(ident)
        if found is None:
            near = {ident, *self.modifiers(ident)}
            for t, mods in self.relations(ident)[0]:
                near.add(t)
                near.update(mods)
            found = self._around[ident] = tuple(sorted({s for n in near for s in self.spans(n)}))
        return found

    def single(self, kind: str, ident: str, roots: frozenset[str],
               mods: frozenset[str]) -> DiffItem | None:
        """The missing (reference side) or extra item of an unpaired node; None when it does not
        stand alone. It depends on this graph alone, so it is built once per view."""
        known = self._singles.get((kind, roots, mods))
        if known is None:
            known = self._singles[(kind, roots, mods)] = {}
        if ident in known:
            return known[ident]
        item = None
        if _stands_alone(self.nodes[ident].type, ident in self.owned, roots, mods):
            item = _single(kind, self, ident, roots)
        known[ident] = item
        return item


def build_diff(ref: GraphView, cand: GraphView, matching: Matching, *,
               finding_roots: Iterable[str] = ("observation", "device"),
               modifier_types: Iterable[str] = MODIFIER_TYPES) -> GraphDiff:
    """Matched, missing, extra, contradicted and relation-mismatch items of an alignment.

    Items come by kind (DIFF_KINDS), then by first mention, then by identity. A node of
    ``modifier_types`` that modifies nothing ('acute' alone) gets no missing or extra item: on
    its own it says nothing a judge could use. It still counts in the scores.
    """
    roots = frozenset(finding_roots)
    mods = frozenset(modifier_types)
    r, c = _Side.of(ref), _Side.of(cand)
    missing, matched, mismatched = _reference_items(r, c, matching, roots, mods)
    contradicted = [_contradicted(r, c, rid, cid, roots) for rid, cid in sorted(
        matching.contradictions, key=lambda pair: (r.position(pair[0]), pair[0]))]
    by_kind = {"contradicted": contradicted, "missing": missing,
               "extra": _extra_items(c, matching, roots, mods),
               "relation_mismatch": mismatched, "matched": matched}
    return GraphDiff(tuple(itertools.chain.from_iterable(by_kind[kind] for kind in DIFF_KINDS)))


def _reference_items(r: _Side, c: _Side, matching: Matching, roots: frozenset[str],
                     mods: frozenset[str]) -> tuple[list[DiffItem], list[DiffItem],
                                                    list[DiffItem]]:
    """Missing, matched and relation-mismatch items, each kind in item order (one pass over the
    reference's nodes in that order: nothing to sort)."""
    pairs, back = matching.pairs, matching.back
    contradicted = {rid for rid, _ in matching.contradictions}
    missing: list[DiffItem] = []
    matched: list[DiffItem] = []
    mismatched: list[DiffItem] = []
    for rid in r.order():
        found = pairs.get(rid)
        if found is None:
            item = None if rid in contradicted else r.single("missing", rid, roots, mods)
            if item is not None:
                missing.append(item)
            continue
        cid, s = found
        node, c_node = r.nodes[rid], c.nodes[cid]
        detail = r.words(rid)  # matched lines are not in the prompt by default: keep them cheap
        if s < 1.0:
            detail += f" ~ {c.words(cid)} (similarity {s:g})"
        matched.append(_item("matched", node, roots, node.assertion, c_node.assertion, node.spans,
                             c_node.spans, detail, s))
        if node.type in roots or rid not in r.owned:
            item = _mismatch(r, c, rid, cid, back, s, roots)
            if item is not None:
                mismatched.append(item)
    return missing, matched, mismatched


def _extra_items(c: _Side, matching: Matching, roots: frozenset[str],
                 mods: frozenset[str]) -> list[DiffItem]:
    """Extra items, in item order (the few found are sorted, not the whole candidate graph)."""
    back = matching.back
    contradicted = {cid for _, cid in matching.contradictions}
    extra = [(c.position(cid), cid, item) for cid in c.ids
             if cid not in back and cid not in contradicted
             and (item := c.single("extra", cid, roots, mods)) is not None]
    extra.sort(key=_position_and_id)
    return [item for *_, item in extra]


def _position_and_id(keyed: tuple[int, str, DiffItem]) -> tuple[int, str]:
    return keyed[0], keyed[1]


def _stands_alone(type_: str, owned: bool, roots: frozenset[str], mods: frozenset[str]) -> bool:
    """Whether an unmatched node gets its own item: findings always; others when they belong to
    nothing (their loss is otherwise told by their owner's item), modifiers never."""
    return type_ in roots or (not owned and type_ not in mods)


def _item(kind: str, node: Node, roots: frozenset[str], reference_assertion: str | None,
          candidate_assertion: str | None, reference_spans: tuple[Span, ...],
          candidate_spans: tuple[Span, ...], detail: str, similarity: float = 0.0) -> DiffItem:
    """A DiffItem about ``node`` (positional: keywords cost a third more, ~13 items a pair)."""
    return DiffItem(kind, node.key, node.label or node.key, node.type, node.type in roots,
                    reference_assertion, candidate_assertion, reference_spans, candidate_spans,
                    detail, similarity)


def _single(kind: str, side: _Side, ident: str, roots: frozenset[str]) -> DiffItem:
    node, spans, detail = side.nodes[ident], side.around(ident), side.describe(ident)
    if kind == "missing":
        return _item(kind, node, roots, node.assertion, None, spans, (), detail)
    return _item(kind, node, roots, None, node.assertion, (), spans, detail)


def _contradicted(r: _Side, c: _Side, rid: str, cid: str, roots: frozenset[str]) -> DiffItem:
    ra, ca = r.nodes[rid].assertion, c.nodes[cid].assertion
    detail = f"{r.describe(rid, assertion=False)}: {ra} in the reference, {ca} in the candidate"
    return _item("contradicted", r.nodes[rid], roots, ra, ca, r.spans(rid), c.spans(cid), detail)


def _mismatch(r: _Side, c: _Side, rid: str, cid: str, back: dict[str, str], s: float,
              roots: frozenset[str]) -> DiffItem | None:
    """One line for a matched node whose location (with its modifiers), modifiers or other
    relations differ between the graphs; None when they agree.

    The candidate's side is read in reference terms (``back``: candidate -> reference identity),
    so the reference's side is the same sets for every candidate (kept in its view's memo). The
    alignment is one-to-one and unmatched nodes equal nothing, so this agrees exactly when the
    reference's side read in candidate terms would.
    """
    c_relations = c.relations_of.get(cid)
    if c_relations is None and rid not in r.relations_of:
        return None  # no location, modifier or relation on either side: nothing can differ
    c_located, c_mods, c_others = c_relations or _BARE
    r_places, r_mods, r_others = r.shape(rid)
    aspects = []
    get = back.get
    if not _same(((get(t), frozenset([get(m) for m in mods]) if mods else _NO_MODIFIERS)
                  for t, mods in c_located), len(c_located), r_places):
        aspects.append(("located at ", _phrases(r, r.locations(rid)),
                        _phrases(c, [t for t, _ in c_located])))
    if not _same(map(get, c_mods), len(c_mods), r_mods):
        aspects.append(("", _modifiers(r, r.modifiers(rid), rid), _modifiers(c, c_mods, cid)))
    if not _same(((rel, get(t)) for rel, t in c_others), len(c_others), r_others):
        aspects.append(("", _relations(r, r.relations(rid)[2]), _relations(c, c_others)))
    if not aspects:
        return None
    said = "; ".join(f"{lead}{a} in the reference, {b} in the candidate" for lead, a, b in aspects)
    node = r.nodes[rid]
    return _item("relation_mismatch", node, roots, node.assertion, c.nodes[cid].assertion,
                 r.around(rid), c.around(cid), f"{r.words(rid)}: {said}", s)


def _same(mapped: Iterable[object], count: int, expected: AbstractSet[object]) -> bool:
    """The candidate's ``count`` items, ``mapped`` into reference terms, are the reference's
    set ``expected``: its items are distinct and ``back`` is one-to-one, so equal counts and
    every item found suffice (no set is built); an unmatched candidate node reads as None,
    which no reference set holds."""
    return count == len(expected) and all(map(expected.__contains__, mapped))


def _phrases(side: _Side, idents: list[str]) -> str:
    return " and ".join(side.phrase(t) for t in idents) or "no location"


def _modifiers(side: _Side, idents: Iterable[str], owner: str) -> str:
    return " ".join(side.modifier_words(m, owner) for m in idents) or "unqualified"


def _relations(side: _Side, rels: list[tuple[str, str]]) -> str:
    return ", ".join(f"{rel.replace('_', ' ')} {side.words(t)}" for rel, t in rels) or "nothing"
