"""Statistics recover known correlations within their intervals."""

import math

import numpy as np
import pytest

from kgjudge.evaluate.stats import (
    agreement,
    correlation,
    grouped_correlation,
    item_correlation,
    paired_difference,
)

RHO = 0.6
# Population values of Spearman and Kendall for a bivariate normal with Pearson RHO.
TRUE = {"pearson": RHO, "spearman": 6 / math.pi * math.asin(RHO / 2),
        "kendall": 2 / math.pi * math.asin(RHO)}


def bivariate(n: int, rho: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    y = rho * x + math.sqrt(1 - rho**2) * rng.standard_normal(n)
    return x, y


def expected_in_sample(method: str, n: int) -> float:
    """Expected sample correlation for n bivariate-normal pairs (finite-sample bias included)."""
    if method == "pearson":  # Olkin-Pratt first-order bias
        return RHO * (1 - (1 - RHO**2) / (2 * (n - 3)))
    if method == "spearman":  # Moran (1948)
        return 6 / (math.pi * (n + 1)) * (math.asin(RHO) + (n - 2) * math.asin(RHO / 2))
    return TRUE["kendall"]  # tau is unbiased


@pytest.mark.parametrize("method", ["pearson", "spearman", "kendall"])
def test_item_correlation_interval_covers_known_value(method: str) -> None:
    covered = 0
    for seed in range(20):
        x, y = bivariate(300, RHO, seed=seed)
        est = item_correlation(method, x, y, n_boot=300, seed=seed)
        assert est.low < est.value < est.high and est.n == 300
        covered += est.low < TRUE[method] < est.high
    assert covered >= 16  # nominal 95%: 19 of 20 expected; 16 leaves room for chance


def grouped_sample(seed: int) -> tuple[list[float], list[float], list[str]]:
    """80 documents of 12 candidates each, correlated RHO within a document, with document
    offsets that make the pooled correlation negative."""
    rng = np.random.default_rng(seed)
    xs: list[float] = []
    ys: list[float] = []
    gs: list[str] = []
    for g in range(80):
        x, y = bivariate(12, RHO, seed=1000 * seed + g)
        offset = rng.normal(0, 5)
        xs += list(x + offset)
        ys += list(y - offset)
        gs += [f"doc{g}"] * 12
    return xs, ys, gs


@pytest.mark.parametrize("method", ["pearson", "spearman", "kendall"])
def test_grouped_correlation_recovers_within_group_value(method: str) -> None:
    covered = 0
    for seed in range(10):
        xs, ys, gs = grouped_sample(seed)
        est = grouped_correlation(method, xs, ys, gs, n_boot=300, seed=seed)
        assert est.n == 80
        covered += est.low < expected_in_sample(method, 12) < est.high
        assert correlation(method, xs, ys) < 0  # pooled is fooled; grouped is not
        assert est.value > 0.25
    assert covered >= 8


def test_constant_side_gives_nan_and_is_skipped_in_groups() -> None:
    assert math.isnan(correlation("spearman", [1, 1, 1], [1, 2, 3]))
    est = grouped_correlation("spearman", [1, 1, 1, 1, 2, 3], [1, 2, 3, 1, 2, 3],
                              ["a"] * 3 + ["b"] * 3, n_boot=50)
    assert est.n == 1 and est.value == pytest.approx(1.0)


def test_agreement_rounds_human_half_up() -> None:
    exact, near = agreement([2.5, 3.3, 1.0, 5.0], [3, 3, 3, 3])
    assert exact == 0.5
    assert near == 0.5


def test_paired_difference_detects_better_judge() -> None:
    rng = np.random.default_rng(5)
    human = rng.standard_normal(400)
    good = human + rng.normal(0, 0.5, 400)
    bad = human + rng.normal(0, 2.0, 400)
    d = paired_difference("spearman", human, good, bad, n_boot=400, seed=6)
    assert d.difference > 0 and d.low > 0 and d.p_value < 0.01
    same = paired_difference("spearman", human, good, good, n_boot=100)
    assert same.difference == 0 and same.p_value == 1.0


def test_paired_grouped_difference() -> None:
    rng = np.random.default_rng(7)
    human = rng.standard_normal(300)
    groups = [f"d{i // 10}" for i in range(300)]
    good = human + rng.normal(0, 0.3, 300)
    noise = rng.standard_normal(300)
    d = paired_difference("kendall", human, good, noise, groups, level="grouped", n_boot=300)
    assert d.n == 30 and d.low > 0.3
