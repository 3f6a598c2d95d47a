"""Judges: the Judge protocol, the prompt builder, the output parser and the backends.

``get_judge(backend, pack, **settings)`` looks a backend up by name: ``kg`` (embedded, no
weights), ``openai`` (an OpenAI-compatible server such as vLLM) or ``hf`` (in-process
transformers). Backends import their heavy dependencies only when built.
"""

from __future__ import annotations

import importlib
from typing import Any

from kgjudge.errors import ConfigError, did_you_mean
from kgjudge.judge.base import Case, Judge, Pair, Verdict

#: Backend name -> "module:class"; looked up lazily so `import kgjudge.judge` stays light.
BACKENDS = {
    "kg": "kgjudge.judge.kg:KgJudge",
    "openai": "kgjudge.judge.openai:OpenAIJudge",
    "hf": "kgjudge.judge.hf:HFJudge",
}

__all__ = ["BACKENDS", "Case", "Judge", "Pair", "Verdict", "get_judge"]


def get_judge(backend: str, pack: Any = None, **settings: Any) -> Judge:
    """Build the judge called ``backend`` for ``pack`` with backend-specific settings.

    Raises:
        ConfigError: the backend name is unknown (the message lists the known ones).
    """
    if backend not in BACKENDS:
        raise ConfigError(f"unknown judge backend '{backend}'{did_you_mean(backend, BACKENDS)}; "
                          f"known: {', '.join(BACKENDS)}")
    module_name, class_name = BACKENDS[backend].split(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls(pack, **settings)
