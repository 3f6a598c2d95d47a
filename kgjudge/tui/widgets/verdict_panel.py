"""VerdictPanel: per rubric the score in force, the judge's score, expected score, rationale."""

from __future__ import annotations

from collections.abc import Sequence

from textual.containers import VerticalScroll
from textual.widgets import Markdown

from kgjudge.judge.base import Verdict
from kgjudge.tui.data import CaseDetail, RubricView


class VerdictPanel(VerticalScroll):
    """Markdown of every rubric's verdict, its override history and any re-judged verdicts."""

    can_focus = True

    DEFAULT_CSS = """
    VerdictPanel { height: 1fr; border: round $secondary 50%; padding: 0 1; }
    VerdictPanel:focus { border: round $secondary; }
    VerdictPanel Markdown { margin: 0; padding: 0; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Scores"

    def compose(self):  # noqa: ANN201
        yield Markdown()

    def show(self, detail: CaseDetail, rejudged: Sequence[Verdict] = ()) -> None:
        self.query_one(Markdown).update(verdict_markdown(detail, rejudged))


def verdict_markdown(detail: CaseDetail, rejudged: Sequence[Verdict] = ()) -> str:
    """The Markdown shown in the panel (a function so it is testable without a screen)."""
    parts = [_rubric_block(view) for view in detail.rubrics] or ["*No verdicts stored.*"]
    if detail.error:
        parts.insert(0, f"**Case error:** {detail.error}")
    if detail.overrides:
        parts.append("### Override history\n\n" + "\n".join(
            f"- `{o.created_at}` **{o.rubric}** {_score(o.old_score)} -> {o.new_score}"
            f" by {o.who or '?'}: {o.reason}" for o in detail.overrides))
    if rejudged:
        backend = rejudged[0].backend or "?"
        parts.append(f"### Re-judged with {backend} (not stored)\n\n" + "\n\n".join(
            f"**{v.rubric}**: {_verdict_score(v)}\n\n{_lines(v.rationale or v.error)}"
            for v in rejudged))
    return "\n\n".join(parts)


def _rubric_block(view: RubricView) -> str:
    v = view.verdict
    head = f"### {view.rubric}: {_score(view.score)}"
    if view.override is not None:
        head += f" (overridden; judge gave {_score(v.score if v else None)})"
    lines = [head]
    if v is None:
        lines.append("*No verdict for this rubric.*")
        return "\n\n".join(lines)
    lines.append(f"judge: {_verdict_score(v)} - expected "
                 f"{'-' if v.expected_score is None else f'{v.expected_score:.2f}'}"
                 f" - {v.backend or '?'}{' / ' + v.model if v.model else ''}")
    if view.override is not None:
        o = view.override
        lines.append(f"> **Override** by {o.who or '?'}: {o.reason}")
    lines.append(_lines(v.rationale or v.error) or "*No rationale.*")
    return "\n\n".join(lines)


def _lines(text: str) -> str:
    """Each line of a rationale its own Markdown block: judges write one point per line, and
    Markdown would otherwise run a line into the list item above it."""
    return "\n\n".join(line.strip() for line in text.splitlines() if line.strip())


def _verdict_score(v: Verdict) -> str:
    return str(v.score) if v.status == "ok" else f"{v.status}{': ' + v.error if v.error else ''}"


def _score(score: int | None) -> str:
    return "unscored" if score is None else str(score)
