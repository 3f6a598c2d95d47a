"""Threshold fitting, grouped cross-validation and `kgjudge calibrate`."""

import itertools
import json
import tomllib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kgjudge.calibrate import (
    calibrate_rubric,
    cross_validate,
    fit_thresholds,
    group_folds,
    scores_for,
    write_calibration,
)


def brute_force_error(q: np.ndarray, h: np.ndarray) -> float:
    """Smallest total |score - human| over every monotone assignment of distinct qualities."""
    values = np.unique(q)
    best = np.inf
    for cuts in itertools.combinations_with_replacement(range(values.size + 1), 4):
        thresholds = [values[c] if c < values.size else np.inf for c in cuts]
        best = min(best, float(np.abs(scores_for(q, thresholds) - h).sum()))
    return best


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(1, 5)), min_size=1, max_size=9))
def test_fit_is_optimal_and_ascending(items: list[tuple[int, int]]) -> None:
    q = np.array([a / 6 for a, _ in items])
    h = np.array([float(b) for _, b in items])
    t = fit_thresholds(q, h)
    assert list(t) == sorted(t)
    fitted = float(np.abs(scores_for(q, t) - h).sum())
    assert fitted == pytest.approx(brute_force_error(q, h))


def test_fit_recovers_known_cut_points() -> None:
    rng = np.random.default_rng(0)
    q = rng.uniform(0, 1, 4000)
    h = scores_for(q, (0.2, 0.4, 0.6, 0.8)).astype(float)
    t = fit_thresholds(q, h)
    assert np.allclose(t, (0.2, 0.4, 0.6, 0.8), atol=0.01)


def test_folds_keep_documents_together() -> None:
    groups = [f"d{i % 13}" for i in range(130)]
    fold = group_folds(groups, 5, seed=1)
    for g in set(groups):
        assert len({f for f, x in zip(fold, groups, strict=True) if x == g}) == 1
    assert set(fold) == set(range(5))


def test_cross_validation_never_scores_fitted_items() -> None:
    # Same qualities, opposite labels: thresholds fitted on one document must get the other
    # wrong, so a leak of test items into the fit would show as agreement.
    q = np.array([0.1, 0.2, 0.8, 0.9] * 2)
    h = np.array([1, 1, 1, 1, 5, 5, 5, 5], dtype=float)
    groups = ["a"] * 4 + ["b"] * 4
    predicted = cross_validate(q, h, groups, folds=2)
    assert (predicted != h).all()


def test_calibrate_rubric_reports_held_out_agreement() -> None:
    rng = np.random.default_rng(2)
    q = rng.uniform(0, 1, 600)
    h = np.clip(np.round(1 + 4 * q + rng.normal(0, 0.4, 600)), 1, 5)
    groups = [f"d{i // 6}" for i in range(600)]
    fit = calibrate_rubric("r", "c", q, h, groups, current=(0.6, 0.7, 0.8, 0.9), folds=5)
    assert fit.n_groups == 100 and fit.folds == 5
    assert fit.cv_mae < fit.before_mae
    assert fit.cv_exact > fit.before_exact


def test_write_calibration_is_read_by_the_pack(tmp_path) -> None:
    from kgjudge.domain import load_pack
    from kgjudge.scaffold import write_pack

    write_pack("mini", tmp_path / "mini")
    pack = load_pack(tmp_path / "mini")
    rid = next(iter(pack.rubrics))
    fit = calibrate_rubric(rid, "c", [0.1, 0.3, 0.5, 0.7, 0.9, 0.2], [1, 2, 3, 4, 5, 1],
                           ["a", "a", "b", "b", "c", "c"], current=(0.3, 0.5, 0.7, 0.9),
                           folds=3)
    write_calibration(tmp_path / "mini" / "calibration.toml", [fit], labels="x.csv")
    data = tomllib.loads((tmp_path / "mini" / "calibration.toml").read_text())
    assert data["rubrics"][rid]["folds"] == 3
    assert load_pack(tmp_path / "mini").rubric(rid).kg.thresholds == fit.thresholds


def test_calibrate_cli_from_a_store(tmp_path, capsys) -> None:
    from kgjudge.cli import main
    from kgjudge.compare import compare
    from kgjudge.graph import ReportGraph
    from kgjudge.judge.base import Pair
    from kgjudge.scaffold import write_pack
    from kgjudge.store import Store

    write_pack("mini", tmp_path / "mini")
    rng = np.random.default_rng(3)
    reference = ReportGraph(text="r")
    for k in range(10):
        reference.add_node(f"fact{k}", "thing")
    labels = []
    with Store(tmp_path / "run.sqlite") as store:
        run_id = store.create_run(config={}, domain="mini")
        for i in range(60):
            kept = int(rng.integers(0, 11))
            candidate = ReportGraph(text="c")
            for k in range(kept):
                candidate.add_node(f"fact{k}", "thing")
            comparison = compare(reference, candidate, finding_roots=("thing",))
            store.add_result(run_id, Pair(id=f"c{i}", reference="r", candidate="c"),
                             comparison=comparison)
            labels.append({"case_id": f"c{i}", "criterion": "accuracy",
                           "score": 1 + round(4 * kept / 10), "doc_id": f"d{i // 4}"})
    label_file = tmp_path / "labels.jsonl"
    label_file.write_text("".join(json.dumps(r) + "\n" for r in labels))
    code = main(["calibrate", "--labels", str(label_file), "--domain", str(tmp_path / "mini"),
                 "--db", str(tmp_path / "run.sqlite"), "--map", "completeness=accuracy",
                 "--rubric", "completeness"])
    assert code == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert out.splitlines()[1].startswith("completeness\taccuracy\t60\t5\t")
    data = tomllib.loads((tmp_path / "mini" / "calibration.toml").read_text())
    assert data["rubrics"]["completeness"]["cv_exact"] > 0.5


def test_calibrate_cli_from_pairs_says_when_nothing_matches(tmp_path, capsys) -> None:
    from kgjudge.cli import main
    from kgjudge.scaffold import write_pack

    write_pack("mini", tmp_path / "mini")
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps({"case_id": f"c{i}", "reference": "a thing",
                                         "candidate": "a thing"}) + "\n" for i in range(4)))
    labels = tmp_path / "labels.jsonl"
    labels.write_text("".join(json.dumps({"case_id": f"c{i}", "criterion": "accuracy",
                                          "score": 3, "doc_id": f"d{i}"}) + "\n"
                              for i in range(4)))
    args = ["calibrate", "--labels", str(labels), "--domain", str(tmp_path / "mini"),
            "--pairs", str(pairs), "--dry-run"]
    assert main(args) == 2
    assert "--map" in capsys.readouterr().err
    assert main([*args, "--map", "completeness=accuracy", "--folds", "2"]) == 0
    assert "completeness\taccuracy\t4\t2\t" in capsys.readouterr().out
    assert not (tmp_path / "mini" / "calibration.toml").exists()
