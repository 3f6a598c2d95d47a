"""ReviewApp: the analyst's review UI (``kgjudge review``). Screens do the work; this wires them.

Starts on the queue of a run, on the welcome screen (no run found), or judging an ad hoc pair.
App-wide: help, theme toggle, export (the same exporter as ``kgjudge export``), the command
palette (Textual's system commands plus every review action) and the user's keymap.
"""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import App
from textual.binding import Binding

from kgjudge.tui.commands import ReviewCommands
from kgjudge.tui.data import RunData
from kgjudge.tui.judging import AdhocRequest, judge_pair


class ReviewApp(App[None]):
    """Review a run: queue -> case -> override, with help, export, themes and a palette."""

    TITLE = "kgjudge review"
    COMMANDS = App.COMMANDS | {ReviewCommands}
    BINDINGS = [
        Binding("question_mark", "help", "Keys", id="help",
                tooltip="Show every key and its binding id"),
        Binding("e", "export", "Export", id="export",
                tooltip="Export the run to CSV or JSONL (the same exporter as kgjudge export)"),
        Binding("ctrl+t", "toggle_theme", "Theme", id="toggle-theme",
                tooltip="Switch between the dark and the light theme"),
        Binding("q", "quit", "Quit", id="quit",
                tooltip="Quit"),
    ]

    def __init__(self, data: RunData | None = None, *, adhoc: AdhocRequest | None = None,
                 keymap: dict[str, str] | None = None) -> None:
        super().__init__()
        self.data = data
        self.adhoc = adhoc
        self.keymap_overrides = dict(keymap or {})
        self.judge_pair = judge_pair
        """Called by the case screen's re-judge worker; replaceable (tests, other pipelines)."""
        self.theme = "textual-dark"

    def on_mount(self) -> None:
        from kgjudge.tui.screens.welcome import WelcomeScreen

        self.set_keymap(self.keymap_overrides)
        if self.data is not None:
            self.open_run(self.data)
        else:
            self.push_screen(WelcomeScreen(self.adhoc))

    def open_run(self, data: RunData, *, open_first: bool = False) -> None:
        """Show ``data``'s queue (replacing any screen), optionally with its first case open."""
        from kgjudge.tui.screens.queue import QueueScreen

        self.data = data
        queue = QueueScreen(data)
        if len(self.screen_stack) > 1:
            self.switch_screen(queue)
        else:
            self.push_screen(queue)
        if open_first and data.rows():
            self.call_after_refresh(queue.action_open_case)

    def action_help(self) -> None:
        from kgjudge.tui.screens.case import CaseScreen
        from kgjudge.tui.screens.help import HelpScreen
        from kgjudge.tui.screens.override import OverrideScreen
        from kgjudge.tui.screens.queue import QueueScreen

        sections = [("everywhere", self.BINDINGS), ("queue", QueueScreen.BINDINGS),
                    ("case", CaseScreen.BINDINGS), ("override", OverrideScreen.BINDINGS)]
        self.push_screen(HelpScreen(sections, self.keymap_overrides))

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.current_theme.dark else "textual-dark"

    def action_export(self) -> None:
        from kgjudge.tui.screens.export import ExportScreen

        if self.data is None:
            self.notify("Open a run first.", severity="warning")
            return
        default = Path.cwd() / f"{self.data.path.stem}-run{self.data.run.id}.csv"
        self.push_screen(ExportScreen(default), callback=self._export)

    def _export(self, path: Path | None) -> None:
        if path is not None and self.data is not None:
            self._export_worker(self.data, path)

    @work(thread=True, exclusive=True, group="export")
    def _export_worker(self, data: RunData, path: Path) -> None:
        from kgjudge.tui.judging import export_run

        try:
            rows = export_run(data, path)
        except Exception as e:  # noqa: BLE001 - reported; the review goes on
            self.call_from_thread(self.notify, str(e), title="Export failed", severity="error")
            return
        self.call_from_thread(self.notify, f"Wrote {rows} rows to {path}.", title="Exported")
