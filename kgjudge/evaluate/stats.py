"""Correlation, agreement and paired-comparison statistics with bootstrap confidence intervals.

Item level correlates judge and human scores over all items; grouped ("summary level" in the
SummEval papers) correlates within each group (a source document, across its candidates) and
averages over groups. Bootstrap intervals resample items, or whole groups for grouped figures,
so the interval reflects the unit that was sampled.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

METHODS = ("pearson", "spearman", "kendall")
LEVELS = ("item", "grouped")


@dataclass(frozen=True)
class Estimate:
    """A statistic with its bootstrap confidence interval."""

    value: float
    low: float
    high: float
    n: int
    """Items (item level) or groups with a defined correlation (grouped level)."""


@dataclass(frozen=True)
class PairedDifference:
    """Difference of one statistic between judges A and B on the same items (A minus B)."""

    a: float
    b: float
    difference: float
    low: float
    high: float
    p_value: float
    """Two-sided bootstrap p-value of 'no difference'."""
    n: int


def correlation(method: str, x: Sequence[float], y: Sequence[float]) -> float:
    """Pearson, Spearman or Kendall (tau-b) correlation; NaN when either side is constant."""
    x_arr, y_arr = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(x_arr) < 2 or np.ptp(x_arr) == 0 or np.ptp(y_arr) == 0:
        return math.nan
    if method == "pearson":
        return float(stats.pearsonr(x_arr, y_arr).statistic)
    if method == "spearman":
        return float(stats.spearmanr(x_arr, y_arr).statistic)
    if method == "kendall":
        return float(stats.kendalltau(x_arr, y_arr).statistic)
    raise ValueError(f"unknown correlation method {method!r}; use one of {METHODS}")


def _rowwise_corr(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson correlation of each row of x with the same row of y (NaN for constant rows)."""
    xc = x - x.mean(axis=1, keepdims=True)
    yc = y - y.mean(axis=1, keepdims=True)
    denom = np.sqrt((xc**2).sum(axis=1) * (yc**2).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, (xc * yc).sum(axis=1) / denom, np.nan)


def _resampled_corr(method: str, x: np.ndarray, y: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """The correlation on each bootstrap resample (rows of idx)."""
    if method == "pearson":
        return _rowwise_corr(x[idx], y[idx])
    if method == "spearman":
        return _rowwise_corr(stats.rankdata(x[idx], axis=1), stats.rankdata(y[idx], axis=1))
    return np.array([correlation(method, x[row], y[row]) for row in idx])


def _interval(samples: np.ndarray, confidence: float) -> tuple[float, float]:
    samples = samples[np.isfinite(samples)]
    if samples.size == 0:
        return math.nan, math.nan
    alpha = (1 - confidence) / 2
    low, high = np.quantile(samples, [alpha, 1 - alpha])
    return float(low), float(high)


def item_correlation(method: str, x: Sequence[float], y: Sequence[float], *,
                     n_boot: int = 1000, confidence: float = 0.95,
                     seed: int = 0) -> Estimate:
    """Correlation over all items with a percentile bootstrap interval (items resampled)."""
    x_arr, y_arr = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    value = correlation(method, x_arr, y_arr)
    if not math.isfinite(value) or n_boot <= 0:
        return Estimate(value, math.nan, math.nan, len(x_arr))
    idx = np.random.default_rng(seed).integers(0, len(x_arr), size=(n_boot, len(x_arr)))
    low, high = _interval(_resampled_corr(method, x_arr, y_arr, idx), confidence)
    return Estimate(value, low, high, len(x_arr))


def group_correlations(method: str, x: Sequence[float], y: Sequence[float],
                       groups: Sequence[str]) -> np.ndarray:
    """The correlation inside each group; groups where it is undefined are dropped."""
    x_arr, y_arr = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    g_arr = np.asarray(groups, dtype=object)
    values = []
    for g in dict.fromkeys(g_arr.tolist()):
        mask = g_arr == g
        r = correlation(method, x_arr[mask], y_arr[mask])
        if math.isfinite(r):
            values.append(r)
    return np.asarray(values, dtype=float)


def grouped_correlation(method: str, x: Sequence[float], y: Sequence[float],
                        groups: Sequence[str], *, n_boot: int = 1000, confidence: float = 0.95,
                        seed: int = 0) -> Estimate:
    """Mean within-group correlation (SummEval 'summary level'); groups are resampled."""
    per_group = group_correlations(method, x, y, groups)
    if per_group.size == 0:
        return Estimate(math.nan, math.nan, math.nan, 0)
    value = float(per_group.mean())
    if n_boot <= 0 or per_group.size < 2:
        return Estimate(value, math.nan, math.nan, int(per_group.size))
    idx = np.random.default_rng(seed).integers(0, per_group.size, size=(n_boot, per_group.size))
    low, high = _interval(per_group[idx].mean(axis=1), confidence)
    return Estimate(value, low, high, int(per_group.size))


def agreement(human: Sequence[float] | np.ndarray,
              judge: Sequence[float] | np.ndarray) -> tuple[float, float]:
    """Exact and off-by-one agreement of judge scores with human scores rounded half up."""
    h = np.floor(np.asarray(human, dtype=float) + 0.5)
    j = np.asarray(judge, dtype=float)
    if h.size == 0:
        return math.nan, math.nan
    gap = np.abs(h - np.round(j))
    return float((gap == 0).mean()), float((gap <= 1).mean())


def _paired_group_values(method: str, h: np.ndarray, a: np.ndarray, b: np.ndarray,
                         g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-group correlations of both judges, on the groups where both are defined."""
    ra, rb = [], []
    for group in dict.fromkeys(g.tolist()):
        mask = g == group
        va, vb = correlation(method, a[mask], h[mask]), correlation(method, b[mask], h[mask])
        if math.isfinite(va) and math.isfinite(vb):
            ra.append(va)
            rb.append(vb)
    return np.asarray(ra, dtype=float), np.asarray(rb, dtype=float)


def paired_difference(method: str, human: Sequence[float], judge_a: Sequence[float],
                      judge_b: Sequence[float], groups: Sequence[str] | None = None, *,
                      level: str = "item", n_boot: int = 1000, confidence: float = 0.95,
                      seed: int = 0) -> PairedDifference:
    """Compare two judges' correlation with the same human scores on the same items.

    Each bootstrap resample draws items (or whole groups when ``level`` is 'grouped') once and
    scores both judges on it, so the interval accounts for what the judges share. Grouped
    figures use the groups where both judges' correlations are defined.
    """
    h = np.asarray(human, dtype=float)
    a, b = np.asarray(judge_a, dtype=float), np.asarray(judge_b, dtype=float)
    rng = np.random.default_rng(seed)
    if level == "grouped":
        if groups is None:
            raise ValueError("a grouped comparison needs groups")
        ra, rb = _paired_group_values(method, h, a, b, np.asarray(groups, dtype=object))
        value_a, value_b, n = float(ra.mean()), float(rb.mean()), int(ra.size)
        idx = rng.integers(0, n, size=(max(n_boot, 0), n))
        diffs = (ra[idx] - rb[idx]).mean(axis=1) if n else np.array([])
    else:
        value_a, value_b, n = correlation(method, a, h), correlation(method, b, h), len(h)
        idx = rng.integers(0, n, size=(max(n_boot, 0), n))
        diffs = (_resampled_corr(method, a, h, idx) - _resampled_corr(method, b, h, idx))
    low, high = _interval(diffs, confidence)
    finite = diffs[np.isfinite(diffs)]
    p = (min(1.0, 2 * min((finite <= 0).mean(), (finite >= 0).mean()))
         if finite.size else math.nan)
    return PairedDifference(value_a, value_b, value_a - value_b, low, high, float(p), n)
