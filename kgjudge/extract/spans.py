"""Token spans and ranges: the longest-first choice among overlapping spans, range look-up."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from operator import itemgetter
from typing import Any

_AFTER_ALL = 1 << 62  # sorts after every token index (bisect on (start, end) ranges)
START = itemgetter(0)
"""Sort key: a span's start."""


def longest_first(spans: Iterable[Any], *, ordered: bool = False
                  ) -> list[Any]:
    """Non-overlapping spans, longest first then leftmost (spaCy's filter_spans on tuples).

    Spans are taken in runs that overlap (a span overlapping nothing is a run of its own, the
    common case): what is kept in one run never depends on another run. ``ordered``: the spans
    are sorted by start already (a list), so they need no sort.
    """
    chosen: list[Any] = []
    run: list[Any] = []
    end = 0
    for span in spans if ordered else sorted(spans, key=START):
        if span[0] >= end:
            if run:
                chosen += run if len(run) == 1 else _longest_of(run)
            run = [span]
            end = span[1]
        else:
            run.append(span)
            if span[1] > end:
                end = span[1]
    if run:
        chosen += run if len(run) == 1 else _longest_of(run)
    return chosen


def _longest_of(run: list[Any]) -> list[Any]:
    """The greedy choice in one run of overlapping spans (sorted by start)."""
    if len(run) == 2:  # the usual run: a concept and a shorter one inside it
        first, second = run
        return [second if second[1] - second[0] > first[1] - first[0] else first]
    chosen: list[Any] = []
    taken: set[int] = set()
    # longest first; a stable sort of spans sorted by start keeps the leftmost first
    for span in sorted(run, key=_minus_length):
        tokens = range(span[0], span[1])
        if taken.isdisjoint(tokens):
            taken.update(tokens)
            chosen.append(span)
    chosen.sort(key=START)
    return chosen


def _minus_length(span: Any) -> int:
    return span[0] - span[1]


def inside(ranges: list[tuple[int, int]], i: int) -> bool:
    """Is token ``i`` in one of ``ranges`` (sorted, not overlapping)?"""
    k = bisect_right(ranges, (i, _AFTER_ALL)) - 1
    return k >= 0 and i < ranges[k][1]


def starting_in(items: Sequence[Any], starts: list[int], begin: int,
                end: int) -> tuple[int, int]:
    """Indices [lo, hi) of the ``items`` (sorted by start) that start in [begin, end): a
    sentence's mentions or triggers. ``starts`` is an empty list the caller keeps across the
    sentences of one document, filled with the items' starts on first need: a piece matched on
    its own is one sentence holding every item, the common case, and needs none."""
    if not items:
        return 0, 0
    if begin <= items[0][0] and items[-1][0] < end:
        return 0, len(items)
    if not starts:
        starts.extend(item[0] for item in items)
    return bisect_left(starts, begin), bisect_left(starts, end)
