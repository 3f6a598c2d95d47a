"""Find reference/candidate pairs in a folder or manifest, and read documents safely.

Layouts ``discover`` understands:

- a folder with ``references/`` and one or more candidate folders beside it (``candidates/``, or
  one per model: ``model_a/``, ``model_b/``), files matched by stem; each candidate folder is a
  *source*, so models are compared side by side against the same references;
- a folder of ``<id>.ref.txt`` / ``<id>.cand.txt`` pairs (source ``candidates``);
- a manifest, CSV or JSONL, one row per pair: ``id``, ``reference`` and ``candidate`` (a path
  relative to the manifest, or the text itself; ``reference_path`` / ``reference_text`` say which
  explicitly), optional ``instruction``, ``source`` and ``metadata`` (JSON object; unknown
  columns are kept as metadata too).

Discovery yields lightweight ``Item``s (paths, not texts) and never fails on one bad file: an
unmatched file becomes an Item with a ``problem``, so it is stored and exported with its reason.
``read_document`` turns a path into text or raises InputError whose message starts with the
failure class ('empty file: ...', 'binary file: ...') so failures group by reason.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kgjudge.errors import InputError

DEFAULT_SOURCE = "candidates"
DEFAULT_MAX_BYTES = 2_000_000
_PAIR_NAME = re.compile(r"^(?P<id>.+)\.(?P<role>ref|cand)(?:\.[^.]+)?$")
_KNOWN_COLUMNS = {"id", "reference", "candidate", "reference_path", "candidate_path",
                  "reference_text", "candidate_text", "instruction", "source", "metadata"}


@dataclass(frozen=True)
class Item:
    """One pair to score, as discovered: paths (or inline texts), not yet read."""

    id: str
    source: str = DEFAULT_SOURCE
    reference_path: str = ""
    candidate_path: str = ""
    reference_text: str | None = None
    """Inline text from a manifest; None means read reference_path."""
    candidate_text: str | None = None
    instruction: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    problem: str = ""
    """Why this item cannot be scored (a missing pair member), or ''."""


def discover(path: str | Path) -> Iterator[Item]:
    """Every pair under ``path`` (folder or manifest), unmatched files as items with a problem.

    Raises:
        InputError: the path does not exist or has no layout kgjudge understands.
    """
    root = Path(path)
    if root.is_file():
        suffix = root.suffix.lower()
        if suffix == ".csv":
            return _manifest_csv(root)
        if suffix in (".jsonl", ".ndjson"):
            return _manifest_jsonl(root)
        raise InputError(f"{root}: a manifest must be .csv or .jsonl")
    if not root.is_dir():
        raise InputError(f"{root}: no such folder or manifest")
    if (root / "references").is_dir():
        return _folders(root)
    if any(_PAIR_NAME.match(p.name) for p in root.iterdir()):
        return _pair_files(root)
    raise InputError(
        f"{root}: found neither a references/ folder (with candidates/ or one folder per model "
        "beside it) nor <id>.ref.txt / <id>.cand.txt files; see 'kgjudge batch --help'")


def _documents(folder: Path) -> dict[str, list[Path]]:
    """Stem -> paths of the visible entries of a folder (directories too: they fail on read);
    more than one path is an ambiguous name (`_ambiguous`)."""
    found: dict[str, list[Path]] = {}
    for entry in sorted(folder.iterdir()):
        if not entry.name.startswith("."):
            found.setdefault(entry.stem, []).append(entry)
    return found


def _ambiguous(paths: list[Path] | None, name: str) -> str:
    """The problem of a pair whose reference or candidate is not one file ('' if it is one):
    picking one of two files that share a name would score a document nobody chose."""
    if not paths or len(paths) == 1:
        return ""
    return (f"ambiguous name: {', '.join(str(p) for p in paths)} share the name {name}; keep "
            "one of them (or rename the others)")


def _folders(root: Path) -> Iterator[Item]:
    references = _documents(root / "references")
    sources = sorted(p for p in root.iterdir()
                     if p.is_dir() and p.name != "references" and not p.name.startswith("."))
    if not sources:
        raise InputError(f"{root}: references/ has no candidate folder beside it; add "
                         "candidates/ (or one folder per model) with files named like the "
                         "references")
    by_source = {d: _documents(d) for d in sources}
    stems = set(references).union(*(c.keys() for c in by_source.values()))
    # Stem outer, source inner: one reference's candidates arrive together (graph cache hits).
    for stem in sorted(stems):
        refs = references.get(stem)
        ref = refs[0] if refs else None
        for source_dir, candidates in by_source.items():
            cands = candidates.get(stem)
            cand = cands[0] if cands else None
            if ref is None and cand is None:
                continue
            problem = ""
            if ref is None:
                problem = (f"missing reference: {cand} has no file named {stem}.* in "
                           f"{root / 'references'}")
            elif cand is None:
                problem = f"missing candidate: {ref} has no file named {stem}.* in {source_dir}"
            problem = _ambiguous(refs, f"{stem}.*") or _ambiguous(cands, f"{stem}.*") or problem
            yield Item(id=stem, source=source_dir.name, reference_path=str(ref or ""),
                       candidate_path=str(cand or ""), problem=problem)


def _pair_files(root: Path) -> Iterator[Item]:
    roles: dict[str, dict[str, list[Path]]] = {}
    for entry in sorted(root.iterdir()):
        match = _PAIR_NAME.match(entry.name)
        if match:
            roles.setdefault(match["id"], {}).setdefault(match["role"], []).append(entry)
    for case_id, found in sorted(roles.items()):
        refs, cands = found.get("ref"), found.get("cand")
        ref, cand = refs[0] if refs else None, cands[0] if cands else None
        problem = ""
        if ref is None:
            problem = f"missing reference: {cand} has no {case_id}.ref.* beside it"
        elif cand is None:
            problem = f"missing candidate: {ref} has no {case_id}.cand.* beside it"
        problem = (_ambiguous(refs, f"{case_id}.ref.*") or _ambiguous(cands, f"{case_id}.cand.*")
                   or problem)
        yield Item(id=case_id, reference_path=str(ref or ""), candidate_path=str(cand or ""),
                   problem=problem)


def _manifest_csv(path: Path) -> Iterator[Item]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            for line, row in enumerate(csv.DictReader(handle), start=2):
                yield _manifest_item(path, line, row)
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise InputError(f"{path}: cannot read the manifest ({e})") from e


def _manifest_jsonl(path: Path) -> Iterator[Item]:
    try:
        with path.open(encoding="utf-8-sig") as handle:
            for line, text in enumerate(handle, start=1):
                if not text.strip():
                    continue
                try:
                    row = json.loads(text)
                except json.JSONDecodeError as e:
                    yield Item(id=f"line{line}", problem=f"bad manifest row: {path}:{line}: {e}")
                    continue
                yield _manifest_item(path, line, row if isinstance(row, dict) else {})
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: cannot read the manifest ({e})") from e


def _manifest_item(manifest: Path, line: int, row: dict[str, Any]) -> Item:
    row = {str(k).strip(): v for k, v in row.items() if k is not None}
    case_id = str(row.get("id") or "").strip() or f"line{line}"
    metadata = {k: v for k, v in row.items() if k not in _KNOWN_COLUMNS and v not in (None, "")}
    raw_meta = row.get("metadata")
    if isinstance(raw_meta, dict):
        metadata.update(raw_meta)
    elif isinstance(raw_meta, str) and raw_meta.strip():
        try:
            metadata.update(json.loads(raw_meta))
        except (json.JSONDecodeError, TypeError, ValueError):
            metadata["metadata"] = raw_meta
    fields: dict[str, Any] = {}
    problem = ""
    for role in ("reference", "candidate"):
        path_value, text_value = _path_or_text(manifest, row, role)
        fields[f"{role}_path"], fields[f"{role}_text"] = path_value, text_value
        if not path_value and text_value is None and not problem:
            problem = f"missing {role}: {manifest}:{line} gives no {role} for {case_id}"
    return Item(id=case_id, source=str(row.get("source") or DEFAULT_SOURCE),
                instruction=str(row.get("instruction") or ""), metadata=metadata,
                problem=problem, **fields)


def _path_or_text(manifest: Path, row: dict[str, Any], role: str) -> tuple[str, str | None]:
    """(path, None) or ('', text) for one side of a manifest row."""
    if row.get(f"{role}_text") not in (None, ""):
        return "", str(row[f"{role}_text"])
    explicit = row.get(f"{role}_path")
    if explicit not in (None, ""):
        return str(_resolve(manifest, str(explicit))), None
    value = row.get(role)
    if value in (None, ""):
        return "", None
    value = str(value)
    # A short single line naming an existing file is a path; anything else is the text itself.
    if "\n" not in value and len(value) < 1024 and _names_a_file(_resolve(manifest, value)):
        return str(_resolve(manifest, value)), None
    return "", value


def _names_a_file(path: Path) -> bool:
    """Whether ``path`` exists (or is a link); a text that cannot be a path (a sentence longer
    than a file name may be, a NUL) is no file, not an error."""
    try:
        return path.exists() or path.is_symlink()
    except (OSError, ValueError):  # ENAMETOOLONG, "embedded null byte"
        return False


def _resolve(manifest: Path, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else manifest.parent / path


def read_document(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The text of a document, or InputError whose message starts with the failure class."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise InputError(f"not a file: {path} is a folder or special file; remove it or "
                             "rename it out of the input")
        if size > max_bytes:
            raise InputError(f"file too large: {path} has {size} bytes, over the limit of "
                             f"{max_bytes} (raise it with --max-bytes)")
        data = path.read_bytes()
    except FileNotFoundError as e:
        raise InputError(f"unreadable file: {path} does not exist (a dangling link?)") from e
    except PermissionError as e:
        raise InputError(f"unreadable file: {path}: permission denied; fix its "
                         "permissions") from e
    except OSError as e:
        raise InputError(f"unreadable file: {path}: {e.strerror or e}") from e
    return decode_document(data, str(path), max_bytes=max_bytes)


def decode_document(data: bytes, name: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Bytes to text, refusing empty, oversize, binary and non-UTF-8 content (UTF-16 with its
    byte order mark, as Windows saves "Unicode" text, is read too)."""
    if len(data) > max_bytes:
        raise InputError(f"file too large: {name} has {len(data)} bytes, over the limit of "
                         f"{max_bytes} (raise it with --max-bytes)")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return _not_empty(data.decode("utf-16"), name)
        except UnicodeDecodeError as e:
            raise InputError(f"invalid UTF-16: {name}: byte {e.start} cannot be decoded; "
                             "convert the file to UTF-8") from e
    if b"\x00" in data[:8192]:
        raise InputError(f"binary file: {name} contains NUL bytes; it is not a text document")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(f"invalid UTF-8: {name}: byte {e.start} cannot be decoded; convert "
                         "the file to UTF-8") from e
    return _not_empty(text, name)


def _not_empty(text: str, name: str) -> str:
    if not text.strip():
        raise InputError(f"empty file: {name} has no text")
    return text


def check_text(text: str, name: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Inline manifest text gets the same checks as a file."""
    return decode_document(text.encode("utf-8", "surrogatepass"), name, max_bytes=max_bytes)
