"""CaseTable: a virtual, read-only table of cases with a row cursor and clickable headers.

Written for the queue instead of Textual's DataTable because DataTable measures every cell of
every row when rows are added (about 0.3 ms a row here), so 10,000 cases took seconds to show;
this Line API widget renders only the visible rows, so opening, sorting and filtering a large
run cost the same as a small one. It keeps DataTable's names for what the queue uses
(row_count, cursor_row, move_cursor, get_row_at, RowSelected, HeaderSelected).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.segment import Segment
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

GAP = 2  # cells between columns


class CaseTable(ScrollView):
    """Rows of cell strings under a fixed header; Enter or a click selects a row."""

    can_focus = True

    COMPONENT_CLASSES = {"case-table--header", "case-table--cursor", "case-table--even"}
    DEFAULT_CSS = """
    CaseTable { height: 1fr; overflow-x: auto; overflow-y: auto; }
    CaseTable > .case-table--header { text-style: bold; background: $panel; color: $foreground; }
    CaseTable > .case-table--cursor { background: $block-cursor-blurred-background; }
    CaseTable:focus > .case-table--cursor {
        background: $block-cursor-background; color: $block-cursor-foreground; text-style: bold;
    }
    CaseTable > .case-table--even { background: $surface-lighten-1 40%; }
    """
    BINDINGS = [
        Binding("enter", "select_cursor", "Open", show=False),
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
    ]

    cursor_row: reactive[int] = reactive(0)

    class RowSelected(Message):
        """Row ``index`` (key ``row_key``) was chosen with Enter or a click."""

        def __init__(self, index: int, row_key: str) -> None:
            super().__init__()
            self.index = index
            self.row_key = row_key

    class HeaderSelected(Message):
        """The header of column ``column_key`` was clicked."""

        def __init__(self, column_key: str) -> None:
            super().__init__()
            self.column_key = column_key

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._columns: list[tuple[str, str]] = []
        self._rows: list[list[str]] = []
        self._keys: list[str] = []
        self._index: dict[str, int] = {}
        self._widths: list[int] = []

    # ------------------------------------------------------------------ data
    def set_columns(self, columns: Sequence[tuple[str, str]]) -> None:
        """(key, label) of each column, left to right."""
        self._columns = list(columns)

    def set_rows(self, keys: Sequence[str], rows: Sequence[list[str]]) -> None:
        """Replace every row (cells as strings); the cursor stays at its index, clamped."""
        self._keys, self._rows = list(keys), [list(r) for r in rows]
        self._index = {k: i for i, k in enumerate(self._keys)}
        columns = list(zip(*self._rows, strict=True)) or [() for _ in self._columns]
        self._widths = [max(len(label), max(map(len, cells), default=0))
                        for (_, label), cells in zip(self._columns, columns, strict=True)]
        width = sum(self._widths) + GAP * len(self._widths)
        self.virtual_size = Size(width, len(self._rows) + 1)
        self.cursor_row = min(self.cursor_row, max(0, len(self._rows) - 1))
        self.refresh()

    def update_row(self, key: str, cells: list[str]) -> None:
        """Replace the cells of the row ``key`` (if shown)."""
        index = self._index.get(key)
        if index is not None:
            self._rows[index] = list(cells)
            self._widths = [max(w, len(c)) for w, c in zip(self._widths, cells, strict=True)]
            self.refresh()

    @property
    def row_count(self) -> int:
        return len(self._rows)

    def get_row_at(self, index: int) -> list[str]:
        return list(self._rows[index])

    def move_cursor(self, *, row: int) -> None:
        self.cursor_row = row

    def validate_cursor_row(self, row: int) -> int:
        return max(0, min(row, len(self._rows) - 1))

    def watch_cursor_row(self) -> None:
        body = max(1, self.size.height - 1)
        top = int(self.scroll_y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False)
        elif self.cursor_row >= top + body:
            self.scroll_to(y=self.cursor_row - body + 1, animate=False)
        self.refresh()

    # ------------------------------------------------------------------ rendering
    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        scroll_x = int(self.scroll_x)
        if y == 0:
            cells = [label for _, label in self._columns]
            style = self.get_component_rich_style("case-table--header")
        else:
            index = int(self.scroll_y) + y - 1
            if index >= len(self._rows):
                return Strip.blank(width, self.rich_style)
            cells = self._rows[index]
            style = self.rich_style
            if index == self.cursor_row:
                style += self.get_component_rich_style("case-table--cursor")
            elif index % 2:
                style += self.get_component_rich_style("case-table--even")
        line = "".join(c[:w].ljust(w + GAP) for c, w in zip(cells, self._widths, strict=False))
        strip = Strip([Segment(line, style)], len(line))
        return strip.crop_extend(scroll_x, scroll_x + width, style)

    # ------------------------------------------------------------------ input
    def _column_at(self, x: int) -> str | None:
        position = 0
        for (key, _), w in zip(self._columns, self._widths, strict=False):
            position += w + GAP
            if x < position:
                return key
        return None

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            column = self._column_at(event.x + int(self.scroll_x))
            if column is not None:
                self.post_message(self.HeaderSelected(column))
            return
        index = int(self.scroll_y) + event.y - 1
        if 0 <= index < len(self._rows):
            already = index == self.cursor_row
            self.cursor_row = index
            if already or event.chain > 1:
                self.action_select_cursor()

    def action_select_cursor(self) -> None:
        if self._rows:
            self.post_message(self.RowSelected(self.cursor_row, self._keys[self.cursor_row]))

    def action_cursor_up(self) -> None:
        self.cursor_row -= 1

    def action_cursor_down(self) -> None:
        self.cursor_row += 1

    def action_page_up(self) -> None:
        self.cursor_row -= max(1, self.size.height - 2)

    def action_page_down(self) -> None:
        self.cursor_row += max(1, self.size.height - 2)

    def action_first(self) -> None:
        self.cursor_row = 0

    def action_last(self) -> None:
        self.cursor_row = len(self._rows) - 1
