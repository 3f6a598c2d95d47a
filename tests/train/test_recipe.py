"""Recipe schema: the shipped recipes load; unknown keys, non-vLLM LoRA settings are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from kgjudge.domain import REPO_ROOT
from kgjudge.errors import ConfigError
from kgjudge.train.recipe import load_recipe

BASE = """
[model]
base = "some/model"
[lora]
r = 8
alpha = 16
target_modules = ["q_proj", "v_proj"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "recipe.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("domain", ["radiology", "legal", "news"])
def test_shipped_recipes_load(domain: str) -> None:
    path = REPO_ROOT / "domains" / domain / "recipe.toml"
    recipe = load_recipe(path, domain=domain)
    assert recipe.model.base and recipe.lora.target_modules
    assert len(recipe.synthetic.score_cuts) == 4


def test_minimal_recipe_has_defaults(tmp_path: Path) -> None:
    recipe = load_recipe(write(tmp_path, BASE))
    assert recipe.lora.r == 8 and recipe.lora.target_modules == ("q_proj", "v_proj")
    assert recipe.synthetic.severity["flip_assertion"] > recipe.synthetic.severity["reorder"]
    assert recipe.evaluation.fraction == 0.2


def test_unknown_key_suggests_the_closest(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\[trainer\].learnig_rate.*learning_rate"):
        load_recipe(write(tmp_path, BASE + "[trainer]\nlearnig_rate = 1e-4\n"))


@pytest.mark.parametrize("line", ["use_dora = true", "bias = 'all'",
                                  "modules_to_save = ['lm_head']"])
def test_settings_vllm_cannot_load_are_refused(tmp_path: Path, line: str) -> None:
    text = BASE.replace("r = 8", f"r = 8\n{line}")
    with pytest.raises(ConfigError, match="vLLM"):
        load_recipe(write(tmp_path, text))


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = "[model]\n[lora]\nr = 0\n[synthetic]\nscore_cuts = [3.0, 1.0, 2.0, 0.0]\n"
    with pytest.raises(ConfigError) as info:
        load_recipe(write(tmp_path, text))
    message = str(info.value)
    for fragment in ("[model].base", "target_modules", "r and [lora].alpha", "score_cuts"):
        assert fragment in message


def test_unknown_edit_kind_in_severity(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="drop_finding"):
        load_recipe(write(tmp_path, BASE + "[synthetic.severity]\ndrop_findings = 1.0\n"))


def test_missing_recipe_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="docs/training.md"):
        load_recipe(tmp_path / "nope.toml")


def test_scaffolded_pack_has_a_valid_recipe(tmp_path: Path) -> None:
    from kgjudge.domain import load_pack
    from kgjudge.scaffold import write_pack
    from kgjudge.train.recipe import recipe_for

    write_pack("fresh", tmp_path / "fresh")
    pack = load_pack(tmp_path / "fresh")
    assert pack.recipe_path == (tmp_path / "fresh" / "recipe.toml").resolve()
    recipe = recipe_for(pack)
    assert recipe.domain == "fresh" and recipe.lora.target_modules
