"""The whole package type-checks with the settings the build uses (pyproject.toml [tool.mypy]):
mypyc already refuses the compiled modules on a type error, and this keeps the rest as clean."""

from pathlib import Path

from mypy import api

ROOT = Path(__file__).resolve().parents[2]


def test_kgjudge_type_checks(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.chdir(ROOT)  # pyproject.toml's settings
    report, errors, status = api.run(["--cache-dir", str(tmp_path / "cache"), "kgjudge"])
    assert status == 0, report + errors
    assert report.startswith("Success: no issues found")
