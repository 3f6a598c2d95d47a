"""DocumentView: a scrolling, word-wrapped, highlighted document that can scroll to a span.

A Line API widget (ScrollView) rather than a Static, because it must know which wrapped line holds
a character offset (to scroll both documents to a diff item's spans) and must stay cheap for long
documents: only the visible lines are rendered.
"""

from __future__ import annotations

from bisect import bisect_right

from rich.console import Console
from rich.segment import Segment
from rich.text import Text

# Textual's own word-wrap offsets; Text.wrap drops the offsets the span lookup needs.
from textual._wrap import compute_wrap_offsets  # noqa: PLC2701
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from kgjudge.graph import Span
from kgjudge.tui.highlight import Highlighted


class DocumentView(ScrollView):
    """A highlighted document; posts ``Scrolled`` when the user scrolls it."""

    can_focus = True

    DEFAULT_CSS = """
    DocumentView {
        scrollbar-gutter: stable;
        overflow-x: hidden;
        height: 1fr;
        padding: 0 1;
        background: $surface;
    }
    DocumentView:focus { background-tint: $foreground 5%; }
    """

    class Scrolled(Message):
        """The user scrolled this document to ``fraction`` (0 top .. 1 bottom)."""

        def __init__(self, view: DocumentView, fraction: float) -> None:
            super().__init__()
            self.view = view
            self.fraction = fraction

        @property
        def control(self) -> DocumentView:
            return self.view

    def __init__(self, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._doc: Highlighted | None = None
        self._strips: list[Strip] = []
        self._line_starts: list[int] = []
        self._wrapped_width = -1
        self._following = False

    # ------------------------------------------------------------------ content
    def show(self, document: Highlighted) -> None:
        """Display ``document`` (keeps the scroll position when it is the same length)."""
        self._doc = document
        self._wrapped_width = -1
        self._rewrap()

    @property
    def plain(self) -> str:
        return self._doc.text.plain if self._doc else ""

    def on_resize(self) -> None:
        self._rewrap()

    def _rewrap(self) -> None:
        width = max(1, self.scrollable_content_region.width)
        if self._doc is None or width == self._wrapped_width:
            return
        self._wrapped_width = width
        console = self.app.console
        self._strips, self._line_starts = [], []
        position = 0
        for line in self._doc.text.split("\n", allow_blank=True):
            offsets = compute_wrap_offsets(line.plain, width, tab_size=4)
            starts = [0, *offsets]
            for part, start in zip(line.divide(offsets), starts, strict=True):
                self._line_starts.append(position + start)
                self._strips.append(_strip(part, console, width))
            position += len(line.plain) + 1
        self.virtual_size = Size(width, len(self._strips))
        self.refresh()

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width
        if index >= len(self._strips):
            return Strip.blank(width, self.rich_style)
        base = self.rich_style  # the widget's background under the text's own styles
        return self._strips[index].apply_style(base).crop_extend(0, width, base)

    # ------------------------------------------------------------------ scrolling
    def line_of(self, display_offset: int) -> int:
        """Index of the wrapped line holding ``display_offset`` of the displayed text."""
        return max(0, bisect_right(self._line_starts, display_offset) - 1)

    def scroll_to_span(self, span: Span) -> None:
        """Scroll so the original-text ``span`` sits a third of the way down the view."""
        if self._doc is None:
            return
        line = self.line_of(self._doc.to_display(span[0]))
        self._follow(lambda: self.scroll_to(y=max(0, line - self.size.height // 3),
                                            animate=False))

    def follow(self, fraction: float) -> None:
        """Scroll to ``fraction`` of the way down without announcing it (keeps views in step)."""
        self._follow(lambda: self.scroll_to(y=round(fraction * self.max_scroll_y),
                                            animate=False))

    def _follow(self, scroll) -> None:  # noqa: ANN001
        self._following = True
        try:
            scroll()
        finally:
            self._following = False

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if not self._following and self.max_scroll_y:
            self.post_message(self.Scrolled(self, new_value / self.max_scroll_y))


def _strip(line: Text, console: Console, width: int) -> Strip:
    segments = [s for s in line.render(console) if s.text != "\n"]
    return Strip(segments or [Segment("")], line.cell_len)
