"""Which of kgjudge's modules run compiled: setup.py compiles the hot ones with mypyc.

A built module sits beside its source (``graph.cpython-311-x86_64-linux-gnu.so`` beside
``graph.py``) and Python imports it first. In a source tree built in place (``KGJUDGE_COMPILE=1
pip install -e .``) an edited module keeps running its old compiled code until the next build:
`stale` names such modules, and the tests refuse to run on them.
"""

from __future__ import annotations

import importlib
import importlib.machinery
from pathlib import Path

#: The modules setup.py compiles (it reads this tuple; module names, not paths).
MODULES = (
    "kgjudge.records",
    "kgjudge.graph",
    "kgjudge.extract.spans",
    "kgjudge.extract.pipeline",
    "kgjudge.extract.context",
    "kgjudge.extract.relations",
    "kgjudge.extract.rules",
    "kgjudge.compare",
    "kgjudge.compare.metrics",
    "kgjudge.compare.diff",
)


def _built_file(module: str) -> Path:
    return Path(importlib.import_module(module).__file__ or "")


def compiled() -> list[str]:
    """The modules of MODULES that are imported from a built extension, not from Python."""
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    return [m for m in MODULES if _built_file(m).name.endswith(suffixes)]


def describe() -> str:
    """One line for benchmark output: which build ran."""
    done = compiled()
    if not done:
        return "pure Python (no module compiled)"
    if len(done) == len(MODULES):
        return f"compiled with mypyc ({len(done)} modules)"
    return f"partly compiled with mypyc ({len(done)} of {len(MODULES)} modules)"


def stale() -> list[str]:
    """Compiled modules whose Python source changed after they were built (``name.py`` newer
    than ``name.<suffix>.so`` beside it)."""
    out = []
    for module in compiled():
        built = _built_file(module)
        source = built.with_name(built.name.split(".", 1)[0] + ".py")  # __init__ too
        if source.exists() and source.stat().st_mtime > built.stat().st_mtime:
            out.append(f"{module} ({source})")
    return out
