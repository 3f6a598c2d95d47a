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


def test_core_needs_no_heavy_library_and_imports_no_ui() -> None:
    # spaCy's thinc imports torch opportunistically when it is installed, so "not in
    # sys.modules" would test thinc, not us. Instead refuse the heavy libraries outright
    # with a meta-path finder that fails their import, then import every core module.
    heavy = [name for name in FORBIDDEN if "." not in name and name != "textual"]
    code = (
        "import importlib, json, sys\n"
        "class Refuse:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        f"        if name.split('.')[0] in {heavy!r}: raise ImportError('refused: ' + name)\n"
        "sys.meta_path.insert(0, Refuse())\n"
        f"mods = {core_modules()!r}\n"
        "failed, leaks = {}, {}\n"
        "for m in mods:\n"
        "    try:\n"
        "        importlib.import_module(m)\n"
        "    except ImportError as e:\n"
        "        failed[m] = str(e)\n"
        "ui = sorted(n for n in sys.modules if n.split('.')[0] == 'textual' "
        "or n.startswith(('kgjudge.tui', 'kgjudge.cli')))\n"
        "print(json.dumps({'failed': failed, 'ui': ui[:5]}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == {"failed": {}, "ui": []}


def test_cli_help_imports_no_heavy_library() -> None:
    code = ("import sys\nfrom kgjudge.cli import build_parser\nbuild_parser()\n"
            f"print(sorted(n for n in sys.modules if n.split('.')[0] in {FORBIDDEN[:-2]!r}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
