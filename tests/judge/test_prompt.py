"""The prompt builder: golden renderings, chat templates, context limits, fencing."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from kgjudge.errors import PromptTooLong
from kgjudge.judge.prompt import SYSTEM_PROMPT, build_prompt, fence, supports_system_role
from tests.helpers import comparisons
from tests.helpers.tiny_model import build_tokenizer

from .conftest import make_case

GOLDEN = Path(__file__).parent / "golden"
# KGJUDGE_UPDATE_GOLDEN=1 rewrites the golden files; review the diff before committing.
UPDATE = os.environ.get("KGJUDGE_UPDATE_GOLDEN") == "1"
NO_SYSTEM_TEMPLATE = (
    "{% for m in messages %}{% if m['role'] == 'system' %}"
    "{{ raise_exception('System role not supported') }}{% endif %}"
    "<|{{ m['role'] }}|> {{ m['content'] }} <|end|> {% endfor %}<|assistant|> "
)


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with KGJUDGE_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("builder", comparisons.BY_SEVERITY, ids=lambda b: b.__name__)
def test_plain_prompt_matches_golden(builder, rubrics) -> None:  # noqa: ANN001
    case = make_case(builder, rubrics["factual_correctness"],
                     instruction="Write the findings of this chest radiograph.")
    check_golden(f"plain_{builder.__name__}.txt", build_prompt(case).text)


def test_chat_template_prompt_matches_golden(rubrics) -> None:  # noqa: ANN001
    tokenizer = build_tokenizer()
    prompt = build_prompt(make_case(rubric=rubrics["hallucination"]), tokenizer=tokenizer)
    check_golden("chat_system_role.txt", prompt.text)
    assert [m["role"] for m in prompt.messages] == ["system", "user"]
    assert prompt.tokens == len(tokenizer(prompt.text, add_special_tokens=False)["input_ids"])


def test_template_without_system_role_folds_it_into_user_turn(rubrics) -> None:  # noqa: ANN001
    tokenizer = build_tokenizer()
    tokenizer.chat_template = NO_SYSTEM_TEMPLATE
    assert not supports_system_role(tokenizer)
    prompt = build_prompt(make_case(rubric=rubrics["hallucination"]), tokenizer=tokenizer)
    check_golden("chat_folded_system.txt", prompt.text)
    assert [m["role"] for m in prompt.messages] == ["user"]
    assert prompt.messages[0]["content"].startswith(SYSTEM_PROMPT)


def test_prometheus_sections_in_order() -> None:
    text = build_prompt(make_case()).text
    heads = ["###Task Description:", "###The instruction to evaluate:", "###Response to evaluate:",
             "###Reference Answer (Score 5):", "###Knowledge graph comparison:",
             "###Score Rubrics:", "###Feedback:"]
    positions = [text.index(h) for h in heads]
    assert positions == sorted(positions)
    assert text.rstrip().endswith("###Feedback:")
    assert "Score 1: " in text and "Score 5: " in text


def test_prompt_names_diff_items_and_their_text() -> None:
    text = build_prompt(make_case(comparisons.contradicted)).text
    assert "! contradicted observation: pneumothorax is absent in the reference" in text
    assert '"No pneumothorax"' in text and '"Large right pneumothorax"' in text
    assert "+ extra observation: consolidation" in text


def test_too_long_prompt_is_refused_with_a_clear_error() -> None:
    tokenizer = build_tokenizer()
    with pytest.raises(PromptTooLong, match=r"context is 300.*truncate"):
        build_prompt(make_case(), tokenizer=tokenizer, context_window=300)


def test_truncation_only_when_asked_and_recorded() -> None:
    tokenizer = build_tokenizer()
    long_text = "effusion " * 2000
    case = make_case(candidate=long_text)
    full = build_prompt(case, tokenizer=tokenizer)
    limit = full.tokens - 500
    prompt = build_prompt(case, tokenizer=tokenizer, context_window=limit, max_new_tokens=20,
                          truncate=True)
    assert prompt.truncated
    assert prompt.tokens + 20 <= limit
    assert "truncated to fit" in prompt.text
    assert not full.truncated


def test_hash_changes_with_content() -> None:
    a = build_prompt(make_case(comparisons.perfect))
    b = build_prompt(make_case(comparisons.contradicted))
    assert a.hash != b.hash and len(a.hash) == 64
    assert a.hash == build_prompt(make_case(comparisons.perfect)).hash


def test_fence_tag_depends_on_content() -> None:
    one, two = fence("RESPONSE", "a"), fence("RESPONSE", "b")
    tag = re.search(r"<<<BEGIN RESPONSE (\w+)>>>", one).group(1)  # type: ignore[union-attr]
    assert one.endswith(f"<<<END RESPONSE {tag}>>>")
    assert tag not in two
