"""ConText assertion: negated / uncertain / historical mentions from the pack's trigger lists.

medspaCy's ConText would be the library to use, but medspacy does not install with spaCy 3.8 (it
pins spaCy down to 3.7.5), so this implements the published algorithm (Chapman et al., "ConText:
an algorithm for determining negation, experiencer, and temporal status from clinical reports",
J Biomed Inform 2007) over the pack's triggers. A trigger's scope runs in its direction up to its
window, the sentence end, a terminator (pack terminators, 'terminate' triggers) or a trigger of
another category (but one marked ``ends_scopes = false``); 'pseudo' triggers ("no change") take
their span away from the triggers they contain and assert nothing. A mention in several scopes
takes the nearest trigger, but a hedge inside a negation's scope is negated with it. Two
additions of ours: a backward trigger over a part ("tip") asserts nothing, and
``ends_scopes = false`` for wording inside a noun phrase.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from kgjudge.extract.pipeline import DocMatches, Mention, TriggerHit
from kgjudge.extract.spans import TokenSpan, starting_in

ASSERTION_OF = {"negated": "absent", "uncertain": "uncertain"}


class Scope(TokenSpan):
    """Tokens [start, end) a trigger governs."""

    __slots__ = ("trigger",)
    FIELDS = ("start", "end", "trigger")

    def __init__(self, start: int, end: int, trigger: TriggerHit) -> None:
        self.start = start
        self.end = end
        self.trigger = trigger

    def distance(self, mention: Mention) -> int:
        t = self.trigger
        return max(mention.start - t.end, t.start - mention.end, 0)


def scopes(found: DocMatches, *, max_tokens: int) -> list[Scope]:
    """The scope of every asserting trigger of a document."""
    result: list[Scope] = []
    every = found.triggers
    if not every:
        return result
    at: list[int] = []  # trigger starts, for a document of several sentences
    stops = found.terminators
    for s_start, s_end in found.sentences:
        lo, hi = starting_in(every, at, s_start, s_end)
        triggers = every if hi - lo == len(every) else every[lo:hi]
        several = len(triggers) > 1
        for t in triggers:
            category = t.category
            if category == "pseudo":
                continue
            t_start, t_end, direction = t.start, t.end, t.direction
            window = t.max_tokens or max_tokens
            # another assertion ends the scope ("no X, possible Y"); history is another axis
            # ("no prior surgery": still negated)
            others = [o for o in triggers if o.category != category and o is not t
                      and o.ends_scopes
                      and (o.category == "historical") == (category == "historical")
                      ] if several else []
            if direction in ("forward", "bidirectional"):
                end = min(s_end, t_end + window, _next_stop(stops, t_end, s_end))
                for o in others:
                    if t_end <= o.start < end:
                        end = o.start
                result.append(Scope(t_end, end, t))
            if direction in ("backward", "bidirectional"):
                start = max(s_start, t_start - window, _previous_stop(stops, t_start, s_start))
                for o in others:
                    if start < o.end <= t_start:
                        start = o.end
                result.append(Scope(start, t_start, t))
    return result


def assert_mentions(mentions: Sequence[Mention], found: DocMatches, *, max_tokens: int,
                    asserted_types: frozenset[str], parts: frozenset[str] = frozenset()
                    ) -> list[tuple[Mention, str, bool]]:
    """(mention, assertion, historical) for each mention; only asserted types can be negated.
    ``parts``: concepts naming a part of a thing (ContextRules.parts)."""
    all_scopes = scopes(found, max_tokens=max_tokens) if found.triggers else []
    if not all_scopes:  # most sentences: nothing in scope, everything present
        return [(mention, "present", False) for mention in mentions]
    if parts:
        all_scopes = _without_part_scopes(all_scopes, [m for m in mentions if m.key in parts])
    result = []
    for mention in mentions:
        if mention.type not in asserted_types:
            result.append((mention, "present", False))
            continue
        # the scopes the mention is in, or inside the trigger of ('is not enlarged', 'no acute
        # process')
        start, end = mention.start, mention.end
        covering = [s for s in all_scopes if (start < s.trigger.end and end > s.trigger.start)
                    or (s.start <= start and end <= s.end)]
        if not covering:
            result.append((mention, "present", False))
            continue
        categories = [s.trigger.category for s in covering]
        historical = "historical" in categories
        asserting = [s for s, c in zip(covering, categories, strict=True) if c in ASSERTION_OF]
        if asserting:
            nearest = asserting[0] if len(asserting) == 1 else \
                min(asserting, key=lambda s: s.distance(mention))
            if len(asserting) > 1 and _negated_hedge(nearest, asserting):
                nearest = next(s for s in asserting if s.trigger.category == "negated")
            result.append((mention, ASSERTION_OF[nearest.trigger.category], historical))
        else:
            result.append((mention, "present", historical))
    return result


def _negated_hedge(nearest: Scope, asserting: list[Scope]) -> bool:
    """Whether the nearest trigger is a hedge inside the scope of a negation that also reaches
    the mention: "no consolidation to suggest pneumonia" says nothing suggests it (absent)."""
    hedge = nearest.trigger
    return hedge.category == "uncertain" and any(
        s.trigger.category == "negated" and s.start <= hedge.start and hedge.end <= s.end
        for s in asserting)


def _without_part_scopes(all_scopes: list[Scope], parts: list[Mention]) -> list[Scope]:
    """The scopes but the backward ones holding a part ("the tip of the NG tube is not seen",
    "NG tube in the stomach, tip not seen"): such a trigger is about the part, which is never
    asserted itself, so it asserts nothing."""
    if not parts:
        return all_scopes
    return [s for s in all_scopes if s.end != s.trigger.start
            or not any(s.start <= p.start and p.end <= s.end for p in parts)]


def _next_stop(stops: list[int], after: int, default: int) -> int:
    i = bisect_left(stops, after)
    return stops[i] if i < len(stops) else default


def _previous_stop(stops: list[int], before: int, default: int) -> int:
    i = bisect_right(stops, before - 1)
    return stops[i - 1] + 1 if i > 0 else default
