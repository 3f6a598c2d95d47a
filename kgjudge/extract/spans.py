"""Token spans and ranges: the records extraction makes, the longest-first choice among
overlapping spans, range look-up."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from typing import ClassVar, TypeVar

from kgjudge.records import Record

_AFTER_ALL = 1 << 62  # sorts after every token index (bisect on (start, end) ranges)


class TokenSpan(Record):
    """Tokens [start, end) of a document, and what a subclass says about them (a Record:
    compiled to a C struct, see kgjudge.records)."""

    __slots__ = ("start", "end")
    FIELDS: ClassVar[tuple[str, ...]] = ("start", "end")

    def __init__(self, start: int, end: int) -> None:
        self.start = start
        self.end = end


S = TypeVar("S", bound=TokenSpan)


def _start(span: TokenSpan) -> int:
    """Sort key: a span's start."""
    return span.start


def longest_first(spans: Iterable[S], *, ordered: bool = False) -> list[S]:
    """Non-overlapping spans, longest first then leftmost (spaCy's filter_spans on tuples).

    Spans are taken in runs that overlap (a span overlapping nothing is a run of its own, the
    common case): what is kept in one run never depends on another run. ``ordered``: the spans
    are sorted by start already (a list), so they need no sort.
    """
    chosen: list[S] = []
    run: list[S] = []
    end = 0
    for span in spans if ordered else sorted(spans, key=_start):
        if span.start >= end:
            if run:
                chosen += run if len(run) == 1 else _longest_of(run)
            run = [span]
            end = span.end
        else:
            run.append(span)
            if span.end > end:
                end = span.end
    if run:
        chosen += run if len(run) == 1 else _longest_of(run)
    return chosen


def _longest_of(run: list[S]) -> list[S]:
    """The greedy choice in one run of overlapping spans (sorted by start)."""
    if len(run) == 2:  # the usual run: a concept and a shorter one inside it
        first, second = run
        return [second if second.end - second.start > first.end - first.start else first]
    chosen: list[S] = []
    taken: set[int] = set()
    # longest first; a stable sort of spans sorted by start keeps the leftmost first
    for span in sorted(run, key=_minus_length):
        tokens = range(span.start, span.end)
        if taken.isdisjoint(tokens):
            taken.update(tokens)
            chosen.append(span)
    chosen.sort(key=_start)
    return chosen


def _minus_length(span: TokenSpan) -> int:
    return span.start - span.end


def inside(ranges: list[tuple[int, int]], i: int) -> bool:
    """Is token ``i`` in one of ``ranges`` (sorted, not overlapping)?"""
    k = bisect_right(ranges, (i, _AFTER_ALL)) - 1
    return k >= 0 and i < ranges[k][1]


def starting_in(items: Sequence[TokenSpan], starts: list[int], begin: int,
                end: int) -> tuple[int, int]:
    """Indices [lo, hi) of the ``items`` (sorted by start) that start in [begin, end): a
    sentence's mentions or triggers. ``starts`` is an empty list the caller keeps across the
    sentences of one document, filled with the items' starts on first need: a piece matched on
    its own is one sentence holding every item, the common case, and needs none."""
    if not items:
        return 0, 0
    if begin <= items[0].start and items[-1].start < end:
        return 0, len(items)
    if not starts:
        starts.extend(item.start for item in items)
    return bisect_left(starts, begin), bisect_left(starts, end)
