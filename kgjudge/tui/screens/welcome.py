"""WelcomeScreen: how to open a run or judge a pair; also shown while an ad hoc pair is judged."""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.containers import Center, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, LoadingIndicator, Markdown

from kgjudge.tui.judging import AdhocRequest

WELCOME = """\
# kgjudge review

Go through a judged run case by case, see why each score was given, and override a score with a
reason. No run was found here (no `*.sqlite` in this folder and `KGJUDGE_DB` is not set).

## Two ways in

**Review a run.** Judge a folder of pairs, then open the store it wrote:

    kgjudge batch domains/radiology/examples --domain radiology --db run.sqlite --out run.csv
    kgjudge review run.sqlite

**Judge one pair now.** Extract, compare and judge a reference and a candidate, then review it:

    kgjudge review reference.txt candidate.txt --domain radiology

Ad hoc judgements are kept in `~/.local/share/kgjudge/adhoc.sqlite` so overrides are audited too.

Press **?** for the keys, **Ctrl+P** for every command, **q** to quit.
"""


class WelcomeScreen(Screen[None]):
    """The explanation; with an ``adhoc`` request, judges it and hands over to the case screen."""

    DEFAULT_CSS = """
    WelcomeScreen Markdown { max-width: 100; }
    WelcomeScreen LoadingIndicator { height: 3; }
    """

    class Judged(Message):
        """The pair was judged into run ``run_id`` of the store at ``store``."""

        def __init__(self, store: Path, run_id: int) -> None:
            super().__init__()
            self.store = store
            self.run_id = run_id

    class Failed(Message):
        """Judging failed; ``error`` says why."""

        def __init__(self, error: str) -> None:
            super().__init__()
            self.error = error

    def __init__(self, adhoc: AdhocRequest | None = None) -> None:
        super().__init__()
        self.adhoc = adhoc

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll():
            with Center():
                if self.adhoc is None:
                    yield Markdown(WELCOME)
                else:
                    yield Markdown(f"# Judging\n\n`{self.adhoc.candidate}` against "
                                   f"`{self.adhoc.reference}` ({self.adhoc.domain}, "
                                   f"{self.adhoc.backend} judge)...")
                    yield LoadingIndicator()
        yield Footer()

    def on_mount(self) -> None:
        if self.adhoc is not None:
            self._judge(self.adhoc)

    @work(thread=True, exclusive=True)
    def _judge(self, request: AdhocRequest) -> None:
        from kgjudge.tui.judging import judge_adhoc

        try:
            path, run_id = judge_adhoc(request)
        except Exception as e:  # noqa: BLE001 - shown on screen; the app keeps running
            self.post_message(self.Failed(f"{type(e).__name__}: {e}"))
            return
        self.post_message(self.Judged(path, run_id))

    def on_welcome_screen_judged(self, message: Judged) -> None:
        from kgjudge.tui.data import RunData

        data = RunData.open(message.store, message.run_id)
        if data is not None:
            self.app.open_run(data, open_first=True)  # type: ignore[attr-defined]

    def on_welcome_screen_failed(self, message: Failed) -> None:
        self.query_one(LoadingIndicator).display = False
        self.query_one(Markdown).update(f"# Could not judge the pair\n\n{message.error}\n\n"
                                        "Press **q** to quit.")
        self.notify(message.error, title="Judging failed", severity="error", timeout=10)
