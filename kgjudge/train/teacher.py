"""Teacher rationales: a stronger model behind an OpenAI-compatible endpoint rewrites rationales.

The teacher sees the judge's own prompt plus the known target (score, and the edits for synthetic
pairs) and writes the feedback. Its rationale replaces the template one only when its reply keeps
the output contract and gives the target score; otherwise the example keeps its own rationale.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from kgjudge.errors import KgJudgeError

if TYPE_CHECKING:
    from kgjudge.domain import DomainPack
    from kgjudge.train.data import Example
    from kgjudge.train.recipe import TeacherSettings


def teacher_messages(example: Example, pack: DomainPack) -> list[dict[str, str]]:
    """The judge prompt of the example with a closing note giving the known answer."""
    from kgjudge.judge.base import Case
    from kgjudge.judge.prompt import build_prompt
    from kgjudge.train.targets import edit_sentence

    case = Case(example.pair, pack.rubric(example.rubric), example.comparison, pack.name)
    messages = [dict(m) for m in build_prompt(case).messages]
    known = " ".join(edit_sentence(e) for e in example.edits) or example.rationale
    messages[-1]["content"] += (
        f"\n\n(For the grader writing reference feedback: the correct score is {example.score}. "
        f"Known differences: {known} Write the feedback that justifies exactly this score.)")
    return messages


def with_teacher_rationales(examples: Sequence[Example], pack: DomainPack,
                            settings: TeacherSettings, *, transport: Any = None) -> list[Example]:
    """Examples with the teacher's rationale where it agrees with the target score.

    ``transport``: an httpx transport for the endpoint (tests pass a MockTransport).
    """
    from kgjudge.endpoint import Endpoint
    from kgjudge.judge.parse import parse_output

    key = os.environ.get(settings.api_key_env) if settings.api_key_env else None
    kept = 0
    with Endpoint(base_url=settings.base_url, api_key=key, transport=transport) as endpoint:
        def ask(example: Example) -> Example:
            nonlocal kept
            try:
                reply = endpoint.chat(teacher_messages(example, pack), model=settings.model,
                                      max_tokens=settings.max_tokens)
            except KgJudgeError as e:
                print(f"teacher: {e}", file=sys.stderr)
                return example
            parsed = parse_output(reply.text)
            if parsed.score != example.score or not parsed.rationale:
                return example
            kept += 1
            return replace(example, rationale=parsed.rationale)

        result = list(endpoint.map(ask, examples))
    print(f"teacher: {kept}/{len(examples)} rationales agreed with the target score and were "
          "kept", file=sys.stderr)
    return result
