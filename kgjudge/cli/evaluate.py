"""``kgjudge evaluate``: how well a judge's scores agree with human labels."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "evaluate", help="correlate judge scores with human labels (meta-evaluation)",
        description="Join verdicts with human labels by case id and criterion and report "
                    "Pearson, Spearman and Kendall with bootstrap 95%% intervals (item level and "
                    "grouped by document), exact / off-by-one agreement and the unscored rate. "
                    "Give two score sets (two --scores, or two --run of one --db) to compare "
                    "them on the same items with a paired bootstrap.")
    parser.add_argument("--labels", required=True, metavar="FILE",
                        help="CSV or JSONL: case_id, criterion, score [, doc_id, source]")
    parser.add_argument("--scores", action="append", default=[], metavar="FILE",
                        help="a 'kgjudge export' CSV/JSONL (repeatable)")
    parser.add_argument("--db", action="append", default=[], metavar="FILE",
                        help="a store written by 'kgjudge batch' (repeatable)")
    parser.add_argument("--run", action="append", type=int, default=[], metavar="ID",
                        help="run id in --db (repeatable; default: the latest run)")
    parser.add_argument("--map", action="append", default=[], metavar="RUBRIC=CRITERION",
                        help="rubric id -> label criterion (repeatable; default: same names)")
    parser.add_argument("--field", choices=("score", "expected_score"), default="score",
                        help="which judge value to correlate (expected_score falls back to score)")
    parser.add_argument("--bootstrap", type=int, default=1000, metavar="N",
                        help="bootstrap resamples for the intervals (default 1000; 0: none)")
    parser.add_argument("--confidence", type=float, default=0.95)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", metavar="FILE", help="write every figure as CSV, JSON or JSONL")
    parser.add_argument("--plot", metavar="FILE.png",
                        help="scatter of judge against human score per criterion (matplotlib)")
    parser.set_defaults(func=run)


def _score_sets(args: argparse.Namespace) -> list[tuple[str, list]]:
    from pathlib import Path

    from kgjudge.errors import ConfigError
    from kgjudge.evaluate.data import load_scores, load_store_scores

    if not args.scores and not args.db:
        raise ConfigError("give the judge scores with --scores FILE or --db run.sqlite")
    sets = [(Path(p).stem, load_scores(p, field=args.field)) for p in args.scores]
    for db in args.db:
        for run_id in args.run or [None]:
            sets.append(load_store_scores(db, run=run_id, field=args.field))
    names = [n for n, _ in sets]
    return [(f"{n}.{i}" if names.count(n) > 1 else n, s) for i, (n, s) in enumerate(sets, 1)]


def run(args: argparse.Namespace) -> int:
    from kgjudge.evaluate import (
        compare_items,
        evaluate_items,
        format_table,
        join,
        load_labels,
        parse_mapping,
        plot,
        report_rows,
        write_rows,
    )

    labels = load_labels(args.labels)
    mapping = parse_mapping(args.map)
    joined = {name: join(labels, scores, mapping) for name, scores in _score_sets(args)}
    for name, items in joined.items():
        if 0 < len(items) < len(labels):
            print(f"note: {name}: {len(labels) - len(items)} of {len(labels)} labels have no "
                  "judge row (not judged) and are left out", file=sys.stderr)
    options = {"n_boot": args.bootstrap, "confidence": args.confidence, "seed": args.seed}
    reports = [r for name, items in joined.items()
               for r in evaluate_items(items, judge=name, **options)]
    names = list(joined)
    comparisons = [c for other in names[1:] for c in compare_items(
        joined[names[0]], joined[other], names=(names[0], other), **options)]
    if not any(r.correlations.get("grouped.spearman") for r in reports):
        print("note: labels have no doc_id/group column, so grouped correlations are skipped",
              file=sys.stderr)
    print(format_table(reports, comparisons))
    if args.out:
        write_rows(report_rows(reports, comparisons), args.out)
        print(f"wrote {args.out}", file=sys.stderr)
    if args.plot:
        plot(joined, args.plot, seed=args.seed)
        print(f"wrote {args.plot}", file=sys.stderr)
    return 0
