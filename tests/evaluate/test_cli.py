"""`kgjudge evaluate` end to end on synthetic and real (SummEval) labels."""

import csv
import json
import re
from pathlib import Path

import numpy as np
import pytest

from kgjudge.cli import main
from kgjudge.evaluate import join, load_labels

from .conftest import CRITERIA, summeval_rows


def write_csv(path: Path, rows: list[dict]) -> Path:
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def synthetic(tmp_path: Path, noise: float, name: str, seed: int = 0) -> tuple[Path, Path]:
    """Labels 1-5 and an exported judge whose score is the label plus noise, rounded."""
    rng = np.random.default_rng(0)  # the same labels for every judge
    noise_rng = np.random.default_rng(seed)
    labels, scores = [], []
    for doc in range(40):
        for system in range(6):
            case = f"d{doc}-s{system}"
            human = int(rng.integers(1, 6))
            judged = int(np.clip(round(human + noise_rng.normal(0, noise)), 1, 5))
            labels.append({"case_id": case, "criterion": "accuracy", "score": human,
                           "doc_id": f"d{doc}", "source": f"s{system}"})
            status = "unscored" if (doc, system) == (0, 0) else "ok"
            scores.append({"case_id": case, "source": f"s{system}", "rubric": "factual",
                           "score": judged if status == "ok" else "", "expected_score": "",
                           "status": status})
    return (write_csv(tmp_path / "labels.csv", labels),
            write_csv(tmp_path / f"{name}.csv", scores))


def test_evaluate_synthetic_writes_table_json_and_plot(tmp_path, capsys) -> None:
    labels, good = synthetic(tmp_path, 0.5, "good")
    _, bad = synthetic(tmp_path, 3.0, "bad", seed=1)
    out, png = tmp_path / "report.json", tmp_path / "fig.png"
    code = main(["evaluate", "--labels", str(labels), "--scores", str(good), "--scores",
                 str(bad), "--map", "factual=accuracy", "--bootstrap", "200",
                 "--out", str(out), "--plot", str(png)])
    assert code == 0
    table = capsys.readouterr().out
    assert "grouped.kendall" in table and "good minus bad" in table
    rows = json.loads(out.read_text())
    good_rows = {(r["level"], r["statistic"]): r for r in rows if r["judge"] == "good"}
    assert good_rows[("item", "spearman")]["value"] > 0.6
    assert good_rows[("item", "unscored_rate")]["value"] == pytest.approx(1 / 240)
    diff = next(r for r in rows if r["kind"] == "paired_difference"
                and r["level"] == "item" and r["statistic"] == "spearman")
    assert diff["difference"] > 0 and diff["low"] > 0
    assert png.stat().st_size > 1000


def test_evaluate_without_map_matches_nothing(tmp_path, capsys) -> None:
    labels, good = synthetic(tmp_path, 0.5, "good")
    assert main(["evaluate", "--labels", str(labels), "--scores", str(good)]) == 2
    assert "--map" in capsys.readouterr().err


def test_evaluate_reports_missing_columns(tmp_path, capsys) -> None:
    _, good = synthetic(tmp_path, 0.5, "good")
    bad = write_csv(tmp_path / "labels.csv", [{"case": "a", "score": 3}])
    assert main(["evaluate", "--labels", str(bad), "--scores", str(good)]) == 2
    err = capsys.readouterr().err
    assert "labels.csv" in err and "case_id" in err


def test_evaluate_reads_runs_from_a_store(tmp_path, capsys) -> None:
    from kgjudge.judge.base import Pair, Verdict
    from kgjudge.store import Store

    labels, _ = synthetic(tmp_path, 0.5, "good")
    label_rows = list(csv.DictReader(labels.open()))
    with Store(tmp_path / "run.sqlite") as store:
        run_id = store.create_run(config={"t": 1}, domain="test")
        for row in label_rows:
            pair = Pair(id=row["case_id"], reference="r", candidate="c", source=row["source"])
            verdict = Verdict(case_id=row["case_id"], rubric="accuracy", status="ok",
                              score=int(row["score"]), source=row["source"])
            store.add_result(run_id, pair, verdicts=[verdict])
    code = main(["evaluate", "--labels", str(labels), "--db", str(tmp_path / "run.sqlite"),
                 "--bootstrap", "50"])
    assert code == 0
    out = capsys.readouterr().out
    assert re.search(r"item\.pearson\s+\+1\.000", out) and "exact 1.000" in out


def test_evaluate_on_real_summeval_labels(tmp_path, summeval_labels, capsys) -> None:
    """A stand-in judge that sees one expert's consistency rating plus noise."""
    rng = np.random.default_rng(0)
    scores = []
    for row in summeval_rows():
        for criterion in CRITERIA:
            seen = row["expert"][0][criterion]
            scores.append({"case_id": f"{row['doc_id']}/{row['system']}", "rubric": criterion,
                           "source": row["system"], "status": "ok", "expected_score": "",
                           "score": int(np.clip(seen + rng.integers(-1, 2), 1, 5))})
    export = write_csv(tmp_path / "export.csv", scores)
    labels = load_labels(summeval_labels)
    assert len(labels) == 1200 * 4 and all(lab.annotators == 3 for lab in labels)
    assert len(join(labels, [])) == 0
    out = tmp_path / "report.csv"
    assert main(["evaluate", "--labels", str(summeval_labels), "--scores", str(export),
                 "--bootstrap", "100", "--out", str(out)]) == 0
    rows = list(csv.DictReader(out.open()))
    grouped = [r for r in rows if r["level"] == "grouped" and r["statistic"] == "spearman"]
    assert {r["criterion"] for r in grouped} == set(CRITERIA)
    for r in grouped:
        assert 0 < float(r["low"]) <= float(r["value"]) <= float(r["high"])
        assert int(r["n"]) <= 100


def test_evaluate_compares_two_runs_of_a_store_on_expected_scores(tmp_path, capsys) -> None:
    from kgjudge.judge.base import Pair, Verdict
    from kgjudge.store import Store

    labels, _ = synthetic(tmp_path, 0.5, "good")
    label_rows = list(csv.DictReader(labels.open()))
    rng = np.random.default_rng(9)
    with Store(tmp_path / "run.sqlite") as store:
        for noise in (0.3, 3.0):  # run 1 close to the labels, run 2 mostly noise
            run_id = store.create_run(config={"noise": noise}, domain="test")
            for row in label_rows:
                pair = Pair(id=row["case_id"], reference="r", candidate="c", source=row["source"])
                expected = float(np.clip(int(row["score"]) + rng.normal(0, noise), 1, 5))
                verdict = Verdict(case_id=row["case_id"], rubric="accuracy", status="ok",
                                  score=round(expected), expected_score=expected,
                                  source=row["source"])
                store.add_result(run_id, pair, verdicts=[verdict])
    out = tmp_path / "cmp.json"
    assert main(["evaluate", "--labels", str(labels), "--db", str(tmp_path / "run.sqlite"),
                 "--run", "1", "--run", "2", "--field", "expected_score", "--bootstrap", "200",
                 "--out", str(out)]) == 0
    assert "run#1 minus run#2" in capsys.readouterr().out
    rows = json.loads(out.read_text())
    grouped = next(r for r in rows if r["kind"] == "paired_difference"
                   and r["level"] == "grouped" and r["statistic"] == "spearman")
    assert grouped["low"] > 0 and grouped["p_value"] < 0.05
