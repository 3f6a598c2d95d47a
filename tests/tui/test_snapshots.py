"""Snapshot tests (pytest-textual-snapshot): the queue, the case screen and the override modal.

Update after a deliberate change with ``pytest tests/tui --snapshot-update`` and look at the SVGs.
"""

from __future__ import annotations

from kgjudge.tui.app import ReviewApp
from kgjudge.tui.data import RunData


def test_queue(snap_compare, run_data: RunData) -> None:  # noqa: ANN001
    assert snap_compare(ReviewApp(run_data), terminal_size=(110, 24))


def test_queue_filtered_80x24(snap_compare, run_data: RunData) -> None:  # noqa: ANN001
    assert snap_compare(ReviewApp(run_data), terminal_size=(80, 24), press=["f", "f"])


def test_case_screen(snap_compare, run_data: RunData) -> None:  # noqa: ANN001
    async def open_contradicted_case(pilot) -> None:  # noqa: ANN001
        pilot.app.screen.query_one("CaseTable").move_cursor(row=2)
        await pilot.press("enter", "d")
        await pilot.pause()

    assert snap_compare(ReviewApp(run_data), terminal_size=(130, 36),
                        run_before=open_contradicted_case)


def test_case_screen_80x24(snap_compare, run_data: RunData) -> None:  # noqa: ANN001
    assert snap_compare(ReviewApp(run_data), terminal_size=(80, 24), press=["down", "enter"])


def test_override_modal(snap_compare, run_data: RunData) -> None:  # noqa: ANN001
    assert snap_compare(ReviewApp(run_data), terminal_size=(80, 24),
                        press=["enter", "o", "2", "enter", *"misses the effusion"])
