"""ConText assertion: negated / uncertain / historical mentions from the pack's trigger lists.

medspaCy's ConText would be the library to use, but medspacy does not install with spaCy 3.8 (it
pins spaCy down to 3.7.5), so this implements the published algorithm (Chapman et al., "ConText:
an algorithm for determining negation, experiencer, and temporal status from clinical reports",
J Biomed Inform 2007) over the pack's triggers. A trigger's scope runs in its direction up to its
window, the sentence end, a terminator (pack terminators, 'terminate' triggers) or a trigger of
another category; 'pseudo' triggers ("no change") take their span away from the triggers they
contain and assert nothing. A mention in several scopes takes the nearest trigger.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from typing import NamedTuple

from kgjudge.extract.pipeline import DocMatches, Mention, TriggerHit

ASSERTION_OF = {"negated": "absent", "uncertain": "uncertain"}


class Scope(NamedTuple):
    """Tokens [start, end) a trigger governs."""

    start: int
    end: int
    trigger: TriggerHit

    def distance(self, mention: Mention) -> int:
        t = self.trigger
        return max(mention.start - t.end, t.start - mention.end, 0)


def scopes(found: DocMatches, *, max_tokens: int) -> list[Scope]:
    """The scope of every asserting trigger of a document."""
    result: list[Scope] = []
    at = [t.start for t in found.triggers]  # sorted: a sentence's triggers are a slice
    stops = found.terminators
    for s_start, s_end in found.sentences:
        triggers = found.triggers[bisect_left(at, s_start):bisect_left(at, s_end)]
        for t in triggers:
            if t.category == "pseudo":
                continue
            window = t.max_tokens or max_tokens
            # another assertion ends the scope ("no X, possible Y"); history is another axis
            # ("no prior surgery": still negated)
            others = [o for o in triggers if o.category != t.category and o is not t
                      and (o.category == "historical") == (t.category == "historical")
                      ] if len(triggers) > 1 else []
            if t.direction in ("forward", "bidirectional"):
                ends = [s_end, t.end + window, _next_stop(stops, t.end, s_end)]
                ends += [o.start for o in others if o.start >= t.end]
                result.append(Scope(t.end, min(ends), t))
            if t.direction in ("backward", "bidirectional"):
                starts = [s_start, t.start - window, _previous_stop(stops, t.start, s_start)]
                starts += [o.end for o in others if o.end <= t.start]
                result.append(Scope(max(starts), t.start, t))
    return result


def assert_mentions(mentions: Iterable[Mention], found: DocMatches, *, max_tokens: int,
                    asserted_types: frozenset[str]) -> list[tuple[Mention, str, bool]]:
    """(mention, assertion, historical) for each mention; only asserted types can be negated."""
    all_scopes = scopes(found, max_tokens=max_tokens) if found.triggers else []
    if not all_scopes:  # most sentences: nothing in scope, everything present
        return [(mention, "present", False) for mention in mentions]
    result = []
    for mention in mentions:
        covering = _covering(all_scopes, mention) if mention.type in asserted_types else None
        if not covering:
            result.append((mention, "present", False))
            continue
        historical = any(s.trigger.category == "historical" for s in covering)
        asserting = [s for s in covering if s.trigger.category in ASSERTION_OF]
        if asserting:
            nearest = min(asserting, key=lambda s: s.distance(mention))
            result.append((mention, ASSERTION_OF[nearest.trigger.category], historical))
        else:
            result.append((mention, "present", historical))
    return result


def _covering(all_scopes: list[Scope], mention: Mention) -> list[Scope]:
    """The scopes a mention is in, or inside the trigger of ('is not enlarged', 'no acute
    process')."""
    start, end = mention.start, mention.end
    return [s for s in all_scopes if (start < s.trigger.end and end > s.trigger.start)
            or (s.start <= start and end <= s.end)]


def _next_stop(stops: list[int], after: int, default: int) -> int:
    i = bisect_left(stops, after)
    return stops[i] if i < len(stops) else default


def _previous_stop(stops: list[int], before: int, default: int) -> int:
    i = bisect_right(stops, before - 1)
    return stops[i - 1] + 1 if i > 0 else default
