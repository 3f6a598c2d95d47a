"""OverrideScreen: a modal asking for a rubric's new score and the (mandatory) reason."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

OverrideResult = tuple[str, int, str]
"""(rubric, new score 1-5, reason)."""


class OverrideScreen(ModalScreen[OverrideResult | None]):
    """Dismisses with (rubric, score, reason), or None when cancelled."""

    DEFAULT_CSS = """
    OverrideScreen { align: center middle; }
    OverrideScreen > Vertical {
        width: 64; max-width: 100%; height: auto; padding: 1 2;
        border: thick $primary; background: $surface;
    }
    OverrideScreen Label { margin-top: 1; }
    OverrideScreen Input, OverrideScreen Select { background: $boost; }
    OverrideScreen #override-title { margin-top: 0; text-style: bold; }
    OverrideScreen #override-error { color: $error; height: auto; }
    OverrideScreen #override-buttons { height: auto; margin-top: 1; align-horizontal: right; }
    OverrideScreen Button { margin-left: 2; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel-override",
                tooltip="Close the override without saving")]

    def __init__(self, case_id: str, scores: dict[str, int | None]) -> None:
        super().__init__()
        self.case_id = case_id
        self.scores = scores

    def compose(self) -> ComposeResult:
        first = next(iter(self.scores))
        with Vertical():
            yield Label(f"Override a score of case {self.case_id}", id="override-title")
            yield Label("Rubric")
            yield Select([(f"{r} (now {_shown(s)})", r) for r, s in self.scores.items()],
                         value=first, allow_blank=False, compact=True, id="override-rubric")
            yield Label("New score (1-5)")
            yield Input(placeholder="1-5", restrict="[1-5]", max_length=1, compact=True,
                        id="override-score")
            yield Label("Reason (required; kept in the audit trail)")
            yield Input(placeholder="why the judge's score is wrong", compact=True,
                        id="override-reason")
            yield Label("", id="override-error")
            with Horizontal(id="override-buttons"):
                yield Button("Cancel", compact=True, id="override-cancel")
                yield Button("Save", variant="primary", compact=True, id="override-save")

    def on_mount(self) -> None:
        self.query_one("#override-score", Input).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "override-save":
            self.action_save()
        else:
            self.action_cancel()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "override-score":
            self.query_one("#override-reason", Input).focus()
        else:
            self.action_save()

    def action_save(self) -> None:
        score_text = self.query_one("#override-score", Input).value.strip()
        reason = self.query_one("#override-reason", Input).value.strip()
        error = self.query_one("#override-error", Label)
        if not (score_text.isdigit() and 1 <= int(score_text) <= 5):
            error.update("Give a new score from 1 to 5.")
            self.query_one("#override-score", Input).focus()
            return
        if not reason:
            error.update("A reason is required: it is stored with the override.")
            self.query_one("#override-reason", Input).focus()
            return
        rubric = str(self.query_one("#override-rubric", Select).value)
        self.dismiss((rubric, int(score_text), reason))

    def action_cancel(self) -> None:
        self.dismiss(None)


def _shown(score: int | None) -> str:
    return "unscored" if score is None else str(score)
