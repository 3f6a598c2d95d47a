"""Which of kgjudge's modules run compiled: setup.py compiles the hot ones with mypyc, and
builds kgjudge/extract/_docread.pyx (reads of spaCy's C structures) with Cython.

A built module sits beside its source (``graph.cpython-311-x86_64-linux-gnu.so`` beside
``graph.py``) and Python imports it first. In a source tree built in place (``KGJUDGE_COMPILE=1
pip install -e .``) an edited module keeps running its old compiled code until the next build:
`stale` names such modules, and the tests refuse to run on them.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
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


#: The Cython module (kgjudge.extract.docread uses it where it is built for the spaCy running).
DOCREAD = "kgjudge.extract._docread"


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
        mypyc = "pure Python (no module compiled)"
    elif len(done) == len(MODULES):
        mypyc = f"compiled with mypyc ({len(done)} modules)"
    else:
        mypyc = f"partly compiled with mypyc ({len(done)} of {len(MODULES)} modules)"
    why = spacy_reads()
    return f"{mypyc}; spaCy reads " + (f"in Python ({why})" if why else "compiled with Cython")


def spacy_reads() -> str:
    """Why kgjudge.extract.docread reads spaCy's objects in Python ("" where it reads them
    compiled)."""
    from kgjudge.extract import docread

    return docread.why_python


def stale() -> list[str]:
    """Compiled modules whose source changed after they were built (``name.py``, or
    ``name.pyx`` for the Cython module, newer than ``name.<suffix>.so`` beside it)."""
    built = [(module, _built_file(module), ".py") for module in compiled()]
    cython = _built_docread()
    if cython is not None:
        built.append((DOCREAD, cython, ".pyx"))
    out = []
    for module, path, suffix in built:
        source = path.with_name(path.name.split(".", 1)[0] + suffix)  # __init__ too
        if source.exists() and source.stat().st_mtime > path.stat().st_mtime:
            out.append(f"{module} ({source})")
    return out


def _built_docread() -> Path | None:
    spec = importlib.util.find_spec(DOCREAD)
    return Path(spec.origin) if spec is not None and spec.origin else None
