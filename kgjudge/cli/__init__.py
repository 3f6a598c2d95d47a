"""The ``kgjudge`` command: one module per subcommand, each with ``register`` and ``run``.

Command modules import nothing heavy at module level, so ``kgjudge --help`` is instant; each
``run`` imports what it needs. Exit codes: 0 success, 1 some items failed or a check found
problems, 2 usage or input errors (a KgJudgeError reaching the top).
"""

from __future__ import annotations

import argparse
import importlib
import sys

from kgjudge import __version__
from kgjudge.errors import KgJudgeError
from kgjudge.runtime import tune_for_long_runs

#: Subcommand name -> module under kgjudge.cli, in the order `--help` lists them.
COMMANDS = {
    "review": "review",
    "batch": "batch",
    "score": "score",
    "judge": "judge",
    "extract": "extract",
    "export": "export",
    "domains": "domains",
    "train": "train",
    "serve": "serve",
    "evaluate": "evaluate",
    "calibrate": "calibrate",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kgjudge",
        description="Judge candidate documents against references through knowledge graphs. "
                    "Run without arguments to open the review UI on the most recent run.",
    )
    parser.add_argument("--version", action="version", version=f"kgjudge {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMANDS.values():
        try:
            module = importlib.import_module(f"kgjudge.cli.{module_name}")
        except ModuleNotFoundError as e:
            if e.name == f"kgjudge.cli.{module_name}":
                continue  # command not built yet in this checkout
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    tune_for_long_runs()
    if args.command is None:
        args = parser.parse_args(["review", *(argv or [])]) if "review" in _registered(parser) \
            else parser.parse_args(["--help"])
    try:
        return int(args.func(args) or 0)
    except KgJudgeError as e:
        print(f"kgjudge: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("kgjudge: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def _registered(parser: argparse.ArgumentParser) -> set[str]:
    for action in parser._subparsers._group_actions if parser._subparsers else []:  # noqa: SLF001
        return set(getattr(action, "choices", {}) or {})
    return set()
