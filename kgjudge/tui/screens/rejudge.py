"""RejudgeScreen: pick the judge backend to score the open case again with."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

#: Backend -> what it needs (shown beside the name).
BACKENDS = {
    "kg": "embedded graph judge (CPU, no weights)",
    "openai": "OpenAI-compatible server, e.g. vLLM ($KGJUDGE_OPENAI_BASE_URL)",
    "hf": "in-process transformers model",
}


class RejudgeScreen(ModalScreen[str | None]):
    """Dismisses with the chosen backend name, or None."""

    DEFAULT_CSS = """
    RejudgeScreen { align: center middle; }
    RejudgeScreen > Vertical {
        width: 72; max-width: 100%; height: auto; padding: 1 2;
        border: thick $primary; background: $surface;
    }
    RejudgeScreen OptionList { height: auto; margin-top: 1; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel-rejudge")]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Re-judge this case with (the result is shown, not stored):")
            yield OptionList(*[Option(f"{name}: {what}", id=name)
                               for name, what in BACKENDS.items()])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
