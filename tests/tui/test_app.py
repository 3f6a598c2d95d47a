"""Pilot tests: an analyst's path through a run, driven by keys."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from textual.widgets import Input

from kgjudge.errors import JudgeError
from kgjudge.tui.app import ReviewApp
from kgjudge.tui.data import RunData
from kgjudge.tui.screens.case import CaseScreen
from kgjudge.tui.screens.help import HelpScreen
from kgjudge.tui.screens.override import OverrideScreen
from kgjudge.tui.screens.queue import QueueScreen
from kgjudge.tui.screens.welcome import WelcomeScreen
from kgjudge.tui.widgets.case_table import CaseTable
from kgjudge.tui.widgets.document import DocumentView
from kgjudge.tui.widgets.verdict_panel import VerdictPanel

SIZE = (120, 36)


async def open_case(pilot, row: int = 0) -> CaseScreen:  # noqa: ANN001
    table = pilot.app.screen.query_one(CaseTable)
    table.move_cursor(row=row)
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(pilot.app.screen, CaseScreen)
    return pilot.app.screen


async def test_open_run_shows_every_case(run_data: RunData) -> None:
    app = ReviewApp(run_data)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        assert app.screen.query_one(CaseTable).row_count == 12
        assert "12 of 12 cases" in str(app.screen.query_one("#queue-count").render())


async def test_filter_keeps_low_scores_only(run_data: RunData) -> None:
    app = ReviewApp(run_data)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("f")  # all -> score <= 2
        await pilot.pause()
        queue = app.screen
        assert isinstance(queue, QueueScreen) and queue.filter_id == "low"
        shown = [run_data.row(k) for k in queue.shown_keys]
        assert shown and len(shown) < 12
        assert all(min(s for s in r.scores.values() if s is not None) <= 2 for r in shown)
        assert queue.query_one(CaseTable).row_count == len(shown)
        assert f"{len(shown)} of 12 cases" in str(queue.query_one("#queue-count").render())


async def test_override_with_reason_is_stored_and_exported(run_data: RunData,
                                                           tmp_path: Path) -> None:
    app = ReviewApp(run_data)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        case = await open_case(pilot, row=1)
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, OverrideScreen)
        await pilot.press("4", "enter", *"old film, not new", "enter")
        await pilot.pause()
        assert app.screen is case
        stored = run_data.store.overrides(run_data.run.id, case_id="case00001")
        assert [(o.rubric, o.new_score, o.reason) for o in stored] == \
            [("accuracy", 4, "old film, not new")]
        # the same exporter as the CLI, from the TUI
        out = tmp_path / "export.csv"
        await pilot.press("e")
        await pilot.pause()
        field = app.screen.query_one("#export-path", Input)
        field.value = str(out)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        rows = list(csv.DictReader(out.open(encoding="utf-8")))
        mine = [r for r in rows if r["case_id"] == "case00001" and r["rubric"] == "accuracy"]
        assert mine and mine[0]["override_score"] == "4"
        assert mine[0]["override_reason"] == "old film, not new"
        # back on the queue the row shows the override
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)
        table = app.screen.query_one(CaseTable)
        assert table.get_row_at(1)[1] == "4"  # columns: id, accuracy, ...
        assert "yes" in table.get_row_at(1)


async def test_override_without_reason_stays_open(run_data: RunData) -> None:
    app = ReviewApp(run_data)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await open_case(pilot)
        await pilot.press("o", "3", "enter", "enter")
        await pilot.pause()
        assert isinstance(app.screen, OverrideScreen)
        assert "reason is required" in str(app.screen.query_one("#override-error").render())
        assert run_data.store.overrides(run_data.run.id) == []


async def test_cancel_override_stores_nothing(run_data: RunData) -> None:
    app = ReviewApp(run_data)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        case = await open_case(pilot)
        await pilot.press("o", "2", "tab")
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is case
        assert run_data.store.overrides(run_data.run.id) == []
        assert not run_data.row(case.key).overridden


async def test_next_and_previous_follow_the_queue_order(run_data: RunData) -> None:
    app = ReviewApp(run_data)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("f")  # score <= 2: the case screen steps through these only
        await pilot.pause()
        order = list(app.screen.shown_keys)
        case = await open_case(pilot)
        assert case.key == order[0]
        await pilot.press("n")
        assert case.key == order[1]
        await pilot.press("n", "p")
        assert case.key == order[1]
        await pilot.press("p", "p")  # already at the first: stays, warns
        await pilot.pause()
        assert case.key == order[0]
        assert any("No more cases" in n.message for n in app._notifications)


async def test_mark_reviewed_then_filter_unreviewed(run_data: RunData) -> None:
    app = ReviewApp(run_data)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        case = await open_case(pilot)
        await pilot.press("r", "escape")
        await pilot.pause()
        assert run_data.store.case(run_data.run.id, case.key[1]).reviewed
        app.screen.set_filter("unreviewed")
        await pilot.pause()
        assert case.key not in app.screen.shown_keys
        assert len(app.screen.shown_keys) == 11


async def test_rejudge_with_failing_backend_notifies_and_keeps_running(
        run_data: RunData) -> None:
    calls = []

    def failing(pair, **settings):  # noqa: ANN001, ANN003, ANN202
        calls.append(settings["backend"])
        raise JudgeError("openai: cannot reach http://localhost:8000/v1 (connection refused)")

    app = ReviewApp(run_data)
    app.judge_pair = failing
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        case = await open_case(pilot)
        await pilot.press("j")
        await pilot.pause()
        await pilot.press("down", "enter")  # openai
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert calls == ["openai"]
        errors = [n for n in app._notifications if n.severity == "error"]
        assert errors and "connection refused" in errors[-1].message
        assert app.is_running and app.screen is case
        assert not case.query_one(VerdictPanel).loading
        await pilot.press("n")  # still responsive
        assert case.index == 1


async def test_rejudge_with_unknown_backend_is_a_notification(run_data: RunData) -> None:
    app = ReviewApp(run_data)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        case = await open_case(pilot)
        case.rejudge("no-such-backend")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert any(n.severity == "error" for n in app._notifications)
        assert app.is_running


async def test_rejudge_result_is_shown(run_data: RunData) -> None:
    from kgjudge.judge.base import Verdict

    def fake(pair, *, domain, backend, rubrics):  # noqa: ANN001, ANN202
        return [Verdict(pair.id, r, "ok", score=3, rationale="second opinion", backend=backend)
                for r in rubrics]

    app = ReviewApp(run_data)
    app.judge_pair = fake
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        case = await open_case(pilot)
        case.rejudge("hf")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert [v.rationale for v in case._rejudged[case.key]] == ["second opinion"] * 2


async def test_choosing_a_diff_item_scrolls_both_documents(run_data: RunData) -> None:
    app = ReviewApp(run_data)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        case = await open_case(pilot, row=1)  # the long case
        reference = case.query_one("#reference", DocumentView)
        candidate = case.query_one("#candidate", DocumentView)
        assert reference.scroll_y == 0 and reference.max_scroll_y > 0
        item = next(i for i in case.detail.diff.items if i.reference_spans and i.candidate_spans)
        index = [i for kind in ("contradicted", "missing", "extra", "relation_mismatch",
                                "matched") for i in case.detail.diff.of_kind(kind)].index(item)
        await pilot.press("d")
        case.query_one("#diff").highlighted = index
        await pilot.pause()
        for view, span in ((reference, item.reference_spans[0]),
                           (candidate, item.candidate_spans[0])):
            assert view.scroll_y > 0
            line = view.line_of(view._doc.to_display(span[0]))
            assert view.scroll_y <= line < view.scroll_y + view.size.height


async def test_scrolling_one_document_scrolls_the_other(run_data: RunData) -> None:
    app = ReviewApp(run_data)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        case = await open_case(pilot, row=1)
        reference = case.query_one("#reference", DocumentView)
        candidate = case.query_one("#candidate", DocumentView)
        reference.scroll_to(y=reference.max_scroll_y // 2, animate=False)
        await pilot.pause()
        assert candidate.scroll_y == pytest.approx(candidate.max_scroll_y / 2, abs=2)
        reference.scroll_end(animate=False)
        await pilot.pause()
        assert candidate.scroll_y == candidate.max_scroll_y


@pytest.mark.parametrize("size", [(80, 24), (240, 70)])
async def test_works_small_and_large(run_data: RunData, size: tuple[int, int]) -> None:
    app = ReviewApp(run_data)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        case = await open_case(pilot, row=1)
        for view in case.query(DocumentView):
            assert view.size.height >= 10 and view.size.width >= size[0] // 2 - 4
        await pilot.press("o")
        await pilot.pause()
        save = app.screen.query_one("#override-save")
        assert save.region.bottom <= size[1] and save.region.height > 0


async def test_help_lists_keys_and_keymap_remaps(run_data: RunData) -> None:
    app = ReviewApp(run_data, keymap={"override": "O"})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await open_case(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert ("case", "O", "Override a rubric's score, with a reason", "override") \
            in app.screen.rows
        await pilot.press("escape", "o")
        await pilot.pause()
        assert isinstance(app.screen, CaseScreen)  # o no longer overrides
        await pilot.press("O")
        await pilot.pause()
        assert isinstance(app.screen, OverrideScreen)


async def test_command_palette_runs_review_actions(run_data: RunData) -> None:
    app = ReviewApp(run_data)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await open_case(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Override")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, OverrideScreen)


async def test_theme_toggle_and_welcome(tmp_path: Path) -> None:
    app = ReviewApp(None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, WelcomeScreen)
        assert app.theme == "textual-dark"
        await pilot.press("ctrl+t")
        assert app.theme == "textual-light"
        await pilot.press("e")  # no run: a warning, not a crash
        await pilot.pause()
        assert any(n.severity == "warning" for n in app._notifications)


async def test_quick_filter_keys_each_advance(run_data: RunData) -> None:
    app = ReviewApp(run_data)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("f", "f", "f")
        await pilot.pause()
        queue = app.screen
        assert queue.filter_id == "contradictions"
        assert str(queue.query_one("Select").value) == "contradictions"
        assert all(run_data.row(k).contradictions > 0 for k in queue.shown_keys)


async def test_failed_case_and_second_source_open(sample_db: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from kgjudge.judge.base import Pair
    from kgjudge.store import Store

    with Store(sample_db) as store:
        run_id = store.latest_run().id
        store.add_case(run_id, Pair("case00000", "ref text", "", source="modelB"),
                       error="InputError: candidates/case00000.txt is empty")
    monkeypatch.setenv("KGJUDGE_USER", "ana")
    data = RunData.open(sample_db)
    app = ReviewApp(data)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        queue = app.screen
        assert [c for c, _ in queue._columns][:2] == ["id", "source"]
        failed = ("modelB", "case00000")
        assert data.row(failed).status == "error"
        queue.set_filter("unscored")
        await pilot.pause()
        case = await open_case(pilot, row=queue.shown_keys.index(failed))
        assert case.key == failed
        assert "is empty" in case.detail.error
        await pilot.press("o", "1", "enter", *"empty output", "enter")
        await pilot.pause()
        stored = data.store.overrides(data.run.id)
        assert [(o.source, o.case_id, o.new_score) for o in stored] == [("modelB", "case00000", 1)]
        assert not data.row(("candidates", "case00000")).overridden
    data.store.close()
