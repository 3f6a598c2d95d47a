"""``kgjudge domains list|show|validate|new``: find, inspect, check and scaffold domain packs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("domains", help="list, show, validate or scaffold domain packs",
                            description="Domain packs are folders of data files (see "
                                        "docs/domain-pack.md). Packs are found in "
                                        "$KGJUDGE_DOMAINS, ./domains and kgjudge's own domains/.")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
    verbs.add_parser("list", help="list the packs found").set_defaults(func=run_list)
    show = verbs.add_parser("show", help="summarise a pack: concepts by type, rubrics, rules")
    show.add_argument("name", help="pack name or folder")
    show.set_defaults(func=run_show)
    validate = verbs.add_parser("validate", help="check a pack and print every problem; "
                                                 "exit 1 if any")
    validate.add_argument("name", help="pack name or folder")
    validate.set_defaults(func=run_validate)
    new = verbs.add_parser("new", help="scaffold a valid, commented pack to fill in")
    new.add_argument("name", help="lower-case name of the new pack")
    new.add_argument("--dir", default="domains", help="folder to create it in (default: domains)")
    new.set_defaults(func=run_new)


def run_list(args: argparse.Namespace) -> int:
    from kgjudge.domain import available_packs

    packs = available_packs()
    if not packs:
        print("no domain packs found; create one with 'kgjudge domains new NAME'", file=sys.stderr)
        return 0
    for name, path in packs.items():
        print(f"{name}\t{path}")
    return 0


def run_show(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from kgjudge.domain import load_pack

    pack = load_pack(args.name)
    console = Console()
    console.print(f"[bold]{pack.name}[/] {pack.version} - {pack.title}")
    if pack.description:
        console.print(pack.description)
    console.print(f"folder: {pack.path}")
    console.print(f"content hash: {pack.content_hash}")
    console.print(f"concepts: {len(pack.lexicon)}")
    table = Table("entity type", "concepts", "finding root")
    counts = pack.lexicon.count_by_type()
    for etype in pack.entity_types:
        root = "yes" if etype in pack.finding_roots else ""
        table.add_row(etype, str(counts.get(etype, 0)), root)
    console.print(table)
    console.print(f"relations: {', '.join(pack.relation_types)}")
    console.print(f"assertions: {', '.join(pack.assertions)}")
    triggers = sum(len(t.phrases) for t in pack.context.triggers)
    console.print(f"context triggers: {triggers} phrases in {len(pack.context.triggers)} groups")
    phrases = sum(len(p.phrases) for p in pack.relations.phrases)
    console.print(f"relation phrases: {phrases}; open entity patterns: "
                  f"{len(pack.relations.entities)}")
    console.print("rubrics: " + ", ".join(
        f"{r.id}{' (default)' if r.id in pack.default_rubrics else ''}"
        for r in pack.rubrics.values()))
    for name, mapping in pack.mappings.items():
        console.print(f"mapping {name}: {len(mapping)} codes")
    console.print(f"recipe: {pack.recipe_path or 'none'}")
    console.print(f"examples: {pack.examples_path or 'none'}")
    return 0


def run_validate(args: argparse.Namespace) -> int:
    from kgjudge.domain import find_pack, validate_pack

    folder = find_pack(args.name)
    problems = validate_pack(folder)
    if not problems:
        print(f"{folder}: ok")
        return 0
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} in {folder}",
          file=sys.stderr)
    return 1


def run_new(args: argparse.Namespace) -> int:
    import re

    from kgjudge.errors import ConfigError
    from kgjudge.scaffold import write_pack

    if not re.fullmatch(r"[a-z][a-z0-9_-]*", args.name):
        raise ConfigError(f"pack name '{args.name}' must be lower-case letters, digits, _ or -")
    target = Path(args.dir) / args.name
    write_pack(args.name, target)
    print(f"created {target}; fill in the files, then run: kgjudge domains validate {target}")
    return 0
