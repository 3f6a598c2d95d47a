"""A fake Processor for batch tests: deterministic, with triggers for every judge failure.

Loaded by 'module:factory' in worker processes (fork inherits sys.path). Candidate text decides
the judge's behaviour: 'JUDGE_TIMEOUT' raises JudgeTimeout, 'JUDGE_5XX' raises JudgeError,
'UNPARSABLE' gives an unscored verdict, 'CRASH' raises a bug. FAKE_SLEEP_S slows each pair.
"""

from __future__ import annotations

import os
import time
from typing import Any

from batch_helpers import comparison

from kgjudge.errors import JudgeError, JudgeTimeout
from kgjudge.judge.base import Pair, Verdict


class FakeProcessor:
    backend = "fake"
    model = "fake-1"

    def __init__(self, settings: Any = None, *, remote: bool = False) -> None:
        self.remote = remote
        self.sleep = float(os.environ.get("FAKE_SLEEP_S", "0"))

    def compare(self, pair: Pair) -> Any:
        if "CRASH" in pair.candidate:
            raise RuntimeError("boom")
        return comparison(pair.reference, pair.candidate)

    def judge(self, pair: Pair, comp: Any, rubrics: list[str]) -> list[Verdict]:
        time.sleep(self.sleep)
        if "JUDGE_TIMEOUT" in pair.candidate:
            raise JudgeTimeout("no answer from http://127.0.0.1:1 in 1 s")
        if "JUDGE_5XX" in pair.candidate:
            raise JudgeError("HTTP 503 from the judge server")
        out = []
        for rubric in rubrics:
            if "UNPARSABLE" in pair.candidate:
                out.append(Verdict(case_id=pair.id, rubric=rubric, status="unscored",
                                   raw_output="I think it is fine", backend=self.backend,
                                   model=self.model))
                continue
            score = 1 + len(pair.candidate.split()) % 5
            out.append(Verdict(case_id=pair.id, rubric=rubric, status="ok", score=score,
                               expected_score=float(score), backend=self.backend,
                               model=self.model,
                               rationale=f"{pair.id}: first line\nsecond line, \"quoted\""))
        return out


def factory(settings: Any) -> FakeProcessor:
    return FakeProcessor(settings)


def remote_factory(settings: Any) -> FakeProcessor:
    return FakeProcessor(settings, remote=True)
