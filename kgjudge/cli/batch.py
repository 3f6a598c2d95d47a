"""``kgjudge batch INPUT --domain D``: score folders of reports into a SQLite store and a CSV."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

EPILOG = """\
INPUT is a folder with references/ and candidates/ (or one folder per model) matched by file
stem, a folder of <id>.ref.txt / <id>.cand.txt pairs, or a CSV / JSONL manifest with columns id,
reference, candidate (paths or texts), optional instruction, source, metadata.

Run the same command again to resume: pairs already stored for the same configuration are
skipped. Exit code: 0 every pair scored, 1 some failed (listed by reason), 2 usage error or
a judge server that does not answer (checked first; a run it stops midway resumes the same way).
"""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "batch", help="score a folder or manifest of reference/candidate pairs",
        description="Score every reference/candidate pair, store verdicts in SQLite as they "
                    "are produced, and export a CSV.", epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input", help="folder or manifest (.csv / .jsonl)")
    parser.add_argument("--domain", required=True, help="domain pack name or folder")
    parser.add_argument("--rubric", action="append", default=[], dest="rubrics",
                        help="rubric id (repeat for several; default: the pack's defaults)")
    parser.add_argument("--backend", choices=("kg", "openai", "hf"), default="kg",
                        help="judge backend (default: kg, the embedded CPU judge)")
    parser.add_argument("--model", help="judge model name (openai / hf backends)")
    parser.add_argument("--adapter", help="openai: LoRA module name as served (kgjudge serve "
                                          "prints it); hf: adapter folder")
    parser.add_argument("--base-url", "--endpoint", dest="endpoint", metavar="URL",
                        help="openai: server URL, e.g. http://127.0.0.1:8000/v1 (checked "
                             "before the first pair)")
    parser.add_argument("--timeout", type=float, help="seconds to wait for each judge call")
    parser.add_argument("--extractor", help="extractor name (default: the pack's)")
    parser.add_argument("--out", help="CSV file to write at the end (default: none)")
    parser.add_argument("--db", default="kgjudge.sqlite",
                        help="SQLite store (default: kgjudge.sqlite); resumed if it exists")
    parser.add_argument("--jobs", type=_positive, default=1,
                        help="worker processes for extraction and kg judging (default: 1)")
    parser.add_argument("--concurrency", type=_positive, default=8,
                        help="remote judge calls in flight (default: 8)")
    parser.add_argument("--max-bytes", type=_positive, default=2_000_000,
                        help="larger documents fail as 'file too large' (default: 2000000)")
    parser.add_argument("--retry-failed", action="store_true",
                        help="recompute pairs stored as failed instead of skipping them")
    parser.set_defaults(func=run)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def settings_from(args: argparse.Namespace) -> Any:
    from kgjudge.batch import BatchSettings

    options = {k: v for k, v in (("model", args.model), ("adapter", args.adapter),
                                 ("endpoint", args.endpoint), ("timeout", args.timeout))
               if v is not None}
    return BatchSettings(domain=args.domain, rubrics=tuple(args.rubrics), backend=args.backend,
                         judge_options=options, extractor=args.extractor, jobs=args.jobs,
                         concurrency=args.concurrency, max_bytes=args.max_bytes,
                         retry_failed=args.retry_failed)


def run(args: argparse.Namespace) -> int:
    from kgjudge.batch import run_batch
    from kgjudge.export import export_run
    from kgjudge.runtime import settle
    from kgjudge.store import Store

    settings = settings_from(args)
    progress = make_progress()
    try:
        with progress:
            report = run_batch(args.input, settings, db=args.db, on_start=progress.start,
                               on_outcome=progress.advance, on_loaded=settle)
    except KeyboardInterrupt:
        print(f"kgjudge: interrupted; what was scored is stored in {args.db}. Run the same "
              "command again to resume.", file=sys.stderr)
        return 130
    if args.out:
        with Store(args.db) as store:
            count = export_run(store, report.run_id, fmt="csv", out=args.out)
        print(f"wrote {count} rows to {args.out}", file=sys.stderr)
    with Store(args.db) as store:
        failed = store.failed_items(report.run_id, limit=20)
        print_scores(store.score_summary(report.run_id))
    print_summary(report, failed, args.db)
    return report.exit_code


def print_scores(summary: list[dict[str, Any]]) -> None:
    """The run's scores at a glance, per candidate source and rubric (stderr: stdout is data)."""
    from rich.console import Console
    from rich.table import Table

    if not summary:
        return
    several = len({row["source"] for row in summary}) > 1  # models side by side
    headers = ["rubric", "mean score", "scores <= 2", "unscored", "errors"]
    table = Table(*(["source"] if several else []), *headers, title="scores",
                  title_justify="left", box=None, pad_edge=False)
    for row in summary:
        mean = "-" if row["mean_score"] is None else f"{row['mean_score']:.2f}"
        cells = [row["rubric"], mean, f"{row['low']} / {row['verdicts']}", str(row["unscored"]),
                 str(row["errors"])]
        table.add_row(*([row["source"]] if several else []), *cells)
    Console(stderr=True).print(table)


def print_summary(report: Any, failed_items: list[tuple[str, str, str]], db: str) -> None:
    err = sys.stderr
    print(f"run {report.run_id}: {report.processed} pairs scored now, {report.skipped} already "
          f"stored, {report.total} in the input; store: {db}", file=err)
    if not report.failures:
        print("every pair scored", file=err)
        return
    total = sum(report.failures.values())
    print(f"{total} failed verdicts (pair x rubric), by reason:", file=err)
    for reason, n in report.failures.most_common():
        print(f"  {n:6d}  {reason}", file=err)
    for source, case_id, error in failed_items:
        print(f"  - {source}/{case_id}: {error}", file=err)
    print("  (every failed pair and its reason: the status and error columns of the export)",
          file=err)


def make_progress() -> Any:
    return RichProgress() if sys.stderr.isatty() else LineProgress()


class LineProgress:
    """Plain progress lines on stderr when it is not a terminal (logs, CI)."""

    def __init__(self, every_s: float = 5.0) -> None:
        self.every_s, self.total, self.done, self.failed = every_s, 0, 0, 0
        self._start = self._last = time.monotonic()
        self._first: float | None = None

    def __enter__(self) -> LineProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.total:
            self._line()

    def start(self, total: int, skipped: int) -> None:
        self.total = total
        self._start = self._last = time.monotonic()
        print(f"batch: {total} pairs to score, {skipped} already stored", file=sys.stderr)

    def advance(self, outcome: Any) -> None:
        if self._first is None:  # rate from the first result on: start-up is not throughput
            self._first = time.monotonic()
        self.done += 1
        if any(v.status != "ok" for v in outcome.verdicts):
            self.failed += 1
        now = time.monotonic()
        if now - self._last >= self.every_s:
            self._last = now
            self._line()

    @property
    def rate(self) -> float:
        if self._first is None or self.done < 2:
            return 0.0
        return (self.done - 1) / max(time.monotonic() - self._first, 1e-9)

    def _line(self) -> None:
        rate = self.rate  # 0 until two results came: no rate yet, not a rate of 0
        speed = f"{rate:.1f}" if rate else "-"
        eta = f"{(self.total - self.done) / rate:.0f}s" if rate else "-"
        print(f"batch: {self.done}/{self.total} pairs, {self.failed} failed, {speed} pairs/s,"
              f" eta {eta}", file=sys.stderr, flush=True)


class RichProgress(LineProgress):
    """A Rich progress bar with rate and ETA on a terminal."""

    def __init__(self) -> None:
        super().__init__()
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._bar = Progress(TextColumn("[bold]batch"), BarColumn(), MofNCompleteColumn(),
                             TextColumn("{task.fields[rate]} pairs/s"),
                             TextColumn("[red]{task.fields[failed]} failed"),
                             TimeElapsedColumn(), TimeRemainingColumn(),
                             console=Console(stderr=True))
        self._task = self._bar.add_task("batch", total=None, rate="-", failed=0)

    def __enter__(self) -> RichProgress:
        self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()

    def start(self, total: int, skipped: int) -> None:
        super().start(total, skipped)
        self._bar.update(self._task, total=total)

    def advance(self, outcome: Any) -> None:
        self._last = time.monotonic()  # the bar redraws itself; no plain lines
        super().advance(outcome)
        self._bar.update(self._task, advance=1, rate=f"{self.rate:.1f}" if self.rate else "-",
                         failed=self.failed)

