"""The output contract parser over realistic replies, and the expected-score arithmetic."""

from __future__ import annotations

import math

import pytest

from kgjudge.judge.parse import (
    expected_score,
    normalise,
    parse_output,
    probabilities_from_logprobs,
    score_of_token,
)

# (reply, expected score or None for unscored, a phrase the rationale must contain or "")
OK_REPLIES = [
    ("Feedback: The response matches every finding. [RESULT] 5", 5, "matches every finding"),
    ("Feedback: Misses the effusion. [RESULT] 3", 3, "Misses the effusion"),
    ("Feedback:Misses the effusion.[RESULT]3", 3, "Misses the effusion"),
    ("feedback: lower case label [result] 2", 2, "lower case label"),
    ("FEEDBACK: shouting [RESULT] 1", 1, "shouting"),
    ("Feedback: trailing newline [RESULT] 4\n", 4, "trailing newline"),
    ("  \n Feedback: leading blank lines [RESULT] 4  \n\n", 4, "leading blank lines"),
    ("**Feedback:** bold label. **[RESULT] 4**", 4, "bold label"),
    ("**Feedback**: bold word only [RESULT] 2", 2, "bold word only"),
    ("Feedback: markdown result **[RESULT]** **3**", 3, "markdown result"),
    ("### Feedback: heading style [RESULT] 5", 5, "heading style"),
    ("###Feedback: heading no space [RESULT] 5", 5, "heading no space"),
    ("Feedback: paren score [RESULT] (2)", 2, "paren score"),
    ("Feedback: bracket score [RESULT] [2]", 2, "bracket score"),
    ("Feedback: colon after marker [RESULT]: 4", 4, "colon after marker"),
    ("Feedback: out of five [RESULT] 4/5", 4, "out of five"),
    ("Feedback: words out of five [RESULT] 4 out of 5", 4, "words out of five"),
    ("Feedback: period after score [RESULT] 3.", 3, "period after score"),
    ("Feedback: eos token [RESULT] 3</s>", 3, "eos token"),
    ("Feedback: llama eot [RESULT] 3<|eot_id|>", 3, "llama eot"),
    ("Feedback: chatml end [RESULT] 5<|im_end|>\n", 5, "chatml end"),
    ("Feedback: spaced marker [ RESULT ] 2", 2, "spaced marker"),
    ("Feedback: code ticks `[RESULT] 1`", 1, "code ticks"),
    ("Feedback: italic _[RESULT] 4_", 4, "italic"),
    ("Feedback: on its own line.\n[RESULT] 2", 2, "on its own line"),
    ("Feedback: blank line before.\n\n[RESULT] 5", 5, "blank line before"),
    ("Feedback: multi\nline\nrationale [RESULT] 3", 3, "multi\nline\nrationale"),
    ("The response omits the device. [RESULT] 2", 2, "omits the device"),  # no label
    ("(The response is accurate.) [RESULT] 5", 5, "accurate"),
    ("Feedback: says [RESULT] 1 in the middle but ends [RESULT] 4", 4, "in the middle"),
    ("Feedback: a 5 in the text but the score is [RESULT] 2", 2, "a 5 in the text"),
    ("Feedback: tab\tseparated\t[RESULT]\t3", 3, "tab"),
    ("Feedback: [RESULT] 3", 3, ""),  # empty rationale still carries a score
    ("Feedback: The report says 'no pneumothorax' [RESULT] 5", 5, "no pneumothorax"),
    ("Feedback: unicode rationale: effusion \u2192 left [RESULT] 4", 4, "\u2192"),
]

UNSCORED_REPLIES = [
    "",
    "   \n ",
    "Feedback: no score at all",
    "Feedback: score out of range [RESULT] 6",
    "Feedback: zero [RESULT] 0",
    "Feedback: two digits [RESULT] 12",
    "Feedback: fractional [RESULT] 3.5",
    "Feedback: a word [RESULT] five",
    "Feedback: negative [RESULT] -2",
    "Feedback: marker without score [RESULT]",
    "Feedback: score first then text [RESULT] 4 because the effusion is described.",
    "Feedback: Score: 4",
    "Feedback: 4/5",
    "Score: 5",
    "5",
    "[RESULT]",
    "Feedback: fullwidth brackets \uff3bRESULT\uff3d 5",
    "Feedback: missing bracket RESULT] 5",
    "Feedback: missing bracket [RESULT 5",
    "Feedback: wrong marker [SCORE] 5",
    "Feedback: cut off by max tokens, the response misses the",
    "I cannot evaluate this response.",
    "<unk> <unk> <unk>",
    "Feedback: result then junk [RESULT] 3 [RESULT]",
    "{\"score\": 4, \"feedback\": \"json is not the contract\"}",
]


@pytest.mark.parametrize(("reply", "score", "phrase"), OK_REPLIES)
def test_contract_replies_parse(reply: str, score: int, phrase: str) -> None:
    parsed = parse_output(reply)
    assert parsed.status == "ok", parsed.error
    assert parsed.score == score
    assert phrase in parsed.rationale
    assert "[RESULT]" not in parsed.rationale[-12:]
    assert parsed.raw == reply


@pytest.mark.parametrize("reply", UNSCORED_REPLIES)
def test_other_replies_are_unscored_with_raw_text(reply: str) -> None:
    parsed = parse_output(reply)
    assert parsed.status == "unscored"
    assert parsed.score is None
    assert parsed.raw == reply
    assert parsed.error


def test_at_least_fifty_replies_covered() -> None:
    assert len(OK_REPLIES) + len(UNSCORED_REPLIES) >= 50


def test_rationale_drops_feedback_label() -> None:
    assert parse_output("Feedback: fine. [RESULT] 5").rationale == "fine."


@pytest.mark.parametrize(("token", "score"), [
    ("5", 5), (" 5", 5), ("\u25815", 5), ("\u01205", 5), ("1", 1), ("6", None), ("55", None),
    ("five", None), ("", None), (" ", None),
])
def test_score_of_token(token: str, score: int | None) -> None:
    assert score_of_token(token) == score


def test_expected_score_sums_p_times_k() -> None:
    assert expected_score({1: 0.0, 2: 0.0, 3: 0.5, 4: 0.5, 5: 0.0}) == pytest.approx(3.5)
    assert expected_score({5: 1.0}) == pytest.approx(5.0)
    assert expected_score({1: 0.1, 2: 0.2, 3: 0.3, 4: 0.2, 5: 0.2}) == pytest.approx(
        0.1 + 0.4 + 0.9 + 0.8 + 1.0)


def test_expected_score_renormalises() -> None:
    # Mass 0.4 on scores (the rest on other tokens) is scaled to sum to one.
    assert expected_score({2: 0.2, 4: 0.2}) == pytest.approx(3.0)
    assert expected_score({}) is None
    assert expected_score({1: 0.0, 2: 0.0}) is None


def test_probabilities_from_logprobs_merges_space_variants() -> None:
    top = {"4": math.log(0.3), " 4": math.log(0.1), "5": math.log(0.4), "The": math.log(0.2)}
    probs = probabilities_from_logprobs(top)
    assert probs is not None
    assert probs[4] == pytest.approx(0.4 / 0.8)
    assert probs[5] == pytest.approx(0.4 / 0.8)
    assert sum(probs.values()) == pytest.approx(1.0)
    assert expected_score(probs) == pytest.approx(4.5)


def test_probabilities_without_score_tokens_are_none() -> None:
    assert probabilities_from_logprobs({"The": -0.1, "x": -2.0}) is None
    assert probabilities_from_logprobs([("3", float("-inf"))]) is None


def test_normalise_fills_missing_scores() -> None:
    assert normalise({3: 2.0}) == {1: 0.0, 2: 0.0, 3: 1.0, 4: 0.0, 5: 0.0}
