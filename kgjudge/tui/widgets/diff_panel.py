"""DiffPanel: the missing / extra / contradicted / relation-mismatch items of a case."""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from kgjudge.compare.model import DIFF_KINDS, DiffItem, GraphDiff

#: Kind -> (text marker, label); the marker carries the meaning without colour.
KIND_MARKS = {
    "contradicted": ("!", "contradicted"),
    "missing": ("-", "missing"),
    "extra": ("+", "extra"),
    "relation_mismatch": ("~", "relation"),
    "matched": ("=", "matched"),
}
KIND_STYLES = {"contradicted": "bold red", "missing": "yellow", "extra": "magenta",
               "relation_mismatch": "cyan", "matched": "dim"}


class DiffPanel(OptionList):
    """Lists the diff items (matched last); highlighting one posts ``ItemChosen``."""

    DEFAULT_CSS = """
    DiffPanel { height: 1fr; border: round $primary 50%; }
    DiffPanel:focus { border: round $primary; }
    """

    class ItemChosen(Message):
        """The analyst moved to ``item``: show its spans in both documents."""

        def __init__(self, item: DiffItem) -> None:
            super().__init__()
            self.item = item

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Diff"
        self._items: list[DiffItem] = []

    def show(self, diff: GraphDiff) -> None:
        """Replace the list with the items of ``diff``."""
        self._items = [i for kind in DIFF_KINDS for i in diff.of_kind(kind)]
        self.clear_options()
        self.add_options([Option(_prompt(item)) for item in self._items])
        problems = sum(1 for i in self._items if i.kind != "matched")
        self.border_title = f"Diff: {problems} to check"

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if 0 <= event.option_index < len(self._items):
            self.post_message(self.ItemChosen(self._items[event.option_index]))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if 0 <= event.option_index < len(self._items):
            self.post_message(self.ItemChosen(self._items[event.option_index]))


def _prompt(item: DiffItem) -> Text:
    mark, label = KIND_MARKS.get(item.kind, ("?", item.kind))
    text = Text(f"{mark} {label}: ", style=KIND_STYLES.get(item.kind, ""))
    text.append(item.detail or _default_detail(item))
    return text


def _default_detail(item: DiffItem) -> str:
    if item.kind == "contradicted":
        return f"{item.label} ({item.reference_assertion} vs {item.candidate_assertion})"
    return item.label
