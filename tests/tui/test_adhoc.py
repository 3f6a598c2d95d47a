"""Ad hoc review: ``kgjudge review REF CAND --domain D`` judges in a worker, then shows the case."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgjudge.errors import InputError
from kgjudge.tui import judging
from kgjudge.tui.app import ReviewApp
from kgjudge.tui.judging import AdhocRequest, adhoc_store_path
from kgjudge.tui.sample import build_sample_store
from kgjudge.tui.screens.case import CaseScreen
from kgjudge.tui.screens.welcome import WelcomeScreen

RADIOLOGY = Path(__file__).resolve().parents[2] / "domains" / "radiology" / "examples"
REQUEST = AdhocRequest(Path("ref.txt"), Path("cand.txt"), "radiology")


async def test_judged_pair_opens_its_case(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    def fake(request: AdhocRequest) -> tuple[Path, int]:
        store, run_id = build_sample_store(tmp_path / "adhoc.sqlite", 1, long_case=False)
        store.close()
        return tmp_path / "adhoc.sqlite", run_id

    monkeypatch.setattr(judging, "judge_adhoc", fake)
    app = ReviewApp(adhoc=REQUEST)
    async with app.run_test(size=(120, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, CaseScreen)
        assert app.screen.key == ("candidates", "case00000")


async def test_failed_judgement_is_shown_and_the_app_runs(monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    def failing(request: AdhocRequest) -> tuple[Path, int]:
        raise InputError("ref.txt: cannot read the document")

    monkeypatch.setattr(judging, "judge_adhoc", failing)
    app = ReviewApp(adhoc=REQUEST)
    async with app.run_test(size=(120, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, WelcomeScreen) and app.is_running
        assert any("cannot read" in n.message for n in app._notifications)


def test_adhoc_store_follows_the_data_dir(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KGJUDGE_DATA", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert adhoc_store_path() == tmp_path / "kgjudge" / "adhoc.sqlite"
    monkeypatch.setenv("KGJUDGE_DATA", str(tmp_path / "k"))
    assert adhoc_store_path() == tmp_path / "k" / "adhoc.sqlite"


@pytest.mark.slow
async def test_real_radiology_pair_end_to_end(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KGJUDGE_DATA", str(tmp_path))
    name = "13_negation_flip_effusion.txt"
    request = AdhocRequest(RADIOLOGY / "references" / name, RADIOLOGY / "candidates" / name,
                           "radiology")
    app = ReviewApp(adhoc=request)
    async with app.run_test(size=(120, 36)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()
        case = app.screen
        assert isinstance(case, CaseScreen)
        assert case.detail.diff.contradicted, "a flipped effusion must be a contradiction"
        assert all(view.verdict is not None for view in case.detail.rubrics)
        await pilot.press("o", "4", "enter", *"checked", "enter")
        await pilot.pause()
        overrides = case.data.store.overrides(case.data.run.id)
        assert [(o.new_score, o.reason) for o in overrides] == [(4, "checked")]
        assert case.data.path == tmp_path / "adhoc.sqlite"
