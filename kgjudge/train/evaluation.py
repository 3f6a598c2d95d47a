"""Evaluation report of a trained adapter: its agreement with held-out labels.

The held-out records are judged through the ``hf`` judge (the same prompt path as inference) and
the verdicts joined with the records' scores; kgjudge.evaluate computes Pearson / Spearman /
Kendall (item level and grouped by reference document), exact and off-by-one agreement and the
unscored rate, per rubric and overall.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kgjudge.domain import DomainPack
    from kgjudge.train.recipe import Recipe


def judge_records(pack: DomainPack, records: Sequence[dict[str, Any]], judge: Any) -> list[Any]:
    """Verdicts of ``judge`` for each record's pair and rubric (through the Pipeline)."""
    from kgjudge.judge.base import Pair
    from kgjudge.pipeline import Pipeline

    pipeline = Pipeline(pack, judge=judge)
    cases = []
    for record in records:
        p = record["pair"]
        pair = Pair(id=record["id"], reference=p["reference"], candidate=p["candidate"],
                    instruction=p.get("instruction", ""))
        cases += pipeline.cases(pair, [record["rubric"]])
    return list(judge.judge_many(cases))


def evaluate_records(pack: DomainPack, recipe: Recipe, records: Sequence[dict[str, Any]], *,
                     model: Any, tokenizer: Any, adapter: str = "") -> dict[str, Any]:
    """Judge the held-out records with the trained model and report agreement."""
    from kgjudge.judge.hf import HFJudge

    judge = HFJudge(pack, model_obj=model, tokenizer=tokenizer, adapter=adapter or None,
                    max_new_tokens=recipe.evaluation.max_new_tokens,
                    batch_size=recipe.evaluation.batch_size, truncate=True)
    verdicts = judge_records(pack, records, judge)
    return agreement_report(records, [v.score for v in verdicts])


def agreement_report(records: Sequence[dict[str, Any]],
                     scores: Sequence[int | None]) -> dict[str, Any]:
    """Per rubric and overall: n, unscored rate, exact / off-by-one agreement, correlations."""
    from kgjudge.evaluate import JoinedItem, evaluate_items

    items = [JoinedItem(case_id=r["id"], criterion=r["rubric"], group=r["reference_id"],
                        source=r["source"], human=float(r["score"]),
                        judge=None if s is None else float(s))
             for r, s in zip(records, scores, strict=True)]
    overall = [JoinedItem(i.case_id, "all", i.group, i.source, i.human, i.judge) for i in items]
    # Human labels (overrides, labelled files) apart from synthetic targets, when both are there.
    sources = sorted({i.source for i in items})
    by_source = [JoinedItem(i.case_id, f"source:{i.source}", i.group, i.source, i.human, i.judge)
                 for i in items] if len(sources) > 1 else []
    report: dict[str, Any] = {"n": len(items), "rubrics": {}}
    for criterion in evaluate_items(items, judge="adapter", n_boot=200) + \
            evaluate_items(overall, judge="adapter", n_boot=200) + \
            (evaluate_items(by_source, judge="adapter", n_boot=200) if by_source else []):
        report["rubrics"][criterion.criterion] = {
            "n": criterion.n, "unscored_rate": criterion.unscored_rate,
            "exact": _finite(criterion.exact), "off_by_one": _finite(criterion.off_by_one),
            **{name: _finite(est.value) for name, est in criterion.correlations.items()},
        }
    return report


def _finite(x: float) -> float | None:
    return x if isinstance(x, float | int) and math.isfinite(x) else None


def write_report(report: dict[str, Any], path: Path) -> None:
    Path(path).write_text(json.dumps(report, indent=2), encoding="utf-8")


def format_report(report: dict[str, Any]) -> str:
    """A short table for the terminal."""
    lines = [f"{'rubric':24} {'n':>4} {'unscored':>8} {'exact':>6} {'±1':>6} {'pearson':>8} "
             f"{'spearman':>8} {'kendall':>8}"]
    for rubric, r in report.get("rubrics", {}).items():
        cells = [_cell(r.get(f"item.{m}")) for m in ("pearson", "spearman", "kendall")]
        lines.append(f"{rubric:24} {r['n']:>4} {r['unscored_rate']:>8.2f} {_cell(r['exact'])} "
                     f"{_cell(r['off_by_one'])} {cells[0]:>8} {cells[1]:>8} {cells[2]:>8}")
    return "\n".join(lines)


def _cell(x: float | None) -> str:
    return f"{'n/a':>6}" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:>6.2f}"
