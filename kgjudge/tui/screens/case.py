"""CaseScreen: reference and candidate side by side, the diff, the metrics and the verdicts.

Keys step through the queue's current order, override a score (a modal with a mandatory reason),
mark the case reviewed, and re-judge it with another backend in a worker thread; the worker posts
messages back, so the UI never waits on a judge and a failing backend is a notification.
"""

from __future__ import annotations

from pathlib import Path

from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, Static

from kgjudge.graph import Span
from kgjudge.judge.base import Verdict
from kgjudge.tui.data import CaseDetail, CaseKey, RunData
from kgjudge.tui.highlight import MARKERS, highlight, mentions_of
from kgjudge.tui.widgets.diff_panel import DiffPanel
from kgjudge.tui.widgets.document import DocumentView
from kgjudge.tui.widgets.metrics_bar import MetricsBar
from kgjudge.tui.widgets.verdict_panel import VerdictPanel

#: Readable entity colours on dark and on light backgrounds (same hue order); the legend and
#: the assertion markers carry the meaning too, so colours may repeat when types outnumber them.
DARK_COLOURS = ("#FFC473", "#57A5E2", "#8AD4A1", "#D17E92", "#C8A2F0", "#5FD7D7", "#E6D96A",
                "#F08C5A", "#A0C4FF")
LIGHT_COLOURS = ("#A65400", "#0B5CAD", "#1E7B3A", "#A8324F", "#6B3FA0", "#00797A", "#7A6A00",
                 "#B0471C", "#3A5BA0")
#: Types that keep the same colour in every case (radiology's core types first).
FIXED_ORDER = ("observation", "anatomy", "device", "procedure", "modifier")


class CaseScreen(Screen[CaseKey | None]):
    """One case; dismisses with the key of the case last shown (the queue moves its cursor)."""

    DEFAULT_CSS = """
    CaseScreen #docs { height: 3fr; }
    CaseScreen .doc-column { width: 1fr; }
    CaseScreen .doc-title {
        width: 1fr; padding: 0 1; background: $panel; text-style: bold;
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    CaseScreen #legend {
        height: 1; padding: 0 1; color: $text-muted; text-wrap: nowrap; text-overflow: ellipsis;
    }
    CaseScreen #panels { height: 2fr; min-height: 6; }
    CaseScreen DiffPanel { width: 2fr; }
    CaseScreen VerdictPanel { width: 3fr; }
    """
    BINDINGS = [
        Binding("n", "next_case", "Next", id="next-case",
                tooltip="Next case in the queue's order"),
        Binding("p", "previous_case", "Previous", id="previous-case",
                tooltip="Previous case in the queue's order"),
        Binding("o", "override", "Override", id="override",
                tooltip="Override a rubric's score, with a reason"),
        Binding("r", "toggle_reviewed", "Reviewed", id="reviewed",
                tooltip="Mark the case reviewed (again: not reviewed)"),
        Binding("j", "rejudge", "Re-judge", id="rejudge",
                tooltip="Judge the case again with another backend (shown, not stored)"),
        Binding("d", "focus_diff", "Diff", id="focus-diff",
                tooltip="Move the focus to the diff list", show=False),
        Binding("escape", "back", "Queue", id="back",
                tooltip="Back to the queue"),
    ]

    class Rejudged(Message):
        """A re-judge worker finished with ``verdicts`` for case ``key``."""

        def __init__(self, key: CaseKey, verdicts: list[Verdict]) -> None:
            super().__init__()
            self.key = key
            self.verdicts = verdicts

    class RejudgeFailed(Message):
        """A re-judge worker failed; ``error`` says why."""

        def __init__(self, key: CaseKey, backend: str, error: str) -> None:
            super().__init__()
            self.key = key
            self.backend = backend
            self.error = error

    def __init__(self, data: RunData, keys: list[CaseKey], index: int = 0) -> None:
        super().__init__()
        self.data = data
        self.keys = keys
        self.index = index
        self.detail: CaseDetail | None = None
        self.focus_spans: tuple[tuple[Span, ...], tuple[Span, ...]] = ((), ())
        self._rejudged: dict[CaseKey, list[Verdict]] = {}

    @property
    def key(self) -> CaseKey:
        return self.keys[self.index]

    def compose(self) -> ComposeResult:
        yield Header()
        yield MetricsBar(id="metrics")
        yield Static(id="legend")
        with Horizontal(id="docs"):
            with Vertical(classes="doc-column"):
                yield Label("Reference", id="reference-title", classes="doc-title")
                yield DocumentView(id="reference")
            with Vertical(classes="doc-column"):
                yield Label("Candidate", id="candidate-title", classes="doc-title")
                yield DocumentView(id="candidate")
        with Horizontal(id="panels"):
            yield DiffPanel(id="diff")
            yield VerdictPanel(id="verdicts")
        yield Footer()

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._show_documents())
        self.show_case()

    # ------------------------------------------------------------------ showing
    def show_case(self) -> None:
        """Load the current case from the run and fill every panel."""
        self.detail = detail = self.data.detail(self.key)
        self.focus_spans = ((), ())
        row = detail.row
        self.sub_title = (f"case {row.case_id} ({self.index + 1} of {len(self.keys)})"
                          f"{' - reviewed' if row.reviewed else ''}")
        self.query_one(MetricsBar).show(detail.metrics)
        for side, path in (("reference", detail.pair.reference_path),
                           ("candidate", detail.pair.candidate_path)):
            label = self.query_one(f"#{side}-title", Label)
            label.update(f"{side.title()}: {Path(path).name}" if path else side.title())
            label.tooltip = path or None
        self.query_one(DiffPanel).show(detail.diff)
        self._show_verdicts()
        self._show_documents()
        for view in self.query(DocumentView):
            view.scroll_home(animate=False)

    def _show_verdicts(self) -> None:
        if self.detail is not None:
            self.query_one(VerdictPanel).show(self.detail, self._rejudged.get(self.key, ()))

    def _type_styles(self) -> dict[str, Style]:
        """A style per entity type present in the case, readable in the current theme."""
        if self.detail is None:
            return {}
        types = {n.type for n in (*self.detail.reference_nodes, *self.detail.candidate_nodes)}
        palette = DARK_COLOURS if self.app.current_theme.dark else LIGHT_COLOURS
        index = {t: FIXED_ORDER.index(t) for t in FIXED_ORDER if t in types}
        free = [i for i in range(len(palette)) if i not in index.values()]
        for n, etype in enumerate(sorted(types - set(FIXED_ORDER))):
            index[etype] = free[n % len(free)]
        return {t: Style(color=palette[i], bold=True) for t, i in sorted(index.items())}

    def _show_documents(self) -> None:
        if self.detail is None:
            return
        styles = self._type_styles()
        marker = Style(dim=True, italic=True)
        focus = Style(reverse=True, underline=True)
        pair = self.detail.pair
        for view_id, text, nodes, spans in (
                ("#reference", pair.reference, self.detail.reference_nodes, self.focus_spans[0]),
                ("#candidate", pair.candidate, self.detail.candidate_nodes, self.focus_spans[1])):
            doc = highlight(text, mentions_of(nodes, len(text)), type_styles=styles,
                            marker_style=marker, focus=spans, focus_style=focus)
            self.query_one(view_id, DocumentView).show(doc)
        legend = Text("types: ")
        for etype, style in styles.items():
            legend.append(etype, style).append(" ")
        legend.append("| " + " ".join(f"{m} {a}" for a, m in MARKERS.items()) + " [h] history")
        self.query_one("#legend", Static).update(legend)

    # ------------------------------------------------------------------ events
    def on_document_view_scrolled(self, event: DocumentView.Scrolled) -> None:
        other = "#candidate" if event.view.id == "reference" else "#reference"
        self.query_one(other, DocumentView).follow(event.fraction)

    def on_diff_panel_item_chosen(self, event: DiffPanel.ItemChosen) -> None:
        item = event.item
        self.focus_spans = (item.reference_spans, item.candidate_spans)
        self._show_documents()
        for view_id, spans in (("#reference", item.reference_spans),
                               ("#candidate", item.candidate_spans)):
            if spans:
                self.query_one(view_id, DocumentView).scroll_to_span(spans[0])

    # ------------------------------------------------------------------ actions
    def action_next_case(self) -> None:
        self._step(1)

    def action_previous_case(self) -> None:
        self._step(-1)

    def _step(self, delta: int) -> None:
        target = self.index + delta
        if not 0 <= target < len(self.keys):
            self.notify("No more cases in this direction.", severity="warning", timeout=2)
            return
        self.index = target
        self.show_case()

    def action_back(self) -> None:
        self.dismiss(self.key)

    def action_focus_diff(self) -> None:
        self.query_one(DiffPanel).focus()

    def action_toggle_reviewed(self) -> None:
        reviewed = not self.data.row(self.key).reviewed
        self.data.mark_reviewed(self.key, reviewed)
        self.notify(f"Case {self.key[1]} marked {'reviewed' if reviewed else 'not reviewed'}.",
                    timeout=2)
        self.show_case()

    def action_override(self) -> None:
        from kgjudge.tui.screens.override import OverrideScreen

        if self.detail is None or not self.detail.rubrics:
            self.notify("This case has no rubric to override.", severity="warning")
            return
        scores = {view.rubric: view.score for view in self.detail.rubrics}
        self.app.push_screen(OverrideScreen(self.key[1], scores), callback=self._overridden)

    def _overridden(self, result: tuple[str, int, str] | None) -> None:
        from kgjudge.errors import KgJudgeError

        if result is None:
            return
        rubric, score, reason = result
        try:
            self.data.add_override(self.key, rubric, new_score=score, reason=reason)
        except KgJudgeError as e:
            self.notify(str(e), title="Override not saved", severity="error")
            return
        self.notify(f"{rubric} of case {self.key[1]} is now {score}.", title="Override saved")
        self.show_case()

    def action_rejudge(self) -> None:
        from kgjudge.tui.screens.rejudge import RejudgeScreen

        self.app.push_screen(RejudgeScreen(), callback=self.rejudge)

    def rejudge(self, backend: str | None) -> None:
        """Judge the current case again with ``backend`` in a worker (None does nothing)."""
        if backend is None or self.detail is None:
            return
        self.query_one(VerdictPanel).loading = True
        self.notify(f"Re-judging case {self.key[1]} with {backend}...", timeout=2)
        self._rejudge_worker(self.key, self.detail, backend)

    @work(thread=True, exclusive=True, group="rejudge")
    def _rejudge_worker(self, key: CaseKey, detail: CaseDetail, backend: str) -> None:
        judge_pair = self.app.judge_pair  # type: ignore[attr-defined]
        rubrics = [view.rubric for view in detail.rubrics] or None
        try:
            verdicts = judge_pair(detail.pair, domain=self.data.run.domain, backend=backend,
                                  rubrics=rubrics)
        except Exception as e:  # noqa: BLE001 - any backend failure must be a notification
            self.post_message(self.RejudgeFailed(key, backend, f"{type(e).__name__}: {e}"))
            return
        self.post_message(self.Rejudged(key, list(verdicts)))

    def on_case_screen_rejudged(self, message: Rejudged) -> None:
        self.query_one(VerdictPanel).loading = False
        self._rejudged[message.key] = message.verdicts
        failed = [v for v in message.verdicts if v.status == "error"]
        if failed:
            self.notify(failed[0].error or "the backend returned errors",
                        title="Re-judge failed", severity="error")
        else:
            self.notify(f"Case {message.key[1]} re-judged; see the Scores panel.")
        if message.key == self.key:
            self._show_verdicts()

    def on_case_screen_rejudge_failed(self, message: RejudgeFailed) -> None:
        self.query_one(VerdictPanel).loading = False
        self.notify(message.error, title=f"Re-judge with {message.backend} failed",
                    severity="error", timeout=8)
