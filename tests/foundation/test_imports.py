"""The headless core imports no UI, no CLI and no heavy optional library (STYLE: Harlequin)."""

import json
import pkgutil
import subprocess
import sys

import kgjudge

FORBIDDEN = ("textual", "torch", "transformers", "trl", "peft", "vllm", "openai", "matplotlib",
             "datasets", "accelerate", "kgjudge.tui", "kgjudge.cli")
SHELLS = ("kgjudge.tui", "kgjudge.cli", "kgjudge.train", "kgjudge.__main__")


def core_modules() -> list[str]:
    names = [m.name for m in pkgutil.walk_packages(kgjudge.__path__, "kgjudge.")]
    return sorted(n for n in names if not n.startswith(SHELLS))


def test_core_modules_exist() -> None:
    assert {"kgjudge.domain", "kgjudge.ontology", "kgjudge.rubric", "kgjudge.graph"} <= set(
        core_modules())


def test_core_imports_nothing_heavy_or_ui() -> None:
    code = (
        "import importlib, json, sys\n"
        f"mods = {core_modules()!r}\n"
        "leaks = {}\n"
        "for m in mods:\n"
        "    before = set(sys.modules)\n"
        "    importlib.import_module(m)\n"
        f"    bad = sorted(n for n in set(sys.modules) if n.split('.')[0] in {FORBIDDEN!r} "
        f"or n.startswith(('kgjudge.tui', 'kgjudge.cli')))\n"
        "    if bad: leaks[m] = bad[:5]; break\n"
        "print(json.dumps(leaks))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == {}


def test_cli_help_imports_no_heavy_library() -> None:
    code = ("import sys\nfrom kgjudge.cli import build_parser\nbuild_parser()\n"
            f"print(sorted(n for n in sys.modules if n.split('.')[0] in {FORBIDDEN[:-2]!r}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
