"""``kgjudge train``: build training data for a domain's judge and fine-tune it with LoRA.

    kgjudge train data --domain D --out data.jsonl      examples (overrides, labels, synthetic)
    kgjudge train --domain D [--recipe PATH]            SFT + LoRA, adapter and evaluation report
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _sources(parser: argparse.ArgumentParser, default: object = None) -> None:
    parser.add_argument("--domain", default=default, metavar="D", help="pack name or folder")
    parser.add_argument("--recipe", default=default, metavar="PATH",
                        help="recipe file (default: the pack's recipe.toml)")
    parser.add_argument("--references", default=default, metavar="FILE",
                        help="more reference texts for synthetic pairs: CSV/JSONL with findings "
                             "+ impression columns (IU X-ray) or a reference/text column")
    parser.add_argument("--max-references", type=int, default=default, metavar="N",
                        help="use at most N reference documents")
    parser.add_argument("--store", action="append", default=default, metavar="FILE",
                        help="a store whose analyst overrides become examples (repeatable)")
    parser.add_argument("--labels", action="append", default=default, metavar="FILE",
                        help="CSV/JSONL with reference, candidate, rubric, score [, rationale] "
                             "(repeatable)")
    parser.add_argument("--no-teacher", action="store_true", default=default,
                        help="skip teacher rationales even when the recipe names an endpoint")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "train", help="build training data and fine-tune a domain's LoRA judge",
        description="Fine-tune the recipe's base model with LoRA (TRL SFTTrainer, loss on the "
                    "completion only) on examples from analyst overrides, labelled files and "
                    "synthetic pairs; saves the adapter, the recipe, the data hashes and an "
                    "evaluation report on held-out reference documents.")
    _sources(parser)
    parser.add_argument("--data", metavar="FILE", help="train on this JSONL (from 'kgjudge "
                                                       "train data') instead of building it")
    parser.add_argument("--out", metavar="DIR", help="output folder (default: adapters/DOMAIN)")
    parser.add_argument("--base", metavar="MODEL", help="override [model].base")
    parser.add_argument("--max-steps", type=int, metavar="N", help="override [trainer].max_steps")
    parser.add_argument("--iterate", type=int, default=None, metavar="N",
                        help="Self-Taught-Evaluator rounds after the first training "
                             "(default: [iterate].rounds)")
    parser.add_argument("--no-eval", action="store_true", help="skip the evaluation report")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.set_defaults(func=run)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    data = actions.add_parser("data", help="build the training examples (JSONL)",
                              description="Write chat-format examples (the judge's own prompt, "
                                          "completion 'Feedback: ... [RESULT] N') to --out.")
    _sources(data, default=argparse.SUPPRESS)
    data.add_argument("--out", required=True, metavar="FILE", help="JSONL file to write")
    data.set_defaults(func=run_data)


def _setup(args: argparse.Namespace):  # noqa: ANN202 - (pack, recipe)
    from kgjudge.domain import load_pack
    from kgjudge.errors import ConfigError
    from kgjudge.train.recipe import recipe_for

    if not args.domain:
        raise ConfigError("--domain is required (a pack name or folder)")
    pack = load_pack(args.domain)
    recipe = recipe_for(pack, args.recipe)
    base = getattr(args, "base", None)
    return pack, recipe.with_base(base) if base else recipe


def _records(args: argparse.Namespace, pack, recipe) -> list[dict]:  # noqa: ANN001
    from kgjudge.train.data import build_dataset, summary

    records = build_dataset(pack, recipe, references_file=args.references,
                            max_references=args.max_references, stores=args.store or [],
                            labelled=args.labels or [], teacher=not args.no_teacher)
    print(f"train data: {json.dumps(summary(records))}", file=sys.stderr)
    return records


def run_data(args: argparse.Namespace) -> int:
    from kgjudge.train.data import summary, write_jsonl

    pack, recipe = _setup(args)
    records = _records(args, pack, recipe)
    digest = write_jsonl(records, args.out)
    print(json.dumps({"out": args.out, "sha256": digest, **summary(records)}))
    return 0


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from kgjudge.train.data import read_jsonl, write_jsonl
    from kgjudge.train.trainer import check_base

    pack, recipe = _setup(args)
    if args.max_steps is not None:
        recipe = replace(recipe, trainer=replace(recipe.trainer, max_steps=args.max_steps))
    out = Path(args.out or Path("adapters") / pack.name)
    check_base(recipe)  # a base model that is not here fails now, not after building the data
    if args.data:
        data_path = Path(args.data)
        records = read_jsonl(data_path)
    else:
        records = _records(args, pack, recipe)
        data_path = out / "data.jsonl"
        write_jsonl(records, data_path)
    rounds = recipe.iterate.rounds if args.iterate is None else args.iterate
    if rounds:
        from kgjudge.train.iterate import iterate

        results = iterate(pack, recipe, records, out, rounds, progress=not args.quiet)
    else:
        from kgjudge.train.trainer import train

        results = [train(pack, recipe, records, out, data_path=data_path,
                         progress=not args.quiet, evaluate=not args.no_eval)]
    last = results[-1]
    if last.report:
        from kgjudge.train.evaluation import format_report

        print(format_report(last.report), file=sys.stderr)
    print(json.dumps({"adapter": str(last.adapter), "steps": last.steps,
                      "loss_first": last.losses[0] if last.losses else None,
                      "loss_last": last.losses[-1] if last.losses else None,
                      "tokens_per_second": last.tokens_per_second,
                      "peak_memory_mb": last.peak_memory_mb, "rounds": len(results),
                      "report": last.report}))
    return 0
