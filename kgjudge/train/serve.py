"""Serving a trained judge: the exact ``vllm serve`` command and the matching kgjudge settings.

vLLM serves the base model with the domain's LoRA adapter under the domain's name
(``--lora-modules DOMAIN=ADAPTER``); the ``openai`` judge backend selects the adapter by that
name. ``--max-lora-rank`` must be at least the adapter's rank, read from its adapter_config.json.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kgjudge.errors import ConfigError

if TYPE_CHECKING:
    from kgjudge.train.recipe import Recipe

#: vLLM's accepted --max-lora-rank values; the rank is rounded up to one of them.
_LORA_RANKS = (1, 8, 16, 32, 64, 128, 256, 320, 512)


@dataclass(frozen=True)
class ServePlan:
    """The vLLM command and the kgjudge settings that talk to it."""

    command: tuple[str, ...]
    base_url: str
    model: str
    adapter_name: str
    system_role: bool | None
    env: tuple[tuple[str, str], ...] = (("HF_HUB_OFFLINE", "1"),)
    """Set for vLLM: the base model comes from a folder or the local Hugging Face cache, never
    a download (kgjudge.weights)."""

    def shell(self) -> str:
        return " ".join([*(f"{k}={shlex.quote(v)}" for k, v in self.env),
                         shlex.join(self.command)])

    def judge_settings(self) -> dict[str, object]:
        """Settings of the ``openai`` judge backend (get_judge('openai', pack, **these))."""
        settings: dict[str, object] = {"base_url": self.base_url, "model": self.model,
                                       "adapter": self.adapter_name}
        if self.system_role is False:
            settings["system_role"] = False
        return settings

    def kgjudge_lines(self, domain: str) -> list[str]:
        """Environment and command lines for the user, matching judge_settings()."""
        fold = " (the system prompt is folded into the user turn, as in training)" \
            if self.system_role is False else ""
        return [
            f"export KGJUDGE_OPENAI_BASE_URL={self.base_url}",
            f"export KGJUDGE_OPENAI_MODEL={shlex.quote(self.model)}",
            f"kgjudge judge REF CAND --domain {domain} --backend openai "
            f"--model {shlex.quote(self.model)} --adapter {self.adapter_name}",
            f"kgjudge batch ... --domain {domain} --backend openai --adapter {self.adapter_name}"
            + fold,
        ]


def adapter_rank(adapter: Path) -> int:
    config = adapter / "adapter_config.json"
    if not config.is_file():
        raise ConfigError(f"{adapter}: not a LoRA adapter folder (no adapter_config.json); "
                          "train one with 'kgjudge train --domain D' or pass --adapter PATH")
    return int(json.loads(config.read_text(encoding="utf-8")).get("r", 16))


def serve_plan(recipe: Recipe, domain: str, adapter: Path, *, host: str = "127.0.0.1",
               port: int | None = None) -> ServePlan:
    """Build the ``vllm serve`` command for ``adapter`` on the recipe's base model."""
    rank = adapter_rank(adapter)
    max_rank = next((r for r in _LORA_RANKS if r >= rank), rank)
    port = port or recipe.serve.port
    command = (
        "vllm", "serve", recipe.model.base, "--enable-lora",
        "--lora-modules", f"{domain}={adapter}", "--max-lora-rank", str(max_rank),
        "--max-model-len", str(recipe.serve.max_model_len),
        "--gpu-memory-utilization", str(recipe.serve.gpu_memory_utilization),
        "--host", host, "--port", str(port), *recipe.serve.extra_args,
    )
    return ServePlan(command, f"http://{host}:{port}/v1", recipe.model.base, domain,
                     _system_role(adapter))


def _system_role(adapter: Path) -> bool | None:
    """Whether training kept the system role (train_info.json beside the adapter)."""
    info = adapter.parent / "train_info.json"
    if info.is_file():
        return bool(json.loads(info.read_text(encoding="utf-8")).get("system_role", True))
    return None
