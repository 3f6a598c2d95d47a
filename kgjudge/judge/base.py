"""What a judge takes (Pair, Case) and returns (Verdict), and the Judge protocol.

A Verdict has an explicit unscored form: a reply that cannot be parsed is recorded with its raw
text, never turned into a made-up score.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, runtime_checkable

from kgjudge.compare.model import Comparison
from kgjudge.rubric import Rubric

STATUSES = ("ok", "unscored", "error")


@dataclass(frozen=True)
class Pair:
    """A reference document and a candidate document to compare."""

    id: str
    reference: str
    candidate: str
    instruction: str = ""
    """What the candidate was asked to do (e.g. 'Write the findings of this chest X-ray')."""
    source: str = "candidates"
    """Which candidate source (model / folder) the candidate comes from."""
    reference_path: str = ""
    candidate_path: str = ""
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    """One judgment to make: a pair, under one rubric, with its graph comparison."""

    pair: Pair
    rubric: Rubric
    comparison: Comparison
    domain: str = ""

    @property
    def id(self) -> str:
        return self.pair.id


@dataclass(frozen=True)
class Verdict:
    """A judge's answer for one case and rubric."""

    case_id: str
    rubric: str
    status: str
    """ok / unscored (reply could not be parsed) / error (the backend failed)."""
    score: int | None = None
    expected_score: float | None = None
    """Sum of p(k) * k over the five score tokens, when the backend gives probabilities."""
    probabilities: dict[int, float] | None = None
    rationale: str = ""
    backend: str = ""
    model: str = ""
    adapter: str = ""
    prompt_hash: str = ""
    latency_s: float = 0.0
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    raw_output: str = ""
    error: str = ""
    truncated: bool = False
    """The prompt was truncated to fit the context (only with an explicit option)."""
    source: str = ""

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, not {self.status!r}")
        if self.status == "ok" and self.score is None:
            raise ValueError("an ok verdict needs a score")
        if self.score is not None and not 1 <= self.score <= 5:
            raise ValueError(f"score must be 1-5, not {self.score}")

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if self.probabilities is not None:
            data["probabilities"] = {str(k): v for k, v in self.probabilities.items()}
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Verdict:
        data = dict(data)
        if data.get("probabilities"):
            data["probabilities"] = {int(k): float(v) for k, v in data["probabilities"].items()}
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})


@runtime_checkable
class Judge(Protocol):
    """Scores a case under its rubric."""

    name: str

    def judge(self, case: Case) -> Verdict: ...

    def judge_many(self, cases: Iterable[Case]) -> Iterator[Verdict]: ...
