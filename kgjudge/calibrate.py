"""Fit the kg judge's per-rubric thresholds on human labels, with grouped cross-validation.

Each labelled item has a continuous quality in [0, 1] (``kgjudge.judge.kg.quality``) and a human
score. Four ascending cut points turn quality into 1-5; the best cut points for a training set
minimise the mean absolute error to the human scores, found exactly by dynamic programming over
the items sorted by quality (a monotone step fit: no library fits ordinal cut points under an
L1 loss with ties kept together). Cross-validation folds hold out whole documents, so no figure is
reported on items the thresholds were fitted on; the thresholds written are refitted on all items.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from kgjudge.evaluate.stats import agreement

SCORES = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class Fit:
    """Thresholds for one rubric and their cross-validated agreement."""

    rubric: str
    criterion: str
    thresholds: tuple[float, float, float, float]
    n_items: int
    n_groups: int
    folds: int
    cv_exact: float
    cv_off_by_one: float
    cv_mae: float
    before_exact: float
    """Agreement of the rubric's current thresholds on the same held-out items."""
    before_off_by_one: float
    before_mae: float


def scores_for(quality: Sequence[float], thresholds: Sequence[float]) -> np.ndarray:
    """1 + the number of cut points each quality reaches (as the kg judge scores)."""
    q = np.asarray(quality, dtype=float)[:, None]
    return 1 + (q >= np.asarray(thresholds, dtype=float)[None, :]).sum(axis=1)


def fit_thresholds(quality: Sequence[float],
                   human: Sequence[float]) -> tuple[float, float, float, float]:
    """Ascending cut points minimising mean |score - human| (exact; ties stay together)."""
    q, h = np.asarray(quality, dtype=float), np.asarray(human, dtype=float)
    if q.size == 0:
        raise ValueError("no items to fit")
    values, block = np.unique(q, return_inverse=True)
    # cost[b, k]: summed error if every item of block b gets score k + 1.
    cost = np.zeros((values.size, 5))
    np.add.at(cost, block, np.abs(h[:, None] - np.arange(1, 6)[None, :]))
    best = np.zeros((values.size, 5))
    choice = np.zeros((values.size, 5), dtype=int)
    best[0] = cost[0]
    for b in range(1, values.size):
        best[b] = np.minimum.accumulate(best[b - 1]) + cost[b]
        choice[b] = _argmin_prefix(best[b - 1])
    assigned = np.zeros(values.size, dtype=int)
    k = int(np.argmin(best[-1]))
    for b in range(values.size - 1, -1, -1):
        assigned[b] = k
        k = int(choice[b][k]) if b else k
    return _cut_points(values, assigned)


def _argmin_prefix(row: np.ndarray) -> np.ndarray:
    """For each k, the j <= k where row[j] is smallest (first such j)."""
    out: np.ndarray = np.zeros(row.size, dtype=int)
    best_j = 0
    for k in range(row.size):
        if row[k] < row[best_j]:
            best_j = k
        out[k] = best_j
    return out


def _cut_points(values: np.ndarray, assigned: np.ndarray) -> tuple[float, float, float, float]:
    """Midpoints between the last quality below each score and the first at or above it."""
    cuts = []
    for s in range(1, 5):  # the cut for score s + 1 (0-based assigned)
        below, above = values[assigned < s], values[assigned >= s]
        if above.size == 0:
            cut = 1.0 if below.size == 0 or below.max() < 1.0 else float(below.max()) + 1e-6
        elif below.size == 0:
            cut = float(above.min())
        else:
            cut = (float(below.max()) + float(above.min())) / 2
        cuts.append(cut)
    return tuple(cuts)  # type: ignore[return-value]


def group_folds(groups: Sequence[str], folds: int, *, seed: int = 0) -> np.ndarray:
    """Fold number of each item; every item of a group lands in the same fold."""
    unique = sorted(set(groups))
    random.Random(seed).shuffle(unique)
    fold_of = {g: i % folds for i, g in enumerate(unique)}
    return np.array([fold_of[g] for g in groups])


def cross_validate(quality: Sequence[float], human: Sequence[float], groups: Sequence[str], *,
                   folds: int = 5, seed: int = 0) -> np.ndarray:
    """Out-of-fold predicted scores: each fold scored by thresholds fitted on the others."""
    q, h = np.asarray(quality, dtype=float), np.asarray(human, dtype=float)
    fold = group_folds(groups, folds, seed=seed)
    predicted = np.zeros(q.size, dtype=int)
    for k in range(folds):
        test = fold == k
        if test.any() and (~test).any():
            predicted[test] = scores_for(q[test], fit_thresholds(q[~test], h[~test]))
    return predicted


def calibrate_rubric(rubric: str, criterion: str, quality: Sequence[float],
                     human: Sequence[float], groups: Sequence[str], *,
                     current: Sequence[float], folds: int = 5, seed: int = 0) -> Fit:
    """Cross-validate, then refit on every item; ``current`` are the thresholds in use now."""
    n_groups = len(set(groups))
    folds = min(folds, n_groups)
    if folds < 2:
        raise ValueError("cross-validation needs items from at least 2 documents")
    h = np.asarray(human, dtype=float)
    predicted = cross_validate(quality, h, groups, folds=folds, seed=seed)
    before = scores_for(quality, current)
    exact, near = agreement(h, predicted)
    b_exact, b_near = agreement(h, before)
    return Fit(
        rubric=rubric, criterion=criterion, thresholds=fit_thresholds(quality, h),
        n_items=len(h), n_groups=n_groups, folds=folds,
        cv_exact=exact, cv_off_by_one=near, cv_mae=float(np.abs(predicted - h).mean()),
        before_exact=b_exact, before_off_by_one=b_near,
        before_mae=float(np.abs(before - h).mean()),
    )


def write_calibration(path: str | Path, fits: Sequence[Fit], *, labels: str = "") -> None:
    """Merge fits into a pack's calibration.toml (other rubrics' entries are kept)."""
    import tomllib

    path = Path(path)
    existing = tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    tables = dict(existing.get("rubrics", {}))
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    for fit in fits:
        tables[fit.rubric] = {
            "thresholds": list(fit.thresholds), "criterion": fit.criterion,
            "n_items": fit.n_items, "n_documents": fit.n_groups, "folds": fit.folds,
            "cv_exact": round(fit.cv_exact, 4), "cv_off_by_one": round(fit.cv_off_by_one, 4),
            "cv_mae": round(fit.cv_mae, 4), "before_cv_exact": round(fit.before_exact, 4),
            "before_mae": round(fit.before_mae, 4), "labels": labels, "fitted_at": stamp,
        }
    lines = ["# kg-judge thresholds fitted by `kgjudge calibrate` (cut points for scores 2-5).",
             "# cv_* are grouped cross-validated (documents held out); before_* are the",
             "# thresholds in use before this fit, on the same held-out items.", ""]
    for rid, table in sorted(tables.items()):
        lines.append(f"[rubrics.{rid}]")
        lines += [f"{key} = {_toml_value(value)}" for key, value in table.items()]
        lines.append("")
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text("\n".join(lines), encoding="utf-8")
    tmp.replace(path)


def _toml_value(value: object) -> str:
    """A TOML literal for the plain values written here (tomllib reads TOML but cannot write)."""
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else "nan"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value))  # JSON string escapes are valid TOML basic strings


def stored_comparisons(db: str | Path, run: int | None = None) -> dict[str, object]:
    """Comparisons (scores and diff) of a store's run, by case id (and 'source/case id')."""
    from kgjudge.compare.model import Alignment, Comparison, GraphDiff, Scores
    from kgjudge.errors import InputError
    from kgjudge.graph import ReportGraph
    from kgjudge.store import Store

    if not Path(db).is_file():
        raise InputError(f"{db}: no such store; pass the .sqlite file a 'kgjudge batch' wrote")
    out: dict[str, object] = {}
    with Store(db) as store:
        record = store.run(run) if run is not None else store.latest_run()
        if record is None:
            raise InputError(f"{db}: the store holds no run yet")
        for case in store.cases(record.id):
            if case.scores is None:
                continue
            comparison = Comparison(ReportGraph(), ReportGraph(), Alignment(()),
                                    Scores(**case.scores), case.diff or GraphDiff())
            out.setdefault(case.id, comparison)
            out[f"{case.source}/{case.id}"] = comparison
    return out


def pair_comparisons(path: str | Path, pack: object) -> dict[str, object]:
    """Extract and compare the pairs of a CSV/JSONL file (case_id, reference, candidate)."""
    from kgjudge.compare import compare_with_pack
    from kgjudge.evaluate.data import read_rows
    from kgjudge.extract import get_extractor

    rows = read_rows(path)
    extractor = get_extractor(pack)  # type: ignore[arg-type]
    references = list(extractor.extract_many(str(r["reference"]) for r in rows))
    candidates = list(extractor.extract_many(str(r["candidate"]) for r in rows))
    return {str(r["case_id"]): compare_with_pack(ref, cand, pack)  # type: ignore[arg-type]
            for r, ref, cand in zip(rows, references, candidates, strict=True)}
