"""HelpScreen: every key of the review UI, by screen, as currently mapped, with its binding id."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

Section = tuple[str, Sequence[Binding]]


def key_rows(sections: Sequence[Section], keymap: Mapping[str, str]) -> list[tuple[str, ...]]:
    """(screen, key, what it does, binding id) rows, with ``keymap`` remappings applied."""
    rows: list[tuple[str, ...]] = []
    for title, bindings in sections:
        for b in bindings:
            if not isinstance(b, Binding):
                continue
            key = keymap.get(b.id or "", b.key)
            rows.append((title, key, b.tooltip or b.description or b.action, b.id or ""))
    return rows


class HelpScreen(ModalScreen[None]):
    """Lists the keys; Escape, q or ? closes it."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical {
        width: 90; max-width: 100%; height: 90%; padding: 0 1;
        border: thick $primary; background: $surface;
    }
    HelpScreen DataTable { height: 1fr; }
    HelpScreen Label { padding: 1 0 0 0; color: $text-muted; width: 1fr; }
    """
    BINDINGS = [Binding("escape,q,question_mark", "close", "Close", id="close-help")]

    def __init__(self, sections: Sequence[Section], keymap: Mapping[str, str]) -> None:
        super().__init__()
        self.rows = key_rows(sections, keymap)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield DataTable(cursor_type="row", zebra_stripes=True)
            yield Label("Remap a key by its id in ~/.config/kgjudge/keymap.toml, e.g. "
                        "override = \"O\". Ctrl+P opens the command palette.")

    def on_mount(self) -> None:
        self.query_one(Vertical).border_title = "Keys"
        table = self.query_one(DataTable)
        table.add_columns("screen", "key", "action", "id")
        table.add_rows(self.rows)
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)
