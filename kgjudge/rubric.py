"""Rubrics in Prometheus' absolute-grading shape (criteria + score1..score5 descriptions).

A Prometheus rubric (JSON or dict with ``criteria`` and ``score1_description`` ..
``score5_description``) imports unchanged; kgjudge adds an id, a title and an optional ``[kg]``
table telling the embedded KG judge how to map graph metrics to a 1-5 score.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kgjudge.errors import Problem, RubricError, did_you_mean, error_line

RUBRIC_SUFFIXES = (".toml", ".yaml", ".yml", ".json")

#: Metrics the kg judge may weigh (names of kgjudge.compare.Scores fields).
KG_METRICS = (
    "node_precision", "node_recall", "node_f1",
    "edge_precision", "edge_recall", "edge_f1",
    "nsc", "ams", "scs", "subgraph_precision",
)
#: Diff findings the kg judge may penalise, per item.
KG_PENALTIES = (
    "contradicted", "missing_finding", "extra_finding", "relation_mismatch",
    "missing", "extra", "missing_device", "extra_device",
    "wrong_side",  # a relation mismatch that moves a finding to the other side (kgj:side)
    "missing_negative",  # an absence the reference states and the response leaves out
)
#: What a penalty the rubric leaves unpriced costs instead: a device as a finding, a side as a
#: relation, a negative left out as a detail.
_FALLBACK = {"missing_device": "missing_finding", "extra_device": "extra_finding",
             "wrong_side": "relation_mismatch", "missing_negative": "missing"}
_TOP_KEYS = {"id", "title", "criteria", "kg", "description", "source"} | {
    f"score{i}_description" for i in range(1, 6)
}
_KG_KEYS = {"weights", "penalties", "thresholds", "severity"}


@dataclass(frozen=True)
class KgMapping:
    """How the embedded kg judge turns metrics into a 1-5 score under this rubric."""

    weights: dict[str, float] = field(default_factory=lambda: {"node_f1": 0.5, "edge_f1": 0.5})
    """Weighted mean of these metrics gives a quality in [0, 1]."""
    penalties: dict[str, float] = field(default_factory=dict)
    """Subtracted from the quality per diff item of that kind."""
    thresholds: tuple[float, float, float, float] = (0.3, 0.5, 0.7, 0.9)
    """Ascending cut points: quality >= thresholds[k] earns score k + 2."""

    def cost(self, kind: str) -> float:
        """What one diff item of penalty ``kind`` costs: its price in ``penalties``, else its
        fallback's (``missing_device`` -> ``missing_finding``, ``wrong_side`` ->
        ``relation_mismatch``, ``missing_negative`` -> ``missing`` ...), else nothing."""
        while kind not in self.penalties:
            if kind not in _FALLBACK:
                return 0.0
            kind = _FALLBACK[kind]
        return self.penalties[kind]


@dataclass(frozen=True)
class Rubric:
    """One scoring rubric."""

    id: str
    criteria: str
    descriptions: tuple[str, str, str, str, str]
    """score1_description .. score5_description."""
    title: str = ""
    kg: KgMapping = field(default_factory=KgMapping)
    source: str = ""
    """File it was loaded from."""

    def description(self, score: int) -> str:
        return self.descriptions[score - 1]

    def to_prometheus(self) -> dict[str, str]:
        """The Prometheus rubric dict (criteria, score1_description, ...)."""
        data = {"criteria": self.criteria}
        data.update({f"score{i}_description": d for i, d in enumerate(self.descriptions, 1)})
        return data


def read_rubric_data(path: Path) -> dict[str, Any]:
    """Read a TOML, YAML or JSON rubric file into a dict (errors name the file)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise RubricError(f"{path}: cannot read rubric: {e}") from e
    suffix = path.suffix.lower()
    try:
        if suffix == ".toml":
            data = tomllib.loads(text)
        elif suffix in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text)
        elif suffix == ".json":
            data = json.loads(text)
        else:
            raise RubricError(f"{path}: unknown rubric format; use {', '.join(RUBRIC_SUFFIXES)}")
    except RubricError:
        raise
    except Exception as e:
        problem = Problem(str(path), str(e), line=error_line(e))
        raise RubricError("malformed rubric", [problem]) from e
    if not isinstance(data, dict):
        raise RubricError("malformed rubric", [Problem(str(path), "expected a table of keys")])
    return data


def rubric_problems(data: dict[str, Any], file: str) -> list[Problem]:
    """Every problem with a rubric's data, each naming the file."""
    problems = []
    for key in data:
        if key not in _TOP_KEYS:
            problems.append(Problem(file, f"unknown key '{key}'{did_you_mean(key, _TOP_KEYS)}"))
    for key in ["criteria"] + [f"score{i}_description" for i in range(1, 6)]:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            problems.append(Problem(file, f"missing or empty '{key}'"))
    kg = data.get("kg", {})
    if not isinstance(kg, dict):
        problems.append(Problem(file, "[kg] must be a table"))
        return problems
    for key in kg:
        if key not in _KG_KEYS:
            problems.append(Problem(file, f"unknown key 'kg.{key}'{did_you_mean(key, _KG_KEYS)}"))
    for name, value in kg.get("weights", {}).items():
        if name not in KG_METRICS:
            problems.append(Problem(file, f"kg.weights: unknown metric '{name}'"
                                          f"{did_you_mean(name, KG_METRICS)}"))
        elif not isinstance(value, int | float) or value < 0:
            problems.append(Problem(file, f"kg.weights.{name} must be a number >= 0"))
    for name, value in kg.get("penalties", {}).items():
        if name not in KG_PENALTIES:
            problems.append(Problem(file, f"kg.penalties: unknown item '{name}'"
                                          f"{did_you_mean(name, KG_PENALTIES)}"))
        elif not isinstance(value, int | float) or value < 0:
            problems.append(Problem(file, f"kg.penalties.{name} must be a number >= 0"))
    thresholds = kg.get("thresholds")
    if thresholds is not None and (
        not isinstance(thresholds, list) or len(thresholds) != 4
        or not all(isinstance(t, int | float) for t in thresholds)
        or list(thresholds) != sorted(thresholds)
    ):
        problems.append(Problem(file, "kg.thresholds must be 4 ascending numbers "
                                      "(cut points for scores 2, 3, 4, 5)"))
    return problems


def rubric_from_data(data: dict[str, Any], *, default_id: str, source: str = "") -> Rubric:
    """Build a Rubric from validated data (raises RubricError listing every problem)."""
    problems = rubric_problems(data, source or default_id)
    if problems:
        raise RubricError(f"invalid rubric '{data.get('id', default_id)}'", problems)
    kg = data.get("kg", {})
    default = KgMapping()
    mapping = KgMapping(
        weights={k: float(v) for k, v in kg.get("weights", default.weights).items()},
        penalties={k: float(v) for k, v in kg.get("penalties", {}).items()},
        thresholds=tuple(float(t) for t in kg.get("thresholds", default.thresholds)),  # type: ignore[arg-type]
    )
    return Rubric(
        id=str(data.get("id") or default_id),
        title=str(data.get("title") or data.get("id") or default_id).strip(),
        criteria=data["criteria"].strip(),
        descriptions=tuple(data[f"score{i}_description"].strip() for i in range(1, 6)),  # type: ignore[arg-type]
        kg=mapping,
        source=source,
    )


def load_rubric(path: str | os.PathLike[str]) -> Rubric:
    """Load one rubric file; its id defaults to the file name without suffix."""
    path = Path(path)
    data = read_rubric_data(path)
    return rubric_from_data(data, default_id=path.stem, source=str(path))


def rubric_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in RUBRIC_SUFFIXES)
