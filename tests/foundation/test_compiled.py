"""The compiled build (setup.py, mypyc) gives exactly what the Python source gives.

The test process runs whichever build is installed (the README's test command compiles); a
subprocess runs the same work on a copy of the package without any built module, so on the
pure Python source. Graphs, scores, alignments and diffs must be byte for byte the same.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kgjudge import compiled

ROOT = Path(__file__).resolve().parents[2]

#: Extracts and compares the radiology examples and fixture sentences; prints one JSON record.
WORK = r"""
import json, sys
from dataclasses import asdict
from pathlib import Path

import yaml

import kgjudge.compiled
import kgjudge.graph
from kgjudge.compare import compare_with_pack
from kgjudge.domain import load_pack
from kgjudge.extract import get_extractor

root = Path(sys.argv[1])
examples = root / "domains/radiology/examples"
fixture = yaml.safe_load((root / "tests/fixtures/radiology_sentences.yaml").read_text())
sentences = [case["text"] for case in fixture]
# the examples, and each fixture sentence against the next (other findings, other sides)
pairs = [((examples / "references" / p.name).read_text(), p.read_text())
         for p in sorted((examples / "candidates").glob("*.txt"))]
pairs += list(zip(sentences, sentences[1:]))
pack = load_pack("radiology")
extractor = get_extractor(pack, "rules")
uncached = get_extractor(pack, "rules", cache_size=0)
record = {"sentences": [extractor.extract(s).to_dict() for s in sentences],
          "uncached": [uncached.extract(s).to_dict() for s in sentences], "pairs": []}
for reference, candidate in pairs:
    r, c = extractor.extract(reference), extractor.extract(candidate)
    comparison = compare_with_pack(r, c, pack)
    record["pairs"].append({"graphs": [r.to_dict(), c.to_dict()],
                            "scores": comparison.scores.as_dict(),
                            "alignment": asdict(comparison.alignment),
                            "diff": comparison.diff.to_dict(),
                            "lines": comparison.diff.lines(include_matched=True)})
record["build"] = kgjudge.compiled.compiled()
record["graph_module"] = kgjudge.graph.__file__
print(json.dumps(record, sort_keys=True))
"""


def _run(pythonpath: Path, cwd: Path) -> dict:
    """WORK with kgjudge imported from ``pythonpath`` (run elsewhere than the source tree, whose
    folder Python would put first on the path)."""
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    done = subprocess.run([sys.executable, "-c", WORK, str(ROOT)], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.slow
def test_compiled_build_gives_what_the_python_source_gives(tmp_path: Path) -> None:
    source = Path(compiled.__file__).parent
    pure = tmp_path / "pure"
    shutil.copytree(source, pure / "kgjudge",
                    ignore=shutil.ignore_patterns("*.so", "*.pyd", "__pycache__"))
    for shared in ("domains", "rubrics"):  # found beside the package, as in the source tree
        (pure / shared).symlink_to(ROOT / shared)
    as_built = _run(source.parent, tmp_path)
    as_python = _run(pure, tmp_path)
    # the copy ran, as Python, whatever build the tests run
    assert as_python.pop("build") == [] and as_built.pop("build") == compiled.compiled()
    assert Path(as_python.pop("graph_module")).is_relative_to(pure)
    as_built.pop("graph_module")
    assert len(as_built["pairs"]) >= 100 and len(as_built["sentences"]) >= 80
    assert sum(len(g["nodes"]) for g in as_built["sentences"]) > 100  # real graphs compared
    assert as_built == as_python


def test_compiled_list_names_importable_modules() -> None:
    import importlib

    for module in compiled.MODULES:
        assert importlib.import_module(module).__name__ == module
    done = compiled.compiled()
    assert set(done) <= set(compiled.MODULES)
    described = compiled.describe()
    assert ("pure Python" in described) == (not done)
    assert not done or f"{len(done)}" in described


def test_a_module_edited_after_its_build_is_stale(tmp_path: Path, monkeypatch) -> None:
    """stale() compares each built file's time with its source's (the tests refuse stale ones)."""
    built = tmp_path / "graph.cpython-311-x86_64-linux-gnu.so"
    source = tmp_path / "graph.py"
    source.write_text("")
    built.write_bytes(b"")
    monkeypatch.setattr(compiled, "compiled", lambda: ["kgjudge.graph"])
    monkeypatch.setattr(compiled, "_built_file", lambda module: built)
    monkeypatch.setattr(compiled, "_built_docread", lambda: None)
    os.utime(source, (1_000, 1_000))
    os.utime(built, (2_000, 2_000))
    assert compiled.stale() == []
    os.utime(source, (3_000, 3_000))
    assert compiled.stale() == [f"kgjudge.graph ({source})"]


def test_the_cython_module_edited_after_its_build_is_stale(tmp_path: Path, monkeypatch) -> None:
    built = tmp_path / "_docread.cpython-311-x86_64-linux-gnu.so"
    source = tmp_path / "_docread.pyx"
    source.write_text("")
    built.write_bytes(b"")
    monkeypatch.setattr(compiled, "compiled", lambda: [])
    monkeypatch.setattr(compiled, "_built_docread", lambda: built)
    os.utime(source, (1_000, 1_000))
    os.utime(built, (2_000, 2_000))
    assert compiled.stale() == []
    os.utime(source, (3_000, 3_000))
    assert compiled.stale() == [f"kgjudge.extract._docread ({source})"]


def test_the_build_in_use_is_described() -> None:
    """The line benchmarks print says whether spaCy's structures are read compiled, and why not."""
    why = compiled.spacy_reads()
    described = compiled.describe()
    assert described.endswith(f"spaCy reads in Python ({why})" if why else
                              "spaCy reads compiled with Cython")
