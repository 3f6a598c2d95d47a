"""``kgjudge review``: open a run in the review UI, or judge one pair ad hoc and review it.

    kgjudge review run.sqlite [--run N]          the run's queue (default: its latest run)
    kgjudge review REF CAND --domain D           judge the pair, then show its case
    kgjudge                                      the newest *.sqlite here ($KGJUDGE_DB), else help
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "review", help="review a run in the terminal UI, or judge one pair ad hoc",
        description="With a store: review its latest run (or --run). With two documents: judge "
                    "the candidate against the reference (--domain) and review it. With nothing: "
                    "the newest *.sqlite in this folder or $KGJUDGE_DB, else a welcome screen.")
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="run.sqlite, or REFERENCE CANDIDATE text files")
    parser.add_argument("--domain", help="domain pack for an ad hoc pair")
    parser.add_argument("--backend", default="kg", help="judge backend for an ad hoc pair "
                                                        "(kg, openai, hf; default kg)")
    parser.add_argument("--run", type=int, help="run id in the store (default: the latest)")
    parser.add_argument("--keys", action="store_true",
                        help="print the key bindings (screen, key, action, id) and exit")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kgjudge.errors import ConfigError, InputError
    from kgjudge.tui.keymap import load_keymap

    keymap = load_keymap()
    if args.keys:
        return _print_keys(keymap)
    from kgjudge.tui.app import ReviewApp
    from kgjudge.tui.data import RunData, find_recent_store
    from kgjudge.tui.judging import AdhocRequest

    paths = [Path(p) for p in args.paths]
    if len(paths) > 2:
        raise ConfigError("give one store (run.sqlite) or two documents (REFERENCE CANDIDATE)")
    for path in paths:
        if not path.is_file():
            raise InputError(f"{path}: no such file")
    if len(paths) == 2:
        if not args.domain:
            raise ConfigError("judging a pair needs its domain pack: add --domain NAME "
                              "(see 'kgjudge domains list')")
        request = AdhocRequest(paths[0], paths[1], args.domain, backend=args.backend)
        ReviewApp(adhoc=request, keymap=keymap).run()
        return 0
    store = paths[0] if paths else find_recent_store()
    data = None
    if store is not None:
        if not store.is_file():
            raise InputError(f"{store}: no such store (check $KGJUDGE_DB)")
        data = RunData.open(store, args.run)
        if data is None:
            print(f"{store}: no run stored yet; showing the welcome screen", file=sys.stderr)
    ReviewApp(data, keymap=keymap).run()
    return 0


def _print_keys(keymap: dict[str, str]) -> int:
    from kgjudge.tui.app import ReviewApp
    from kgjudge.tui.screens.case import CaseScreen
    from kgjudge.tui.screens.help import key_rows
    from kgjudge.tui.screens.queue import QueueScreen

    sections = [("everywhere", ReviewApp.BINDINGS), ("queue", QueueScreen.BINDINGS),
                ("case", CaseScreen.BINDINGS)]
    for row in key_rows(sections, keymap):
        print("\t".join(row))
    return 0
