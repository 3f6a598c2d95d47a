"""Entity highlighting: a document's text with each mention styled by type and tagged by assertion.

Colour alone is not enough (colour-blind users, monochrome terminals, screen readers), so every
mention is followed by a text marker: ``effusion[+]`` present, ``[-]`` absent, ``[?]`` uncertain,
``[h]`` historical. Markers shift offsets, so ``Highlighted.to_display`` maps a character offset of
the original text (graph spans, diff spans) to the offset in the displayed text.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text

from kgjudge.graph import Node, Span

#: Assertion -> marker appended after each mention.
MARKERS = {"present": "[+]", "absent": "[-]", "uncertain": "[?]"}
HISTORICAL_MARKER = "[h]"


@dataclass(frozen=True)
class Mention:
    """One highlighted stretch of the original text."""

    start: int
    end: int
    type: str
    marker: str


@dataclass(frozen=True)
class Highlighted:
    """Displayed text (with markers) and the offset map back to the original text."""

    text: Text
    insert_at: tuple[int, ...]
    """Original offsets where markers were inserted, ascending."""
    shift_after: tuple[int, ...]
    """Cumulative marker length inserted at or before each insert_at entry."""

    def to_display(self, offset: int) -> int:
        """Offset in the displayed text of the character at ``offset`` in the original."""
        i = bisect_right(self.insert_at, offset)
        return offset + (self.shift_after[i - 1] if i else 0)

    def span_to_display(self, span: Span) -> Span:
        start, end = span
        return self.to_display(start), self.to_display(max(start, end - 1)) + 1


def mentions_of(nodes: Iterable[Node], text_length: int) -> list[Mention]:
    """Mentions of every node's spans that fall inside the text, in text order, each once."""
    found: set[Mention] = set()
    for node in nodes:
        marker = MARKERS.get(node.assertion, f"[{node.assertion[:1]}]")
        if node.historical:
            marker += HISTORICAL_MARKER
        for start, end in node.spans:
            if 0 <= start < end <= text_length:
                found.add(Mention(start, end, node.type, marker))
    # One marker per (span, marker): two nodes for one mention (e.g. two types) tag it once.
    unique = {(m.start, m.end, m.marker): m for m in sorted(found, key=lambda m: m.type)}
    return sorted(unique.values(), key=lambda m: (m.start, m.end, m.marker))


def highlight(text: str, mentions: list[Mention], *, type_styles: Mapping[str, Style],
              marker_style: Style, focus: Iterable[Span] = (),
              focus_style: Style | None = None) -> Highlighted:
    """Style each mention by type, append its marker, and emphasise the ``focus`` spans."""
    inserts = sorted((m.end, m.marker) for m in mentions)
    pieces: list[str] = []
    insert_at: list[int] = []
    shift_after: list[int] = []
    marker_ranges: list[tuple[int, int]] = []
    position = shift = 0
    for at, marker in inserts:
        pieces.append(text[position:at])
        start = at + shift
        pieces.append(marker)
        marker_ranges.append((start, start + len(marker)))
        shift += len(marker)
        insert_at.append(at)
        shift_after.append(shift)
        position = at
    pieces.append(text[position:])
    result = Highlighted(Text("".join(pieces)), tuple(insert_at), tuple(shift_after))
    for m in mentions:
        start, end = result.span_to_display((m.start, m.end))
        result.text.stylize(type_styles.get(m.type, Style(bold=True)), start, end)
    for start, end in marker_ranges:
        result.text.stylize(marker_style, start, end)
    for span in focus:
        start, end = result.span_to_display(span)
        result.text.stylize(focus_style or Style(reverse=True), start, end)
    return result
