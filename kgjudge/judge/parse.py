"""Reading a judge's reply: the ``Feedback: ... [RESULT] N`` contract and the expected score.

The contract is parsed anchored at the end of the reply, tolerant of whitespace and markdown
emphasis; anything else is ``unscored`` with the raw text kept, never a default score and never a
retry. The expected score is G-Eval's: the probabilities of the five score tokens (with and without
a leading space, renormalised) weighted by their value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

SCORES = (1, 2, 3, 4, 5)
#: Regex for generation constrained to the output contract (vLLM structured outputs).
OUTPUT_REGEX = r"Feedback: [^\[\]]{1,2000} \[RESULT\] [1-5]"

# Decoration a model may put around the contract: markdown emphasis, code ticks, headings.
_DECOR = r"[\s*_`#>]*"
# End-of-turn markers some servers leave in the text.
_EOS = r"(?:</s>|<\|end\|>|<\|eot_id\|>|<\|im_end\|>|<end_of_turn>|<\|endoftext\|>)*"
_RESULT = re.compile(
    r"\[\s*RESULT\s*\]" + _DECOR + r":?" + _DECOR
    + r"[(\[]?\s*(?P<score>[1-5])\s*[)\]]?(?:\s*(?:/|out\s+of)\s*5)?"
    + r"[\s*_`.]*" + _EOS + r"\s*\Z",
    re.IGNORECASE,
)
_FEEDBACK = re.compile(r"\A" + _DECOR + r"(?:###\s*)?feedback" + _DECOR + r":" + _DECOR,
                       re.IGNORECASE)
# Leading space marks of SentencePiece and byte-level BPE vocabularies.
_SPACE_MARKS = " \u2581\u0120\t\n"


@dataclass(frozen=True)
class ParsedOutput:
    """A judge reply split into its parts."""

    status: str
    """ok (the contract was found) or unscored."""
    score: int | None
    rationale: str
    raw: str
    error: str = ""


def parse_output(text: str) -> ParsedOutput:
    """Parse ``Feedback: <rationale> [RESULT] <1-5>`` anchored at the end of ``text``.

    The ``Feedback:`` label is optional (a prompt ending in "###Feedback:" is often continued
    without it); the ``[RESULT] N`` marker must end the reply.
    """
    raw = text or ""
    match = _RESULT.search(raw)
    if match is None:
        return ParsedOutput("unscored", None, "", raw, _why_unscored(raw))
    body = raw[: match.start()]
    rationale = _FEEDBACK.sub("", body.strip(), count=1).strip().strip("*_` ").strip()
    return ParsedOutput("ok", int(match.group("score")), rationale, raw)


def _why_unscored(raw: str) -> str:
    if not raw.strip():
        return "the reply is empty"
    if re.search(r"\[\s*RESULT\s*\]", raw, re.IGNORECASE):
        return "the reply has a [RESULT] marker but does not end with '[RESULT] <1-5>'"
    return "the reply does not end with '[RESULT] <1-5>'"


def score_of_token(token: str) -> int | None:
    """The score a vocabulary token stands for ("5", " 5", "▁5", "Ġ5"), or None."""
    stripped = token.lstrip(_SPACE_MARKS).rstrip()
    if len(stripped) == 1 and stripped in "12345":
        return int(stripped)
    return None


def probabilities_from_logprobs(top: Mapping[str, float] | Iterable[tuple[str, float]],
                                ) -> dict[int, float] | None:
    """Renormalised p(1..5) from one position's top log-probabilities (token -> logprob).

    Variants of a score ("5" and " 5") are summed. Returns None when no score token is present.
    """
    items = top.items() if isinstance(top, Mapping) else top
    mass = dict.fromkeys(SCORES, 0.0)
    for token, logprob in items:
        score = score_of_token(token)
        if score is not None and logprob is not None and math.isfinite(logprob):
            mass[score] += math.exp(logprob)
    return normalise(mass)


def normalise(mass: Mapping[int, float]) -> dict[int, float] | None:
    """Scale p(1..5) to sum to one; None when all are zero."""
    total = sum(mass.get(k, 0.0) for k in SCORES)
    if total <= 0.0:
        return None
    return {k: mass.get(k, 0.0) / total for k in SCORES}


def expected_score(probabilities: Mapping[int, float] | None) -> float | None:
    """Sum of p(k) * k over the (renormalised) five score probabilities."""
    if not probabilities:
        return None
    normalised = normalise(probabilities)
    if normalised is None:
        return None
    return sum(k * p for k, p in normalised.items())
