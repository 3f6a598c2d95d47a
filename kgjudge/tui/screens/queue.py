"""QueueScreen: every case of a run in a sortable, filterable table; Enter opens a case."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Header, Select, Static

from kgjudge.tui.data import FILTERS, CaseKey, CaseRow, RunData
from kgjudge.tui.widgets.case_table import CaseTable

#: Fixed columns after the rubric scores: (key, label).
METRIC_COLUMNS = (("nsc", "NSC"), ("ams", "AMS"), ("scs", "SCS"), ("contradictions", "contra"),
                  ("status", "status"), ("reviewed", "reviewed"), ("overridden", "overridden"))


def row_key(key: CaseKey) -> str:
    """The DataTable row key of a case (source and id joined by a unit separator)."""
    return f"{key[0]}\x1f{key[1]}"


def key_of(row_key_value: str) -> CaseKey:
    source, _, case_id = row_key_value.partition("\x1f")
    return source, case_id


class QueueScreen(Screen[None]):
    """The run's cases; filters and sorting change what the case screen steps through."""

    DEFAULT_CSS = """
    QueueScreen #queue-bar { height: auto; }
    QueueScreen #queue-filter { width: 32; }
    QueueScreen #queue-count { width: 1fr; padding: 1 1 0 1; }
    QueueScreen CaseTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("enter", "open_case", "Open", id="open-case",
                tooltip="Open the case under the cursor", show=True),
        Binding("f", "next_filter", "Filter", id="filter",
                tooltip="Next filter (all, score <= 2, unscored, contradictions, unreviewed)"),
        Binding("s", "next_sort", "Sort", id="sort",
                tooltip="Sort by the next column"),
        Binding("S", "reverse_sort", "Reverse", id="reverse-sort",
                tooltip="Reverse the sort order", show=False),
        Binding("r", "toggle_reviewed", "Reviewed", id="reviewed",
                tooltip="Mark the case reviewed (again: not reviewed)"),
        Binding("slash", "focus_table", "Table", id="focus-table",
                tooltip="Move the focus to the table", show=False),
    ]

    def __init__(self, data: RunData) -> None:
        super().__init__()
        self.data = data
        self.filter_id = "all"
        self.sort_column = "id"
        self.sort_reverse = False
        self.shown_keys: list[CaseKey] = []
        self._columns = self._column_keys()
        self._formatters = [self._formatter(column) for column, _ in self._columns]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="queue-bar"):
            yield Select([(label, fid) for fid, label in FILTERS.items()], value="all",
                         allow_blank=False, id="queue-filter")
            yield Static(id="queue-count")
        yield CaseTable(id="queue-table")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = self.data.title
        table = self.query_one(CaseTable)
        table.set_columns(self._columns)
        self.refresh_rows()
        table.focus()

    # ------------------------------------------------------------------ rows
    def _column_keys(self) -> list[tuple[str, str]]:
        cols = [("id", "id")]
        if len({row.source for row in self.data.rows()}) > 1:
            cols.append(("source", "source"))
        cols += [(f"rubric:{r}", r) for r in self.data.rubrics]
        return cols + list(METRIC_COLUMNS)

    def refresh_rows(self, *, keep: CaseKey | None = None) -> None:
        """Re-filter, re-sort and refill the table, keeping the cursor on ``keep`` if shown."""
        rows = [r for r in self.data.rows() if r.matches(self.filter_id)]
        rows.sort(key=_sort_key(self.sort_column), reverse=self.sort_reverse)
        self.shown_keys = [r.key for r in rows]
        table = self.query_one(CaseTable)
        table.set_rows([row_key(r.key) for r in rows], [self._cells(r) for r in rows])
        if keep is not None and keep in self.shown_keys:
            table.move_cursor(row=self.shown_keys.index(keep))
        self._update_count()

    def _cells(self, row: CaseRow) -> list[str]:
        return [cell(row) for cell in self._formatters]

    def _formatter(self, column: str) -> Callable[[CaseRow], str]:
        """The function that writes ``column`` of a row (chosen once, not per cell)."""
        if column == "id":
            return lambda row: row.case_id
        if column == "source":
            return lambda row: row.source
        if column.startswith("rubric:"):
            rubric = column[7:]
            return lambda row: _shown(row.scores.get(rubric))
        return lambda row: _shown(getattr(row, column))

    def update_row(self, key: CaseKey) -> None:
        """Refresh one case's cells after an override or a review mark."""
        self.query_one(CaseTable).update_row(row_key(key), self._cells(self.data.row(key)))

    def _update_count(self) -> None:
        total = len(self.data.rows())
        direction = "descending" if self.sort_reverse else "ascending"
        sort_label = dict(self._columns).get(self.sort_column, self.sort_column)
        self.query_one("#queue-count", Static).update(
            f"{len(self.shown_keys):,} of {total:,} cases | filter: {FILTERS[self.filter_id]} | "
            f"sorted by {sort_label} {direction}")

    # ------------------------------------------------------------------ events
    def on_select_changed(self, event: Select.Changed) -> None:
        if event.value in FILTERS:
            self.set_filter(str(event.value))

    def on_case_table_header_selected(self, event: CaseTable.HeaderSelected) -> None:
        column = event.column_key
        self.sort_reverse = not self.sort_reverse if column == self.sort_column else False
        self.sort_column = column
        self.refresh_rows(keep=self.current_key())

    def on_case_table_row_selected(self, event: CaseTable.RowSelected) -> None:
        event.stop()
        self.open_case(key_of(event.row_key))

    def on_screen_resume(self) -> None:
        for key in self.data.take_changed():
            self.update_row(key)

    # ------------------------------------------------------------------ actions
    def current_key(self) -> CaseKey | None:
        table = self.query_one(CaseTable)
        if not self.shown_keys or table.cursor_row >= len(self.shown_keys):
            return None
        return self.shown_keys[table.cursor_row]

    def action_open_case(self) -> None:
        key = self.current_key()
        if key is not None:
            self.open_case(key)

    def open_case(self, key: CaseKey) -> None:
        from kgjudge.tui.screens.case import CaseScreen

        keys = self.shown_keys or [key]
        self.app.push_screen(CaseScreen(self.data, keys, keys.index(key) if key in keys else 0),
                             callback=self._case_closed)

    def _case_closed(self, key: CaseKey | None) -> None:
        if key is not None and key in self.shown_keys:
            self.query_one(CaseTable).move_cursor(row=self.shown_keys.index(key))

    def set_filter(self, filter_id: str) -> None:
        """Show only the cases passing ``filter_id`` (a FILTERS key)."""
        if filter_id == self.filter_id:
            return
        self.filter_id = filter_id  # at once, so a quick second key press sees it
        select = self.query_one(Select)
        if select.value != filter_id:
            with select.prevent(Select.Changed):
                select.value = filter_id
        self.refresh_rows(keep=self.current_key())

    def action_next_filter(self) -> None:
        ids = list(FILTERS)
        self.set_filter(ids[(ids.index(self.filter_id) + 1) % len(ids)])

    def action_next_sort(self) -> None:
        keys = [k for k, _ in self._columns]
        self.sort_column = keys[(keys.index(self.sort_column) + 1) % len(keys)]
        self.sort_reverse = False
        self.refresh_rows(keep=self.current_key())

    def action_reverse_sort(self) -> None:
        self.sort_reverse = not self.sort_reverse
        self.refresh_rows(keep=self.current_key())

    def action_toggle_reviewed(self) -> None:
        key = self.current_key()
        if key is not None:
            self.data.mark_reviewed(key, not self.data.row(key).reviewed)
            self.data.take_changed()
            self.update_row(key)

    def action_focus_table(self) -> None:
        self.query_one(CaseTable).focus()


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, float):
        return f"{value:.2f}"
    return "-" if value is None else str(value)


def _sort_key(column: str) -> Callable[[CaseRow], Any]:
    """Sort key for ``column``; missing values sort last in ascending order."""
    def key(row: CaseRow) -> Any:
        if column == "id":
            return (0, _natural(row.case_id), row.source)
        if column == "source":
            return (0, row.source, _natural(row.case_id))
        value = row.scores.get(column[7:]) if column.startswith("rubric:") \
            else getattr(row, column)
        return (1, 0) if value is None else (0, value)
    return key


_DIGITS = re.compile(r"(\d+)")


def _natural(text: str) -> tuple[Any, ...]:
    """'case10' after 'case9': digits compare as numbers."""
    return tuple(int(p) if p.isdigit() else p for p in _DIGITS.split(text))
