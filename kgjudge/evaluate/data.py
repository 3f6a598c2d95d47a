"""Reading human labels and judge scores, and joining them by case id and criterion.

Labels: CSV or JSONL with columns ``case_id, criterion, score`` and optionally ``doc_id`` (or
``group``) and ``source`` (or ``system``). Several rows for one case and criterion (several
annotators) are averaged. Judge scores: the CSV/JSONL written by ``kgjudge export`` (one row per
case and rubric: ``case_id, source, rubric, score, expected_score, status, ...``) or a run in a
store.
"""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kgjudge.errors import ConfigError, InputError


@dataclass(frozen=True)
class Label:
    """A human score for one case under one criterion (the mean over annotators)."""

    case_id: str
    criterion: str
    score: float
    group: str = ""
    """The document the case belongs to (for grouped correlation and grouped resampling)."""
    source: str = ""
    """The candidate's source (system, model)."""
    annotators: int = 1


@dataclass(frozen=True)
class JudgeScore:
    """A judge's score for one case under one rubric, as exported."""

    case_id: str
    rubric: str
    score: float | None
    """None when the verdict was unscored or an error."""
    status: str = "ok"
    source: str = ""
    expected_score: float | None = None


@dataclass(frozen=True)
class JoinedItem:
    """A label with the matching judge score (``judge`` None when unscored)."""

    case_id: str
    criterion: str
    group: str
    source: str
    human: float
    judge: float | None


def read_rows(path: str | Path) -> list[dict[str, Any]]:
    """Rows of a CSV (header row) or JSONL file; the suffix decides, errors name the line."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: cannot read: {e}") from e
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        return json_lines(text, path)
    return list(csv.DictReader(text.splitlines()))


def json_lines(text: str, path: str | Path) -> list[dict[str, Any]]:
    """One JSON object per non-blank line; errors name the file and line."""
    rows = []
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise InputError(f"{path}:{n}: not a JSON object per line: {e}") from e
    return rows


def _number(value: Any, where: str, column: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{where}: column '{column}' is not a number: {value!r}") from None
    return number if math.isfinite(number) else None


def _require(rows: list[dict[str, Any]], path: Path, columns: Iterable[str]) -> None:
    missing = [c for c in columns if rows and c not in rows[0]]
    if not rows:
        raise InputError(f"{path}: no rows")
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}; "
                         f"found {', '.join(rows[0])}")


def load_labels(path: str | Path) -> list[Label]:
    """Human labels from CSV/JSONL; annotators of one case and criterion are averaged."""
    path = Path(path)
    rows = read_rows(path)
    _require(rows, path, ("case_id", "criterion", "score"))
    scores: dict[tuple[str, str], list[float]] = defaultdict(list)
    meta: dict[tuple[str, str], tuple[str, str]] = {}
    for n, row in enumerate(rows, 2):
        key = (str(row["case_id"]), str(row["criterion"]))
        value = _number(row["score"], f"{path}:{n}", "score")
        if value is None:
            continue
        scores[key].append(value)
        group = str(row.get("doc_id") or row.get("group") or "")
        source = str(row.get("source") or row.get("system") or "")
        meta.setdefault(key, (group, source))
    return [Label(cid, crit, sum(v) / len(v), *meta[(cid, crit)], annotators=len(v))
            for (cid, crit), v in scores.items()]


def load_scores(path: str | Path, *, field: str = "score") -> list[JudgeScore]:
    """Judge scores from an export file; ``field`` is 'score' or 'expected_score'."""
    path = Path(path)
    rows = read_rows(path)
    _require(rows, path, ("case_id", "rubric", "score"))
    return [score_from_row(row, f"{path}:{n}", field=field) for n, row in enumerate(rows, 2)]


def score_from_row(row: Mapping[str, Any], where: str, *, field: str = "score") -> JudgeScore:
    """One exported verdict row as a JudgeScore; non-ok verdicts carry no score."""
    status = str(row.get("status") or "ok")
    score = _number(row.get("score"), where, "score")
    expected = _number(row.get("expected_score"), where, "expected_score")
    value = expected if field == "expected_score" and expected is not None else score
    return JudgeScore(
        case_id=str(row["case_id"]), rubric=str(row["rubric"]),
        score=value if status == "ok" else None, status=status,
        source=str(row.get("source") or ""), expected_score=expected,
    )


def parse_mapping(items: Iterable[str]) -> dict[str, str]:
    """``rubric=criterion`` options as a dict rubric -> criterion."""
    mapping = {}
    for item in items:
        rubric, sep, criterion = item.partition("=")
        if not sep or not rubric.strip() or not criterion.strip():
            raise ConfigError(f"--map {item!r}: write it as RUBRIC=CRITERION, "
                              "e.g. --map factual_correctness=consistency")
        mapping[rubric.strip()] = criterion.strip()
    return mapping


def join(labels: Iterable[Label], scores: Iterable[JudgeScore],
         mapping: Mapping[str, str] | None = None) -> list[JoinedItem]:
    """Pair each label with the judge score of the same case and criterion.

    Rubric ids become criteria through ``mapping`` (rubric -> criterion; default: same name).
    When both sides name a source, it is part of the key. Labels with no judge row are left out
    (they were not judged); rows whose verdict is not ok join with ``judge=None`` (unscored).
    """
    mapping = dict(mapping or {})
    index: dict[tuple[str, str], list[JudgeScore]] = defaultdict(list)
    for s in scores:
        index[(s.case_id, mapping.get(s.rubric, s.rubric))].append(s)
    joined = []
    for label in labels:
        matches = index.get((label.case_id, label.criterion), [])
        if label.source and len(matches) > 1:
            matches = [m for m in matches if m.source in ("", label.source)]
        if not matches:
            continue
        if len(matches) > 1:
            raise InputError(f"case '{label.case_id}', criterion '{label.criterion}': "
                             f"{len(matches)} judge rows match; pass one run per --scores/--db")
        joined.append(JoinedItem(label.case_id, label.criterion, label.group,
                                 label.source or matches[0].source, label.score,
                                 matches[0].score))
    return joined


def load_store_scores(path: str | Path, *, run: int | None = None,
                      field: str = "score") -> tuple[str, list[JudgeScore]]:
    """Verdicts of one run of a store (default: the latest) as (run name, scores)."""
    from kgjudge.store import Store

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such store; pass the .sqlite file a 'kgjudge batch' wrote")
    with Store(path) as store:
        record = store.run(run) if run is not None else store.latest_run()
        if record is None:
            raise InputError(f"{path}: the store holds no run yet")
        rows = [score_from_row({**v.as_dict(), "source": v.source}, f"{path} run {record.id}",
                               field=field)
                for v in store.verdicts(record.id)]
    return f"{path.stem}#{record.id}", rows
