"""Model weights and tokenizers from what is already on this machine: nothing is downloaded.

kgjudge runs where nothing outside can be reached (an air-gapped hospital, a CI runner): a model
is a local folder, or a hub id already in the local Hugging Face cache, loaded with
transformers' ``local_files_only``. Without it, a hub id not in the cache starts a download of
gigabytes, or hangs on a network that is not there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kgjudge.errors import ConfigError


def load_local(loader: Any, name: str | Path, *, what: str, **kwargs: Any) -> Any:
    """``loader.from_pretrained(name, local_files_only=True, **kwargs)`` (an AutoModel or
    AutoTokenizer class); a model that is not here is a ConfigError saying what to pass.

    ``what`` names the thing in the message ("base model '...' ([model].base in recipe.toml)").
    """
    try:
        return loader.from_pretrained(str(name), local_files_only=True, **kwargs)
    except (OSError, ValueError) as e:  # missing files, not in the cache, a malformed repo id
        raise ConfigError(f"cannot load {what}: {_why(name, e)}. kgjudge never downloads "
                          f"weights: pass a local folder with config, weights and tokenizer, "
                          f"or fetch the model beforehand (e.g. 'huggingface-cli download "
                          f"{name}') so it is in the local Hugging Face cache") from e


def local_adapter(path: str | Path, *, what: str = "LoRA adapter") -> Path:
    """``path`` as a LoRA adapter folder (it holds adapter_config.json), or a ConfigError."""
    folder = Path(path).expanduser()
    if not (folder / "adapter_config.json").is_file():
        found = "no such folder" if not folder.exists() else "no adapter_config.json in it"
        raise ConfigError(f"cannot load {what} '{path}': {found}; pass the adapter folder "
                          "'kgjudge train' wrote (adapters/DOMAIN/adapter)")
    return folder


def _why(name: str | Path, error: Exception) -> str:
    text = str(name)
    if text.startswith(("/", "./", "../", "~")) or Path(text).expanduser().exists():
        folder = Path(text).expanduser()
        if not folder.exists():
            return f"no such folder '{text}'"
        return f"'{text}' is not a model folder ({_first_line(error)})"
    return f"'{text}' is neither a local folder nor in the local Hugging Face cache"


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
