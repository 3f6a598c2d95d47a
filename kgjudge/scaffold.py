"""Writes a new, valid, commented domain pack from the templates in kgjudge/templates/pack."""

from __future__ import annotations

from pathlib import Path
from string import Template

from kgjudge.errors import ConfigError

TEMPLATE = Path(__file__).parent / "templates" / "pack"


def write_pack(name: str, target: Path) -> list[Path]:
    """Copy the template pack into ``target`` with ``$name`` filled in; never overwrites."""
    if target.exists():
        raise ConfigError(f"{target} already exists; choose another name or remove it")
    written = []
    for source in sorted(TEMPLATE.rglob("*")):
        if source.is_dir() or "__pycache__" in source.parts:
            continue
        destination = target / source.relative_to(TEMPLATE)
        destination.parent.mkdir(parents=True, exist_ok=True)
        text = Template(source.read_text(encoding="utf-8")).safe_substitute(name=name)
        destination.write_text(text, encoding="utf-8")
        written.append(destination)
    return written
