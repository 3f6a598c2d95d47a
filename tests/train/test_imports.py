"""kgjudge.train imports no heavy library until a function needs it; a missing extra says how to
install it."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import pytest

import kgjudge.train
from kgjudge.errors import MissingExtra

HEAVY = ["torch", "transformers", "trl", "peft", "datasets", "accelerate", "vllm"]


def test_train_modules_import_without_heavy_libraries() -> None:
    modules = sorted(m.name for m in pkgutil.walk_packages(kgjudge.train.__path__,
                                                            "kgjudge.train."))
    code = (
        "import importlib, json, sys\n"
        "class Refuse:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        f"        if name.split('.')[0] in {HEAVY!r}: raise ImportError('refused: ' + name)\n"
        "sys.meta_path.insert(0, Refuse())\n"
        "failed = {}\n"
        f"for m in {[*modules, 'kgjudge.cli.train', 'kgjudge.cli.serve']!r}:\n"
        "    try:\n"
        "        importlib.import_module(m)\n"
        "    except ImportError as e:\n"
        "        failed[m] = str(e)\n"
        "print(json.dumps(failed))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert len(modules) >= 8 and json.loads(out.stdout) == {}


def test_missing_extra_names_the_install_command(monkeypatch, recipe) -> None:  # noqa: ANN001
    from kgjudge.train.trainer import lora_config

    monkeypatch.setitem(sys.modules, "peft", None)  # import peft -> ImportError
    with pytest.raises(MissingExtra, match=r"pip install 'kgjudge\[train\]'"):
        lora_config(recipe)
