"""Time opening a 10,000-case run in the review UI, beside a bare DataTable with the same rows.

    .venv/bin/python scripts/bench_tui_open.py [--cases 10000] [--repeat 3] [--db PATH]

Builds a synthetic run (kgjudge.tui.sample; reused when --db already holds one of that size),
then times, in the same process and with the same headless driver (App.run_test):
  review: RunData.open (bulk load from SQLite) + ReviewApp until the queue has painted its rows;
  baselines: a bare App with one DataTable holding the same rows, already in memory (what the
  queue used first), and a bare App with one CaseTable (the queue's table) holding them.
Prints the median wall and CPU time of --repeat runs of each, and the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import DataTable

from kgjudge.store import Store
from kgjudge.tui.app import ReviewApp
from kgjudge.tui.data import RunData
from kgjudge.tui.sample import build_sample_store
from kgjudge.tui.screens.queue import QueueScreen
from kgjudge.tui.widgets.case_table import CaseTable

SIZE = (160, 45)
Timing = tuple[float, float]
"""(wall seconds, CPU seconds of this process): CPU time is what other processes on a shared
machine cannot inflate."""


def clocks() -> Timing:
    return time.perf_counter(), time.process_time()


def since(start: Timing) -> Timing:
    wall, cpu = clocks()
    return wall - start[0], cpu - start[1]


def ensure_store(path: Path, cases: int) -> None:
    if path.exists():
        with Store(path) as store:
            run = store.latest_run()
            if run is not None and store.count_cases(run.id) == cases:
                return
        path.unlink()
    start = time.perf_counter()
    store, _ = build_sample_store(path, cases, long_case=False)
    store.close()
    print(f"built {cases:,} cases in {time.perf_counter() - start:.1f} s: {path}",
          file=sys.stderr)


async def time_review(path: Path) -> tuple[Timing, list[list[str]]]:
    start = clocks()
    data = RunData.open(path)
    assert data is not None
    app = ReviewApp(data)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        table = queue.query_one(CaseTable)
        assert table.row_count == len(data.rows())
        elapsed = since(start)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
    data.store.close()
    return elapsed, rows


class Bare(App[None]):
    def __init__(self, columns: list[str], rows: list[list[str]], *, virtual: bool) -> None:
        super().__init__()
        self.columns, self.rows, self.virtual = columns, rows, virtual

    def compose(self) -> ComposeResult:
        yield CaseTable() if self.virtual else DataTable(cursor_type="row")

    def on_mount(self) -> None:
        if self.virtual:
            table = self.query_one(CaseTable)
            table.set_columns([(c, c) for c in self.columns])
            table.set_rows([str(i) for i in range(len(self.rows))], self.rows)
            return
        data_table = self.query_one(DataTable)
        data_table.add_columns(*self.columns)
        for i, row in enumerate(self.rows):
            data_table.add_row(*row, key=str(i))


async def time_baseline(columns: list[str], rows: list[list[str]], *, virtual: bool
                        ) -> Timing:
    start = clocks()
    app = Bare(columns, rows, virtual=virtual)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.query_one(CaseTable if virtual else DataTable)
        assert table.row_count == len(rows)
        elapsed = since(start)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", type=Path,
                        default=Path(tempfile.gettempdir()) / "kgjudge-bench-tui.sqlite")
    args = parser.parse_args()
    ensure_store(args.db, args.cases)
    times: dict[str, list[Timing]] = {"review": [], "datatable": [], "casetable": []}
    # Warm-up: import every module and start the driver once, so no variant pays for imports.
    _, rows = asyncio.run(time_review(args.db))
    asyncio.run(time_baseline([f"c{i}" for i in range(len(rows[0]))], rows[:10], virtual=False))
    for _ in range(args.repeat):
        elapsed, rows = asyncio.run(time_review(args.db))
        times["review"].append(elapsed)
        columns = [f"c{i}" for i in range(len(rows[0]))]
        times["datatable"].append(asyncio.run(time_baseline(columns, rows, virtual=False)))
        times["casetable"].append(asyncio.run(time_baseline(columns, rows, virtual=True)))
    labels = {"review": "review UI, store to queue painted",
              "datatable": "bare DataTable, same rows",
              "casetable": "bare CaseTable, same rows"}
    wall = {k: statistics.median(t[0] for t in v) for k, v in times.items()}
    cpu = {k: statistics.median(t[1] for t in v) for k, v in times.items()}
    print(f"cases: {args.cases:,}  repeats: {args.repeat}  terminal: {SIZE[0]}x{SIZE[1]}  "
          f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'median seconds':<36} {'wall':>7} {'cpu':>7}")
    for key, label in labels.items():
        print(f"{label:<36} {wall[key]:7.3f} {cpu[key]:7.3f}")
    for base in ("datatable", "casetable"):
        print(f"ratio review / {labels[base][5:]:<28} wall {wall['review'] / wall[base]:.2f}"
              f"  cpu {cpu['review'] / cpu[base]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
