"""Synthetic pairs with the graph as the oracle (Self-Taught-Evaluator style).

A reference document is extracted; edits are planned on its graph and applied to its text through
the mention spans (drop the sentence holding a finding, insert or remove a negation trigger of the
pack's context rules, swap a side word for its kgj:side counterpart, move a location to a sibling
anatomy concept, change a modifier to a sibling, change a size, add an unsupported finding or
device, reorder sentences). The candidate is extracted again and compared with the reference: an
edit is kept only when the GraphDiff shows it, and every finding-level difference must be
explained by an edit. So the errors of each candidate, and therefore its target score and
rationale (kgjudge.train.targets), are known.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations
from random import Random
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kgjudge.compare.model import Comparison, DiffItem
    from kgjudge.domain import DomainPack
    from kgjudge.graph import Node, ReportGraph
    from kgjudge.pipeline import Pipeline
    from kgjudge.train.recipe import SyntheticSettings

#: A sentence: text up to . ! ? or a newline (a dot inside a number does not end it).
_SENTENCE = re.compile(r"(?:[^.!?\n]|\.(?=\d))+(?:[.!?]+|\n|$)[ \t]*\n*")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_ADJECTIVE_ENDINGS = ("al", "ar", "ary", "ic", "ous", "ed")
#: Words after which negation reads "not" ("is not enlarged", "shall not assign").
_NOT_AFTER = {"is", "are", "was", "were", "be", "shall", "will", "must", "may", "can", "should",
              "would", "could", "does", "do", "did", "has", "have", "had"}


@dataclass(frozen=True)
class Edit:
    """One known error of a synthetic candidate, as the GraphDiff shows it."""

    kind: str
    """An edit kind of kgjudge.train.recipe.EDIT_KINDS."""
    key: str
    """The finding concept it bears on."""
    label: str
    detail: str = ""
    """The diff's own sentence (e.g. 'effusion: located at left ... right ...')."""
    reference_assertion: str | None = None
    candidate_assertion: str | None = None


@dataclass(frozen=True)
class Plan:
    """A planned text edit: replace text[start:end] by ``text``; expect ``expect`` on ``keys``."""

    kind: str
    start: int
    end: int
    text: str
    expect: str
    """Diff kind the edit must show: missing, contradicted, relation_mismatch, extra, or ''."""
    keys: frozenset[str]
    sentence: int


@dataclass(frozen=True)
class Variant:
    """A verified synthetic candidate of one reference."""

    reference: str
    candidate: str
    edits: tuple[Edit, ...]
    comparison: Comparison


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, trailing whitespace included."""
    return [(m.start(), m.end()) for m in _SENTENCE.finditer(text) if m.group().strip()]


def _sentence_of(spans: list[tuple[int, int]], position: int) -> int:
    for i, (start, end) in enumerate(spans):
        if start <= position < end:
            return i
    return -1


class Perturber:
    """Plans, applies and verifies edits of reference documents of one pack."""

    def __init__(self, pack: DomainPack, pipeline: Pipeline, settings: SyntheticSettings,
                 *, seed: int = 0) -> None:
        self.pack, self.pipeline, self.settings = pack, pipeline, settings
        self.lexicon = pack.lexicon
        self.rng = Random(seed)
        self.negations = _negation_triggers(pack)
        clause = pack.relations.clause
        self.location_types = set(clause.located_at_targets)
        self.modifier_types = set(clause.modify_types) - set(settings.size_types)

    # ------------------------------------------------------------------ public
    def variants(self, reference: str) -> list[Variant]:
        """Verified variants of ``reference``: single edits, then combinations, at most
        ``per_reference`` (seeded, so the same inputs give the same variants)."""
        graph = self.pipeline.reference_graph(reference)
        plans = self.plan(reference, graph)
        self.rng.shuffle(plans)
        limit = self.settings.per_reference
        singles = [(p, v) for p in plans[: 2 * limit] if (v := self.realise(reference, graph, [p]))]
        # Half the room for single edits, the rest for combinations (the low scores).
        found = [v for _, v in singles][: max(1, limit // 2)]
        usable = [p for p, v in singles if p.kind != "reorder"]
        for combo in self._combos(usable):
            if len(found) >= limit:
                break
            variant = self.realise(reference, graph, combo)
            if variant is not None:
                found.append(variant)
        if not any(not v.edits or v.edits[0].kind == "reorder" for v in found):
            identity = self.realise(reference, graph, [])
            found += [identity] if identity else []
        return found[:limit]

    def plan(self, text: str, graph: ReportGraph) -> list[Plan]:
        """Every applicable edit of ``text`` (one per sentence and kind, plus additions)."""
        spans = sentences(text)
        findings = [n for n in graph.nodes() if n.type in self.pack.finding_roots and n.spans]
        by_sentence: dict[int, set[str]] = {}
        for n in findings:
            by_sentence.setdefault(_sentence_of(spans, n.spans[0][0]), set()).add(n.key)
        plans: list[Plan] = []
        if len(spans) >= 2:
            plans += [Plan("drop_finding", *spans[i], "", "missing", frozenset(keys), i)
                      for i, keys in by_sentence.items() if i >= 0]
            plans += self._reorder(text, spans, by_sentence)
        flip_types = self.settings.flip_types or self.pack.finding_roots
        for n in (n for n in findings if n.type in flip_types):
            i = _sentence_of(spans, n.spans[0][0])
            plans += self._flip(text, graph, n, spans[i] if i >= 0 else (0, len(text)), i,
                                by_sentence.get(i, set()))
        for n in graph.nodes():
            i = _sentence_of(spans, n.spans[0][0]) if n.spans else -1
            keys = frozenset(by_sentence.get(i, set()))
            if i >= 0 and keys:
                plans += self._attribute(text, n, i, keys)
        plans += self._additions(text, graph)
        unique = {(p.kind, p.start, p.end, p.text): p for p in plans}
        return list(unique.values())

    def realise(self, reference: str, graph: ReportGraph, plans: list[Plan]) -> Variant | None:
        """Apply ``plans``, extract and compare; the Variant when the diff confirms every edit."""
        candidate = apply(reference, plans)
        if not candidate.strip() or (plans and candidate == reference):
            return None
        comparison = self.pipeline.compare_pair(_pair(reference, candidate))
        edits = verify(comparison, plans, device_types=self.settings.device_types)
        if edits is None:
            return None
        return Variant(reference, candidate, tuple(edits), comparison)

    # ------------------------------------------------------------------ planning
    def _flip(self, text: str, graph: ReportGraph, node: Node, sentence: tuple[int, int],
              index: int, keys: set[str]) -> list[Plan]:
        start = _phrase_start(text, graph, node, sentence[0])
        if node.assertion == "present" and self.negations:
            before = text[sentence[0]:start].split()
            copula = bool(before) and before[-1].lower() in _NOT_AFTER
            trigger = "not" if copula and "not" in self.negations else self.negations[0]
            at_start = _at_start(text[sentence[0]:start])
            word = trigger.capitalize() if at_start else trigger
            rest = text[start]
            rest = rest.lower() if at_start and not text[start:start + 2].isupper() else rest
            return [Plan("flip_assertion", start, start + 1, f"{word} {rest}", "contradicted",
                         frozenset(keys), index)]
        if node.assertion == "absent":
            window = text[sentence[0]:node.spans[0][0]]
            for trigger in self.negations:
                matches = list(re.finditer(rf"\b{re.escape(trigger)}\b\s*", window, re.I))
                if matches:
                    match = matches[-1]  # the trigger nearest the finding
                    s, e = sentence[0] + match.start(), sentence[0] + match.end()
                    nxt = text[e:e + 1]
                    at_start = _at_start(text[sentence[0]:s])
                    return [Plan("flip_assertion", s, e + 1,
                                 nxt.upper() if at_start else nxt, "contradicted",
                                 frozenset(keys), index)]
        return []

    def _attribute(self, text: str, node: Node, index: int, keys: frozenset[str]) -> list[Plan]:
        start, end = node.spans[0]
        surface = text[start:end]
        concept = self.lexicon.get(node.key) if node.in_ontology else None
        plans = []
        if node.type in self.settings.size_types:
            numbers = list(_NUMBER.finditer(surface))
            if numbers:
                m = numbers[0]
                value = float(m.group())
                new = value * 2 if value < 5 else value / 2
                shown = f"{new:g}" if "." in m.group() or new != int(new) else str(int(new))
                plans.append(Plan("change_size", start + m.start(), start + m.end(), shown,
                                  "relation_mismatch", keys, index))
        if concept is None:
            return plans
        if concept.side in ("left", "right"):
            other = self._counterpart(concept)
            if other is not None:
                plans.append(Plan("swap_side", start, end, _cased(_form(other, surface), surface),
                                  "relation_mismatch", keys, index))
        elif node.type in self.location_types | self.modifier_types:
            sibling = self._sibling(concept)
            if sibling is not None:
                kind = "move_location" if node.type in self.location_types else "change_modifier"
                plans.append(Plan(kind, start, end, _cased(_form(sibling, surface), surface),
                                  "relation_mismatch", keys, index))
        return plans

    def _additions(self, text: str, graph: ReportGraph) -> list[Plan]:
        present = {n.key for n in graph.nodes()}
        related = set(present)
        for key in present:
            related |= set(self.lexicon.ancestors(key)) if key in self.lexicon else set()
        pool = [c for c in self.lexicon.concepts.values()
                if c.type in self.pack.finding_roots and c.id not in related and c.side is None
                and not any(a in present for a in self.lexicon.ancestors(c.id))]
        pool.sort(key=lambda c: c.id)
        self.rng.shuffle(pool)
        plans = []
        for kind, wanted in (("add_device", True), ("add_finding", False)):
            chosen = [c for c in pool if (c.type in self.settings.device_types) == wanted][:2]
            for concept in chosen:
                form = self.rng.choice(self.settings.templates[kind])
                sentence = form.format(label=concept.label, Label=concept.label[:1].upper()
                                       + concept.label[1:])
                sep = "" if not text or text[-1].isspace() else " "
                plans.append(Plan(kind, len(text), len(text), sep + sentence, "extra",
                                  frozenset({concept.id}), -1))
        return plans

    def _reorder(self, text: str, spans: list[tuple[int, int]],
                 by_sentence: dict[int, set[str]]) -> list[Plan]:
        for i in range(len(spans) - 1):
            if i in by_sentence and i + 1 in by_sentence:
                (a0, a1), (b0, b1) = spans[i], spans[i + 1]
                first, second = text[a0:a1], text[b0:b1]
                joined = second.rstrip() + _gap(first) + first.rstrip() + _gap(second)
                return [Plan("reorder", a0, b1, joined, "", frozenset(), -2)]
        return []

    def _counterpart(self, concept):  # noqa: ANN001, ANN202 - Concept | None
        opposite = {"left": "right", "right": "left"}[concept.side]
        candidates = [c for c in self.lexicon.concepts.values()
                      if c.side == opposite and c.type == concept.type
                      and set(c.broader) == set(concept.broader)]
        return min(candidates, key=lambda c: c.id) if candidates else None

    def _sibling(self, concept):  # noqa: ANN001, ANN202 - Concept | None
        if not concept.broader:
            return None
        family = set(self.lexicon.ancestors(concept.id)) | {concept.id}
        candidates = sorted(
            (c for c in self.lexicon.concepts.values()
             if c.type == concept.type and set(c.broader) & set(concept.broader)
             and c.id not in family and concept.id not in self.lexicon.ancestors(c.id)
             and c.side == concept.side), key=lambda c: c.id)
        return self.rng.choice(candidates) if candidates else None

    def _combos(self, plans: list[Plan]) -> Iterator[list[Plan]]:
        """Random combinations of 2..max_edits plans on distinct sentences."""
        top = min(self.settings.max_edits, len(plans))
        pools = [list(combinations(range(len(plans)), k)) for k in range(2, top + 1)]
        choices = [c for pool in pools for c in pool]
        self.rng.shuffle(choices)
        for chosen in choices[: 8 * self.settings.per_reference]:
            combo = [plans[i] for i in chosen]
            sentences_used = [p.sentence for p in combo if p.sentence >= 0]
            keys_used = [k for p in combo if p.kind.startswith("add") for k in p.keys]
            if len(set(sentences_used)) == len(sentences_used) and \
                    len(set(keys_used)) == len(keys_used):
                yield combo


def apply(text: str, plans: list[Plan]) -> str:
    """Apply non-overlapping replacements right to left, so earlier offsets stay valid."""
    for plan in sorted(plans, key=lambda p: (p.start, p.end), reverse=True):
        rest = text[plan.end:]
        # Two sentences inserted at one place stay apart.
        gap = " " if plan.start == plan.end and rest[:1].strip() and plan.text[-1:].strip() else ""
        text = text[: plan.start] + plan.text + gap + rest
    return text


def verify(comparison: Comparison, plans: list[Plan], *,
           device_types: tuple[str, ...] = ("device",)) -> list[Edit] | None:
    """The edits the diff confirms, or None when an edit is not shown or a finding-level
    difference is not explained by any edit (the graph is the oracle)."""
    items = [i for i in comparison.diff.items if i.kind != "matched" and i.is_finding]
    claimed: dict[int, Plan] = {}
    for plan in plans:
        hits = [n for n, i in enumerate(items) if i.kind == plan.expect and i.key in plan.keys]
        if plan.expect and not hits:
            return None
        for n in hits:
            claimed.setdefault(n, plan)
    for n, item in enumerate(items):
        if n not in claimed:
            same = [p for p in plans if p.expect == item.kind]
            if not same:
                return None
            claimed[n] = same[0]
    edits = [_edit(items[n], plan, device_types) for n, plan in sorted(claimed.items())]
    if any(p.kind == "reorder" for p in plans):
        edits.append(Edit("reorder", "", "sentence order"))
    return edits


def _edit(item: DiffItem, plan: Plan, device_types: tuple[str, ...]) -> Edit:
    kind = plan.kind
    if kind == "drop_finding" and item.reference_assertion == "absent":
        kind = "drop_negative"
    elif kind.startswith("add_"):
        kind = "add_device" if item.type in device_types else "add_finding"
    return Edit(kind, item.key, item.label or item.key, item.detail,
                item.reference_assertion, item.candidate_assertion)


def _negation_triggers(pack: DomainPack) -> list[str]:
    """Forward negation phrases of the pack, single words first ('no' before 'negative for')."""
    phrases = [p for t in pack.context.triggers
               if t.category == "negated" and t.direction == "forward" for p in t.phrases]
    return sorted(dict.fromkeys(p.lower() for p in phrases), key=lambda p: (len(p.split()), len(p)))


def _phrase_start(text: str, graph: ReportGraph, node: Node, floor: int) -> int:
    """Start of the noun phrase of ``node``: its span, extended left over adjacent mentions."""
    start = node.spans[0][0]
    ends: dict[int, int] = {}
    for other in graph.nodes():
        for s, e in other.spans:
            ends.setdefault(e, s)
    moved = True
    while moved:
        moved = False
        gap = start
        while gap > floor and text[gap - 1] in " \t":
            gap -= 1
        if gap in ends and ends[gap] >= floor and ends[gap] < start:
            start, moved = ends[gap], True
    return start


def _at_start(prefix: str) -> bool:
    """Whether text after ``prefix`` begins a sentence (also after a 'FINDINGS:' header)."""
    return not prefix.strip() or bool(re.fullmatch(r"\s*[A-Z][A-Z /]*:\s*", prefix))


def _form(concept, surface: str) -> str:  # noqa: ANN001 - Concept
    """The concept's label or synonym that reads like ``surface`` ("pleural" for "pulmonary",
    not "pleura"): same last two letters and word count where one has them."""
    forms = [concept.label, *concept.synonyms]
    words = len(surface.split())
    adjectival = surface.lower().endswith(_ADJECTIVE_ENDINGS)
    for test in (lambda f: f[-2:].lower() == surface[-2:].lower(),
                 lambda f: adjectival and f.lower().endswith(_ADJECTIVE_ENDINGS)):
        for candidate in forms:
            if test(candidate) and len(candidate.split()) == words:
                return candidate
    return concept.label


def _cased(label: str, surface: str) -> str:
    if surface[:1].isupper():
        return label[:1].upper() + label[1:]
    return label


def _gap(sentence: str) -> str:
    stripped = sentence.rstrip()
    return sentence[len(stripped):] or " "


def _pair(reference: str, candidate: str):  # noqa: ANN202 - Pair
    from kgjudge.judge.base import Pair

    return Pair(id="synthetic", reference=reference, candidate=candidate)
