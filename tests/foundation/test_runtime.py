"""The CLI collects cyclic garbage rarely (kgjudge.runtime); a library import changes nothing."""

import gc

from kgjudge.cli import main
from kgjudge.runtime import GC_THRESHOLD


def test_the_cli_sets_the_long_run_gc_threshold_and_importing_does_not(capsys) -> None:  # noqa: ANN001
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        import kgjudge.pipeline  # noqa: F401 - importing the library leaves the interpreter alone

        assert gc.get_threshold() == (700, 10, 10)
        assert main(["domains", "list"]) == 0
        assert gc.get_threshold() == GC_THRESHOLD
        assert "radiology" in capsys.readouterr().out
    finally:
        gc.set_threshold(*before)
