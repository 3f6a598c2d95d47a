"""On a pack's example pairs the kg judge orders pairs by the severity of their planted errors.

examples/pairs.toml lists each pair with its error kind and severity (0 none .. 3 critical).
"""

from __future__ import annotations

import tomllib
from statistics import mean

import pytest
from scipy.stats import kendalltau

from kgjudge.domain import load_pack
from kgjudge.judge.base import Pair
from kgjudge.judge.kg import KgJudge
from kgjudge.pipeline import Pipeline


def severity_and_expected(domain: str, rubric: str) -> list[tuple[int, float, str]]:
    pack = load_pack(domain)
    folder = pack.examples_path
    listing = tomllib.loads((folder / "pairs.toml").read_text(encoding="utf-8"))
    pipeline = Pipeline(pack, judge=KgJudge(pack))
    rows = []
    for item in listing.get("pairs", listing.get("pair", [])):
        pair = Pair(item["id"], (folder / "references" / f"{item['id']}.txt").read_text(),
                    (folder / "candidates" / f"{item['id']}.txt").read_text())
        verdict = pipeline.judge_pair(pair, [rubric])[0]
        rows.append((int(item["severity"]), verdict.expected_score, item["id"]))
    return rows


@pytest.fixture(scope="module")
def radiology_rows() -> list[tuple[int, float, str]]:
    return severity_and_expected("radiology", "error_severity")


def test_every_severity_level_is_present(radiology_rows) -> None:  # noqa: ANN001
    assert {s for s, *_ in radiology_rows} == {0, 1, 2, 3}


def test_mean_expected_score_falls_with_severity(radiology_rows) -> None:  # noqa: ANN001
    by_level = {s: mean(e for lvl, e, _ in radiology_rows if lvl == s) for s in range(4)}
    assert [by_level[s] for s in range(4)] == sorted(by_level.values(), reverse=True)
    assert len(set(by_level.values())) == 4, by_level


def test_no_error_free_pair_scores_below_a_critical_one(radiology_rows) -> None:  # noqa: ANN001
    clean = [e for s, e, _ in radiology_rows if s == 0]
    critical = [e for s, e, _ in radiology_rows if s == 3]
    assert min(clean) > max(critical), radiology_rows


def test_rank_correlation_with_severity(radiology_rows) -> None:  # noqa: ANN001
    tau = kendalltau([s for s, *_ in radiology_rows], [e for _, e, _ in radiology_rows]).statistic
    assert tau <= -0.6, (tau, radiology_rows)
