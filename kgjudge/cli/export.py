"""``kgjudge export --db run.sqlite``: a run's scores as CSV / JSONL, or the corpus report."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "export", help="export a run's scores (CSV / JSONL) or its corpus report",
        description="One row per case and rubric: files, every metric, score, expected score, "
                    "status, error, rationale, backend, model and the analyst override in force.")
    parser.add_argument("--db", default="kgjudge.sqlite", help="SQLite store "
                        "(default: kgjudge.sqlite)")
    parser.add_argument("--run", type=int, help="run id (default: the latest run)")
    parser.add_argument("--format", choices=("csv", "jsonl"), default="csv", dest="fmt")
    parser.add_argument("--out", help="file to write (atomically); default: stdout")
    parser.add_argument("--corpus-report", action="store_true",
                        help="print mean scores and knowledge gaps per candidate source instead")
    parser.add_argument("--runs", action="store_true", help="list the runs in the store")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from kgjudge.errors import StoreError
    from kgjudge.export import corpus_report, export_run, format_corpus_report
    from kgjudge.store import Store

    if not Path(args.db).is_file():
        raise StoreError(f"{args.db}: no such store; run 'kgjudge batch ... --db {args.db}' "
                         "first")
    with Store(args.db) as store:
        if args.runs:
            for r in store.runs():
                print(f"{r.id}\t{r.started_at}\t{r.finished_at or 'unfinished'}\t{r.domain}\t"
                      f"{r.backend}\t{r.model}\t{','.join(r.rubrics)}\t{r.input}")
            return 0
        run_record = store.run(args.run) if args.run is not None else store.latest_run()
        if run_record is None:
            raise StoreError(f"{args.db}: the store has no run yet")
        if args.corpus_report:
            print(format_corpus_report(corpus_report(store, run_record.id)))
            return 0
        count = export_run(store, run_record.id, fmt=args.fmt, out=args.out)
    if args.out:
        print(f"wrote {count} rows of run {run_record.id} to {args.out}", file=sys.stderr)
    return 0
