"""User key remapping: ``~/.config/kgjudge/keymap.toml`` maps binding ids to keys.

    # ~/.config/kgjudge/keymap.toml
    override = "O"
    next-case = "right,n"

Textual applies it by binding id (``App.set_keymap``); ``kgjudge review --keys`` lists the ids.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from kgjudge.errors import ConfigError


def keymap_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(os.environ.get("KGJUDGE_KEYMAP") or Path(base) / "kgjudge" / "keymap.toml")


def load_keymap(path: Path | None = None) -> dict[str, str]:
    """Binding id -> key(s) from the keymap file; {} when there is none."""
    path = path or keymap_path()
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"{path}: cannot read the keymap ({e}); write lines like "
                          "override = \"O\"") from e
    bad = [k for k, v in data.items() if not isinstance(v, str)]
    if bad:
        raise ConfigError(f"{path}: keys must be strings, e.g. override = \"O\" (check: "
                          f"{', '.join(bad)})")
    return dict(data)
