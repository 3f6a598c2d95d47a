"""The one kgjudge error family.

Every error a user can cause (a bad pack, an unreadable file, a judge that times out) is a
``KgJudgeError`` whose message names the file or item and what to do. Programming mistakes stay
``ValueError`` / ``TypeError`` so catching kgjudge's errors never hides a bug.

    KgJudgeError
    ├── PackError            a domain pack is missing or invalid
    │   ├── OntologyError    an ontology file cannot be read or is malformed
    │   └── RubricError      a rubric file is malformed
    ├── ConfigError          a setting, option or recipe is wrong
    ├── InputError           a document, manifest or label file cannot be used
    ├── ExtractionError      extraction failed (LLM extractor reply, spaCy model missing)
    ├── JudgeError           a judge backend failed
    │   ├── JudgeTimeout     the backend did not answer in time
    │   ├── ServerUnreachable  no connection to the judge's server, after every retry
    │   └── PromptTooLong    the prompt exceeds the model's context
    ├── StoreError           the SQLite store cannot be opened, migrated or written
    └── MissingExtra         an optional dependency is not installed
"""

from __future__ import annotations

from dataclasses import dataclass


class KgJudgeError(Exception):
    """Root of every error kgjudge raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One problem found while validating a file; validation collects all of them."""

    file: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


class PackError(KgJudgeError):
    """A domain pack is missing or invalid; carries every problem found."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        self.problems = list(problems or [])
        if self.problems:
            message = message + "\n" + "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(message)


class OntologyError(PackError):
    """An ontology file cannot be read or is malformed."""


class RubricError(PackError):
    """A rubric file is malformed."""


class ConfigError(KgJudgeError):
    """A setting, command-line option or recipe is wrong."""


class InputError(KgJudgeError):
    """A document, manifest or label file cannot be used."""


class ExtractionError(KgJudgeError):
    """Extraction failed (an LLM extractor's reply, a missing spaCy pipeline)."""


class JudgeError(KgJudgeError):
    """A judge backend failed."""


class JudgeTimeout(JudgeError):
    """The judge backend did not answer in time."""


class ServerUnreachable(JudgeError):
    """No connection to the judge's server could be made, after every retry, or its URL is
    unusable: the server is at fault, not the pair (a batch stops rather than fail every pair
    after it)."""


class PromptTooLong(JudgeError):
    """The prompt is longer than the model's context window."""


class StoreError(KgJudgeError):
    """The SQLite store cannot be opened, migrated or written."""


class MissingExtra(KgJudgeError):
    """An optional dependency is not installed; the message gives the install command."""

    def __init__(self, package: str, extra: str, purpose: str) -> None:
        super().__init__(
            f"{purpose} needs the '{package}' package, which is not installed. "
            f"Install it with: pip install 'kgjudge[{extra}]'"
        )


def did_you_mean(word: str, options) -> str:  # noqa: ANN001
    """' (did you mean 'x'?)' for the closest option, or '' when nothing is close."""
    import difflib

    close = difflib.get_close_matches(word, [str(o) for o in options], n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def error_line(e: BaseException) -> int | None:
    """The line a parser error points at (tomllib, json, yaml), when it says."""
    import re

    mark = getattr(e, "problem_mark", None)  # PyYAML
    if mark is not None:
        return mark.line + 1
    line = getattr(e, "lineno", None)  # json
    if isinstance(line, int):
        return line
    m = re.search(r"line (\d+)", str(e))  # tomllib puts it in the message only
    return int(m.group(1)) if m else None


def require(module: str, *, extra: str, purpose: str):  # noqa: ANN201 - returns a module
    """Import an optional dependency or raise MissingExtra with the install command."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise MissingExtra(module.split(".")[0], extra, purpose) from e
