"""Turning an LLM backend's reply (or failure) into a Verdict, for the openai and hf judges."""

from __future__ import annotations

from typing import Any

from kgjudge.errors import KgJudgeError
from kgjudge.judge.base import Case, Verdict
from kgjudge.judge.parse import expected_score, parse_output


def reply_verdict(case: Case, text: str, *, probabilities: dict[int, float] | None,
                  raw: str | None = None, **meta: Any) -> Verdict:
    """A verdict from the reply text: ok with its score, or unscored with the raw text kept.

    Probabilities and the expected score are kept only when the reply parsed: an unscored reply
    has no score position to read them from. ``raw`` is the reply as generated (special tokens
    included) when it differs from the parsed ``text``.
    """
    parsed = parse_output(text)
    ok = parsed.status == "ok"
    return Verdict(
        case_id=case.id, rubric=case.rubric.id, status=parsed.status, score=parsed.score,
        expected_score=expected_score(probabilities) if ok else None,
        probabilities=probabilities if ok else None, rationale=parsed.rationale,
        raw_output=text if raw is None else raw, error=parsed.error, source=case.pair.source,
        **meta,
    )


def error_verdict(case: Case, error: KgJudgeError, **meta: Any) -> Verdict:
    """A verdict recording a backend failure (timeouts, refused requests, prompts too long)."""
    return Verdict(case_id=case.id, rubric=case.rubric.id, status="error",
                   error=f"{type(error).__name__}: {error}", source=case.pair.source, **meta)
