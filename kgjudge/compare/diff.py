"""GraphDiff: the readable difference of two aligned graphs, as data and as short lines.

A finding is described with its modifiers and location in the document's own words
("small left pleural effusion"). Modifier and location nodes never get items of their own when
they belong to something: their absence shows in the owner's item (a missing finding's
description, or a relation mismatch of a matched finding). Lines go into an LLM judge's prompt,
so each item is one short line.
"""

from __future__ import annotations

from collections.abc import Iterable

from kgjudge.compare.align import GraphView, Matching
from kgjudge.compare.model import DIFF_KINDS, DiffItem, GraphDiff
from kgjudge.graph import Span

MODIFY = "modify"
LOCATED_AT = "located_at"
MODIFIER_TYPES = ("modifier", "measurement")
_PREFIX = {"absent": "no ", "uncertain": "possible "}


class _Side:
    """Reading helpers over one graph view."""

    def __init__(self, graph: GraphView) -> None:
        self.g = graph
        self.text = graph.graph.text if graph.graph is not None else ""
        # cached in the view, so a reference view reused across candidates is read once
        self._words: dict[str, str] = graph.memo.setdefault("words", {})
        self._modifiers: dict[str, list[str]] = graph.memo.setdefault("modifiers", {})

    def spans(self, ident: str) -> tuple[Span, ...]:
        return self.g.nodes[ident].spans

    def position(self, ident: str) -> int:
        spans = self.spans(ident)
        return spans[0][0] if spans else 1 << 30

    def words(self, ident: str) -> str:
        """The document's own wording of a node (first mention), else its label."""
        found = self._words.get(ident)
        if found is None:
            spans = self.spans(ident)
            found = ""
            if spans and self.text:
                start, end = spans[0]
                found = " ".join(self.text[start:end].lower().split())
            if not found:
                node = self.g.nodes[ident]
                found = node.label or node.key
            self._words[ident] = found
        return found

    def modifiers(self, ident: str) -> list[str]:
        found = self._modifiers.get(ident)
        if found is None:
            mods = [s for rel, s in self.g.into.get(ident, ()) if rel == MODIFY]
            found = sorted(mods, key=lambda m: (self.position(m), m)) if len(mods) > 1 else mods
            self._modifiers[ident] = found
        return found

    def locations(self, ident: str) -> list[str]:
        return [t for rel, t in self.g.out.get(ident, ()) if rel == LOCATED_AT]  # out is sorted

    def others(self, ident: str) -> list[tuple[str, str]]:
        return [(rel, t) for rel, t in self.g.out.get(ident, ()) if rel not in (MODIFY, LOCATED_AT)]

    def modifier_words(self, modifier: str, owner: str) -> str:
        """A modifier's words, or its label when its mention is the owner's ('lungs' read as
        bilateral): the text would only repeat the owner."""
        if set(self.spans(modifier)) & set(self.spans(owner)):
            node = self.g.nodes[modifier]
            return node.label or node.key
        return self.words(modifier)

    def phrase(self, ident: str) -> str:
        """Modifiers and words of a node: 'left pleural'."""
        return " ".join([*(self.modifier_words(m, ident) for m in self.modifiers(ident)),
                         self.words(ident)])

    def describe(self, ident: str, *, assertion: bool = True) -> str:
        """'small left pleural effusion'; 'no pneumothorax' for an absent finding."""
        here = self.position(ident)
        locations = self.locations(ident)
        before = [t for t in locations if self.position(t) < here]  # "left pleural effusion"
        after = [t for t in locations if self.position(t) >= here]  # "effusion in the lung"
        parts = [self.modifier_words(m, ident) for m in self.modifiers(ident)]
        parts += [" and ".join(self.phrase(t) for t in before), self.words(ident)]
        if after:
            parts.append("in " + " and ".join(self.phrase(t) for t in after))
        text = " ".join(p for p in parts if p)
        node = self.g.nodes[ident]
        return (_PREFIX.get(node.assertion, "") if assertion else "") + text

    def neighbourhood(self, ident: str) -> set[str]:
        """The node, its modifiers, its locations and their modifiers."""
        found = {ident, *self.modifiers(ident)}
        for t in self.locations(ident):
            found |= {t, *self.modifiers(t)}
        return found

    def owned(self) -> set[str]:
        """Nodes that modify something or are something's location (kept in the view's memo;
        callers only read it)."""
        found = self.g.memo.get("owned")
        if found is None:
            found = self.g.memo["owned"] = \
                {s for s, rel, _ in self.g.edges if rel == MODIFY} | \
                {t for _, rel, t in self.g.edges if rel == LOCATED_AT}
        return found


def build_diff(ref: GraphView, cand: GraphView, matching: Matching, *,
               finding_roots: Iterable[str] = ("observation", "device"),
               modifier_types: Iterable[str] = MODIFIER_TYPES) -> GraphDiff:
    """Matched, missing, extra, contradicted and relation-mismatch items of an alignment.

    A node of ``modifier_types`` that modifies nothing ('acute' alone) gets no missing or extra
    item: on its own it says nothing a judge could use. It still counts in the scores.
    """
    roots = frozenset(finding_roots)
    mods = frozenset(modifier_types)
    r_side, c_side = _Side(ref), _Side(cand)
    items: list[tuple[int, str, DiffItem]] = []
    contradicted_r = {r for r, _ in matching.contradictions}
    contradicted_c = {c for _, c in matching.contradictions}
    for rid, cid in matching.contradictions:
        items.append(_contradicted(r_side, c_side, rid, cid, roots))
    matched_c = {c for c, _ in matching.pairs.values()}
    r_owned, c_owned = r_side.owned(), c_side.owned()
    for rid in ref.ids:
        if rid not in matching.pairs and rid not in contradicted_r and _stands_alone(
                ref.nodes[rid].type, rid in r_owned, roots, mods):
            items.append(_single("missing", r_side, rid, roots))
    for cid in cand.ids:
        if cid not in matched_c and cid not in contradicted_c and _stands_alone(
                cand.nodes[cid].type, cid in c_owned, roots, mods):
            items.append(_single("extra", c_side, cid, roots))
    for rid, (cid, s) in matching.pairs.items():
        node = ref.nodes[rid]
        items.append(_matched(r_side, c_side, rid, cid, s, roots))
        if node.type in roots or rid not in r_owned:
            mismatch = _mismatch(r_side, c_side, rid, cid, matching, roots)
            if mismatch is not None:
                items.append(mismatch)
    order = {kind: i for i, kind in enumerate(DIFF_KINDS)}
    items.sort(key=lambda t: (order[t[2].kind], t[0], t[1]))
    return GraphDiff(tuple(item for *_, item in items))


def _stands_alone(type_: str, owned: bool, roots: frozenset[str], mods: frozenset[str]) -> bool:
    """Whether an unmatched node gets its own item: findings always; others when they belong to
    nothing (their loss is otherwise told by their owner's item), modifiers never."""
    return type_ in roots or (not owned and type_ not in mods)


def _item(kind: str, node_side: _Side, ident: str, roots: frozenset[str],
          **fields: object) -> DiffItem:
    node = node_side.g.nodes[ident]
    return DiffItem(kind=kind, key=node.key, label=node.label or node.key, type=node.type,
                    is_finding=node.type in roots, **fields)  # type: ignore[arg-type]


def _single(kind: str, side: _Side, ident: str,
            roots: frozenset[str]) -> tuple[int, str, DiffItem]:
    node = side.g.nodes[ident]
    spans = tuple(sorted({s for n in side.neighbourhood(ident) for s in side.spans(n)}))
    assertion = {"reference_assertion" if kind == "missing" else "candidate_assertion":
                 node.assertion}
    spans_field = "reference_spans" if kind == "missing" else "candidate_spans"
    item = _item(kind, side, ident, roots, detail=side.describe(ident),
                 **assertion, **{spans_field: spans})
    return side.position(ident), ident, item


def _contradicted(r: _Side, c: _Side, rid: str, cid: str,
                  roots: frozenset[str]) -> tuple[int, str, DiffItem]:
    ra, ca = r.g.nodes[rid].assertion, c.g.nodes[cid].assertion
    detail = f"{r.describe(rid, assertion=False)}: {ra} in the reference, {ca} in the candidate"
    item = _item("contradicted", r, rid, roots, reference_assertion=ra, candidate_assertion=ca,
                 reference_spans=r.spans(rid), candidate_spans=c.spans(cid), detail=detail)
    return r.position(rid), rid, item


def _matched(r: _Side, c: _Side, rid: str, cid: str, s: float,
             roots: frozenset[str]) -> tuple[int, str, DiffItem]:
    detail = r.words(rid)  # matched lines are not in the prompt by default: keep them cheap
    if s < 1.0:
        detail += f" ~ {c.words(cid)} (similarity {s:g})"
    item = _item("matched", r, rid, roots, reference_assertion=r.g.nodes[rid].assertion,
                 candidate_assertion=c.g.nodes[cid].assertion, reference_spans=r.spans(rid),
                 candidate_spans=c.spans(cid), detail=detail, similarity=s)
    return r.position(rid), rid, item


def _mismatch(r: _Side, c: _Side, rid: str, cid: str, matching: Matching,
              roots: frozenset[str]) -> tuple[int, str, DiffItem] | None:
    """One line for a matched node whose location (with its modifiers), modifiers or other
    relations differ between the graphs; None when they agree."""
    r_out, c_out = r.g.out.get(rid), c.g.out.get(cid)
    if not r_out and not c_out and not r.modifiers(rid) and not c.modifiers(cid):
        return None  # no location, modifier or relation on either side: nothing can differ
    pairs = matching.pairs

    def mapped(ident: str) -> str:
        return pairs[ident][0] if ident in pairs else f"\x00unmatched:{ident}"

    def place(side: _Side, t: str, to_cand: bool) -> tuple[str, frozenset[str]]:
        conv = mapped if to_cand else (lambda x: x)
        return conv(t), frozenset(conv(m) for m in side.modifiers(t))

    aspects = []
    if {place(r, t, True) for t in r.locations(rid)} != {place(c, t, False)
                                                         for t in c.locations(cid)}:
        aspects.append(("located at ", _phrases(r, r.locations(rid)),
                        _phrases(c, c.locations(cid))))
    if {mapped(m) for m in r.modifiers(rid)} != set(c.modifiers(cid)):
        aspects.append(("", _words(r, r.modifiers(rid)), _words(c, c.modifiers(cid))))
    r_other = {(rel, mapped(t)) for rel, t in r.others(rid)}
    if r_other != set(c.others(cid)):
        aspects.append(("", _relations(r, r.others(rid)), _relations(c, c.others(cid))))
    if not aspects:
        return None
    said = "; ".join(f"{lead}{a} in the reference, {b} in the candidate" for lead, a, b in aspects)
    detail = f"{r.words(rid)}: {said}"
    r_spans = tuple(sorted({s for n in r.neighbourhood(rid) for s in r.spans(n)}))
    c_spans = tuple(sorted({s for n in c.neighbourhood(cid) for s in c.spans(n)}))
    item = _item("relation_mismatch", r, rid, roots,
                 reference_assertion=r.g.nodes[rid].assertion,
                 candidate_assertion=c.g.nodes[cid].assertion, reference_spans=r_spans,
                 candidate_spans=c_spans, detail=detail, similarity=pairs[rid][1])
    return r.position(rid), rid, item


def _phrases(side: _Side, idents: list[str]) -> str:
    return " and ".join(side.phrase(t) for t in idents) or "no location"


def _words(side: _Side, idents: list[str]) -> str:
    return " ".join(side.words(m) for m in idents) or "unqualified"


def _relations(side: _Side, rels: list[tuple[str, str]]) -> str:
    return ", ".join(f"{rel.replace('_', ' ')} {side.words(t)}" for rel, t in rels) or "nothing"
