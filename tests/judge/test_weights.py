"""Weights and tokenizers come from this machine only: a folder, or the local Hugging Face cache."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from kgjudge.errors import ConfigError
from kgjudge.weights import load_local, local_adapter


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Records (and refuses) every attempt to open a connection."""
    attempts: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError("the network is not there")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


def test_a_local_folder_loads(tiny_model_dir: Path, no_network: list[object]) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = load_local(AutoTokenizer, tiny_model_dir, what="the tiny model")
    model = load_local(AutoModelForCausalLM, tiny_model_dir, what="the tiny model")
    assert tokenizer("[RESULT] 5")["input_ids"] and model.config.num_hidden_layers == 2
    assert no_network == []


def test_a_hub_id_not_in_the_cache_is_never_downloaded(no_network: list[object]) -> None:
    from transformers import AutoTokenizer

    with pytest.raises(ConfigError, match="neither a local folder nor in the local Hugging Face "
                                          "cache.*never downloads.*huggingface-cli download"):
        load_local(AutoTokenizer, "kgjudge-tests/no-such-model", what="the judge model")
    assert no_network == []  # no attempt to reach the hub


def test_a_missing_folder_says_so(tmp_path: Path) -> None:
    from transformers import AutoModelForCausalLM

    with pytest.raises(ConfigError, match="cannot load base model: no such folder '/"):
        load_local(AutoModelForCausalLM, str(tmp_path / "gone"), what="base model")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="is not a model folder"):
        load_local(AutoModelForCausalLM, str(tmp_path / "empty"), what="base model")


def test_an_adapter_is_a_folder_with_its_config(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such folder"):
        local_adapter(tmp_path / "gone")
    with pytest.raises(ConfigError, match="no adapter_config.json"):
        local_adapter(tmp_path)
    (tmp_path / "adapter_config.json").write_text("{}")
    assert local_adapter(tmp_path) == tmp_path


def test_the_hf_judge_and_the_trainer_never_reach_for_the_hub(no_network: list[object],
                                                              tmp_path: Path) -> None:
    """The two places users name a base model (--model; [model].base in a recipe)."""
    from dataclasses import replace

    from kgjudge.domain import load_pack
    from kgjudge.judge import get_judge
    from kgjudge.train.recipe import recipe_for
    from kgjudge.train.trainer import check_base, load_base

    with pytest.raises(ConfigError, match="'Qwen/Qwen2.5-1.5B-Instruct' is neither a local"):
        get_judge("hf", None, model="Qwen/Qwen2.5-1.5B-Instruct").judge_many([])
    recipe = recipe_for(load_pack("radiology"))
    assert recipe.model.base == "Qwen/Qwen2.5-1.5B-Instruct"
    absent = replace(recipe, model=replace(recipe.model, base="kgjudge-tests/absent"))
    for load in (load_base, check_base):
        with pytest.raises(ConfigError, match=r"--base, or \[model\].base in .*recipe.toml"):
            load(absent)
    assert no_network == []
