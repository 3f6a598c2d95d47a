"""Per-criterion meta-evaluation reports, their table / CSV / JSON forms and the figure."""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kgjudge.errors import InputError
from kgjudge.evaluate.data import JoinedItem
from kgjudge.evaluate.stats import (
    LEVELS,
    METHODS,
    Estimate,
    PairedDifference,
    agreement,
    grouped_correlation,
    item_correlation,
    paired_difference,
)


@dataclass(frozen=True)
class CriterionReport:
    """How one judge agrees with people on one criterion."""

    judge: str
    criterion: str
    n: int
    """Labelled items the judge was asked about."""
    unscored_rate: float
    exact: float
    off_by_one: float
    correlations: dict[str, Estimate] = field(default_factory=dict)
    """'item.pearson', 'grouped.kendall', ... -> estimate with its interval."""


@dataclass(frozen=True)
class Comparison:
    """Judge A against judge B on the items both scored, per criterion and statistic."""

    judge_a: str
    judge_b: str
    criterion: str
    differences: dict[str, PairedDifference] = field(default_factory=dict)


def by_criterion(items: Sequence[JoinedItem]) -> dict[str, list[JoinedItem]]:
    out: dict[str, list[JoinedItem]] = {}
    for item in items:
        out.setdefault(item.criterion, []).append(item)
    return out


def evaluate_items(items: Sequence[JoinedItem], *, judge: str = "judge", n_boot: int = 1000,
                   confidence: float = 0.95, seed: int = 0) -> list[CriterionReport]:
    """One report per criterion: correlations (item and grouped), agreement, unscored rate."""
    if not items:
        raise InputError("no labelled item matches a judge score: check that case ids and "
                         "criteria agree (use --map RUBRIC=CRITERION)")
    reports = []
    for criterion, group in by_criterion(items).items():
        scored = [i for i in group if i.judge is not None]
        human = [i.human for i in scored]
        judged = [float(i.judge) for i in scored]  # type: ignore[arg-type]
        groups = [i.group for i in scored]
        correlations = {}
        for method in METHODS:
            correlations[f"item.{method}"] = item_correlation(
                method, judged, human, n_boot=n_boot, confidence=confidence, seed=seed)
            if all(groups):
                correlations[f"grouped.{method}"] = grouped_correlation(
                    method, judged, human, groups, n_boot=n_boot, confidence=confidence,
                    seed=seed)
        exact, near = agreement(human, judged)
        reports.append(CriterionReport(judge, criterion, len(group),
                                       1 - len(scored) / len(group), exact, near, correlations))
    return reports


def compare_items(a: Sequence[JoinedItem], b: Sequence[JoinedItem], *, names: tuple[str, str],
                  n_boot: int = 1000, confidence: float = 0.95,
                  seed: int = 0) -> list[Comparison]:
    """Paired bootstrap comparison of two judges on the items both scored."""
    b_index = {(i.case_id, i.criterion): i for i in b if i.judge is not None}
    out = []
    for criterion, group in by_criterion([i for i in a if i.judge is not None]).items():
        both = [(i, b_index[(i.case_id, i.criterion)]) for i in group
                if (i.case_id, i.criterion) in b_index]
        if len(both) < 3:
            continue
        human = [x.human for x, _ in both]
        ja, jb = [x.judge for x, _ in both], [y.judge for _, y in both]
        groups = [x.group for x, _ in both]
        diffs = {}
        for level in LEVELS:
            if level == "grouped" and not all(groups):
                continue
            for method in METHODS:
                diffs[f"{level}.{method}"] = paired_difference(
                    method, human, ja, jb, groups, level=level, n_boot=n_boot,  # type: ignore[arg-type]
                    confidence=confidence, seed=seed)
        out.append(Comparison(names[0], names[1], criterion, diffs))
    return out


# ----------------------------------------------------------------------------- rendering

def _fmt(x: float) -> str:
    return "  n/a" if x is None or not math.isfinite(x) else f"{x:+.3f}"


def format_table(reports: Sequence[CriterionReport],
                 comparisons: Sequence[Comparison] = ()) -> str:
    """A plain-text table: one line per judge, criterion and statistic."""
    lines = [f"{'judge':<14} {'criterion':<22} {'statistic':<17} {'value':>7}  "
             f"{'95% CI':<17} {'n':>5}"]
    for r in reports:
        for name, e in r.correlations.items():
            lines.append(f"{r.judge[:14]:<14} {r.criterion[:22]:<22} {name:<17} "
                         f"{_fmt(e.value):>7}  [{_fmt(e.low)}, {_fmt(e.high)}] {e.n:>5}")
        lines.append(f"{r.judge[:14]:<14} {r.criterion[:22]:<22} agreement         "
                     f"exact {r.exact:.3f}  off-by-one {r.off_by_one:.3f}  "
                     f"unscored {r.unscored_rate:.3f}  n {r.n}")
    for c in comparisons:
        lines.append("")
        lines.append(f"{c.judge_a} minus {c.judge_b}, {c.criterion}:")
        for name, d in c.differences.items():
            lines.append(f"  {name:<17} {_fmt(d.a)} vs {_fmt(d.b)}  diff {_fmt(d.difference)} "
                         f"[{_fmt(d.low)}, {_fmt(d.high)}]  p={d.p_value:.3f}  n={d.n}")
    return "\n".join(lines)


def report_rows(reports: Sequence[CriterionReport],
                comparisons: Sequence[Comparison] = ()) -> list[dict[str, Any]]:
    """Flat rows (one per statistic) for CSV and JSON output."""
    rows: list[dict[str, Any]] = []
    for r in reports:
        base = {"judge": r.judge, "criterion": r.criterion, "n_labelled": r.n}
        for name, e in r.correlations.items():
            level, method = name.split(".")
            rows.append({**base, "kind": "correlation", "level": level, "statistic": method,
                         **asdict(e)})
        for stat, value in (("exact", r.exact), ("off_by_one", r.off_by_one),
                            ("unscored_rate", r.unscored_rate)):
            rows.append({**base, "kind": "agreement", "level": "item", "statistic": stat,
                         "value": value, "n": r.n})
    for c in comparisons:
        for name, d in c.differences.items():
            level, method = name.split(".")
            rows.append({"judge": f"{c.judge_a} - {c.judge_b}", "criterion": c.criterion,
                         "kind": "paired_difference", "level": level, "statistic": method,
                         **asdict(d)})
    return rows


def write_rows(rows: list[dict[str, Any]], path: str | Path) -> None:
    """Write rows as JSON (.json/.jsonl) or CSV, atomically (temporary file, then rename)."""
    import csv

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            if path.suffix.lower() == ".json":
                json.dump(rows, f, indent=2, allow_nan=True)
            elif path.suffix.lower() == ".jsonl":
                f.writelines(json.dumps(r) + "\n" for r in rows)
            else:
                columns = list(dict.fromkeys(k for r in rows for k in r))
                writer = csv.DictWriter(f, fieldnames=columns)
                writer.writeheader()
                writer.writerows(rows)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def plot(judges: Mapping[str, Sequence[JoinedItem]], path: str | Path, *,
         seed: int = 0) -> None:
    """Scatter of judge score against human score, one panel per criterion (and judge)."""
    from kgjudge.errors import require

    matplotlib = require("matplotlib", extra="eval", purpose="kgjudge evaluate --plot")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    criteria = list(dict.fromkeys(i.criterion for items in judges.values() for i in items))
    fig, axes = plt.subplots(len(judges), len(criteria), squeeze=False,
                             figsize=(3.2 * len(criteria), 3.0 * len(judges)))
    rng = np.random.default_rng(seed)
    for row, (name, items) in enumerate(judges.items()):
        for col, criterion in enumerate(criteria):
            ax: Any = axes[row][col]  # a matplotlib Axes
            pts = [(i.human, i.judge) for i in items
                   if i.criterion == criterion and i.judge is not None]
            if pts:
                h, j = np.array(pts, dtype=float).T
                # Jitter: scores are discrete, so points would hide each other.
                ax.scatter(h, j + rng.uniform(-0.15, 0.15, len(j)), s=6, alpha=0.4)
            ax.set_title(f"{name}: {criterion}", fontsize=9)
            ax.set_xlabel("human score")
            ax.set_ylabel("judge score")
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
