"""``kgjudge review`` argument handling (the UI itself is driven in test_app.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgjudge.cli import main


def test_keys_lists_every_binding_id(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["review", "--keys"]) == 0
    ids = {line.split("\t")[3] for line in capsys.readouterr().out.splitlines()}
    assert {"override", "next-case", "previous-case", "rejudge", "reviewed", "export",
            "filter", "toggle-theme", "help"} <= ids


def test_keymap_file_remaps_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    keymap = tmp_path / "keymap.toml"
    keymap.write_text('override = "O"\n', encoding="utf-8")
    monkeypatch.setenv("KGJUDGE_KEYMAP", str(keymap))
    assert main(["review", "--keys"]) == 0
    assert "case\tO\t" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["review", "missing.sqlite"], "no such file"),
    (["review", "{ref}", "{ref}"], "--domain"),
    (["review", "{ref}", "{ref}", "{ref}"], "one store"),
])
def test_usage_errors_exit_2(argv: list[str], message: str, tmp_path: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    ref = tmp_path / "ref.txt"
    ref.write_text("No effusion.", encoding="utf-8")
    assert main([a.format(ref=ref) for a in argv]) == 2
    assert message in capsys.readouterr().err


def test_building_the_cli_does_not_import_textual() -> None:
    import subprocess
    import sys

    code = ("import sys, kgjudge.cli; kgjudge.cli.build_parser(); "
            "print('textual' in sys.modules, 'kgjudge.tui.app' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
