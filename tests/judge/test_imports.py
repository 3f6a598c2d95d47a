"""The judge core stays light: heavy libraries load only inside the backend that needs them."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("torch", "transformers", "peft", "openai", "httpx")


@pytest.mark.parametrize("module", ["kgjudge.judge", "kgjudge.judge.kg", "kgjudge.judge.prompt",
                                    "kgjudge.judge.parse", "kgjudge.cli.judge"])
def test_module_imports_no_heavy_library(module: str) -> None:
    code = (f"import sys, {module}; from kgjudge.judge import get_judge; get_judge('kg'); "
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
