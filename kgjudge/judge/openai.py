"""The ``openai`` judge: any OpenAI-compatible server, vLLM in production.

The domain's LoRA adapter is selected by model name (``vllm serve BASE --enable-lora
--lora-modules radiology=ADAPTER`` serves it as model "radiology"). Generation is constrained to
the output contract with vLLM structured outputs where the server supports them, and the expected
score is read from the top log-probabilities at the score token.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from kgjudge.endpoint import ChatResult, Endpoint, EndpointSettings
from kgjudge.errors import (
    ConfigError,
    JudgeTimeout,
    KgJudgeError,
    PromptTooLong,
    ServerUnreachable,
)
from kgjudge.judge.base import Case, Verdict
from kgjudge.judge.parse import (
    OUTPUT_REGEX,
    parse_output,
    probabilities_from_logprobs,
    score_of_token,
)
from kgjudge.judge.prompt import Prompt, build_prompt
from kgjudge.judge.verdicts import error_verdict, reply_verdict
from kgjudge.weights import load_local


@dataclass(frozen=True)
class OpenAIJudgeSettings:
    """Generation settings of the openai judge (the endpoint's own are in EndpointSettings)."""

    model: str | None = None
    """Base model name as served; default $KGJUDGE_OPENAI_MODEL."""
    adapter: str | None = None
    """LoRA module name as served; default the domain's name when no model is given."""
    max_tokens: int = 512
    temperature: float = 0.0
    top_logprobs: int = 20
    structured: bool = True
    """Constrain the reply to the contract (vLLM structured outputs), falling back if refused."""
    tokenizer: str | None = None
    """Local tokenizer folder: counts tokens and checks the context before sending."""
    context_window: int | None = None
    truncate: bool = False
    system_role: bool | None = None
    """False folds the system prompt into the user turn (templates without a system role)."""


class OpenAIJudge:
    """Judges cases through an OpenAI-compatible chat completions endpoint."""

    name = "openai"

    def __init__(self, pack: Any = None, *, endpoint: Endpoint | None = None,
                 settings: OpenAIJudgeSettings | None = None, **options: Any) -> None:
        """Options are OpenAIJudgeSettings fields or EndpointSettings fields (base_url, ...)."""
        own = {k: options.pop(k) for k in list(options)
               if k in OpenAIJudgeSettings.__dataclass_fields__}
        base = settings or OpenAIJudgeSettings()
        self.settings = OpenAIJudgeSettings(**{**base.__dict__, **own})
        self.endpoint = endpoint or Endpoint(EndpointSettings(), **options)
        model = self.settings.model or os.environ.get("KGJUDGE_OPENAI_MODEL")
        adapter = self.settings.adapter
        if adapter is None and model is None:
            adapter = getattr(pack, "name", None)
        self.model, self.adapter = model or "", adapter or ""
        self._tokenizer = _load_tokenizer(self.settings.tokenizer)
        self._system_role = self.settings.system_role

    @property
    def served_name(self) -> str:
        """The model name sent: the adapter's when one is set (vLLM routes LoRA by name)."""
        return self.adapter or self.model

    def check_server(self) -> None:
        """Fail now, with one error that says what to do, when the server cannot be reached: a
        batch would otherwise fail every pair, each after its retries, and store them all as
        failed. A server whose /models list lacks ``served_name`` gets a warning on stderr, not
        an error: vLLM lists what it serves, but `transformers serve` lists its hub cache and
        loads any model on demand.

        Raises:
            ConfigError: no connection, an unusable URL, or no answer in time.
        """
        where = self.endpoint.settings.base_url
        try:
            served = self.endpoint.models()
        except (ServerUnreachable, JudgeTimeout) as e:
            raise ConfigError(f"{e} Start it (kgjudge serve --domain DOMAIN prints the vLLM "
                              f"command) or point --base-url at it.") from None
        except KgJudgeError:  # it answered, without a /models list: the first call will tell
            return
        if served and self.served_name not in served:
            print(f"kgjudge: warning: the server at {where} lists {', '.join(served[:8])}"
                  f"{' ...' if len(served) > 8 else ''}, not '{self.served_name}'; unless it "
                  "loads models on demand, pass --model (and --adapter) as served",
                  file=sys.stderr)

    def judge(self, case: Case) -> Verdict:
        start = time.perf_counter()
        meta: dict[str, Any] = {"backend": self.name, "model": self.model,
                                "adapter": self.adapter}
        try:
            prompt, result = self._ask(case)
        except KgJudgeError as e:
            return error_verdict(case, e, latency_s=time.perf_counter() - start, **meta)
        meta.update(prompt_hash=prompt.hash, truncated=prompt.truncated)
        return reply_verdict(
            case, result.text, probabilities=score_probabilities(result),
            latency_s=time.perf_counter() - start,
            prompt_tokens=result.prompt_tokens if result.prompt_tokens is not None
            else prompt.tokens, completion_tokens=result.completion_tokens, **meta)

    def _ask(self, case: Case) -> tuple[Prompt, ChatResult]:
        """Build and send the prompt; once, fold the system turn if the server refuses it.

        Templates without a system role (Mistral's, hence Prometheus 2's) make the server refuse
        a system message; with ``system_role`` unset the judge then folds it into the user turn
        for this and every later request.
        """
        prompt = self._build(case)
        try:
            return prompt, self._send(prompt)
        except PromptTooLong:
            raise
        except KgJudgeError as e:
            has_system = prompt.messages[0]["role"] == "system"
            if not (has_system and self.settings.system_role is None
                    and "system" in str(e).lower()):
                raise
            self._system_role = False
            prompt = self._build(case)
            return prompt, self._send(prompt)

    def _build(self, case: Case) -> Prompt:
        return build_prompt(case, tokenizer=self._tokenizer,
                            context_window=self.settings.context_window,
                            max_new_tokens=self.settings.max_tokens,
                            truncate=self.settings.truncate, system_role=self._system_role)

    def _send(self, prompt: Prompt) -> ChatResult:
        return self.endpoint.chat(
            prompt.messages, model=self.served_name, max_tokens=self.settings.max_tokens,
            temperature=self.settings.temperature, top_logprobs=self.settings.top_logprobs,
            regex=OUTPUT_REGEX if self.settings.structured else None)

    def judge_many(self, cases: Iterable[Case]) -> Iterator[Verdict]:
        """Judges with the endpoint's bounded concurrency; verdicts in input order."""
        return self.endpoint.map(self.judge, cases)

    def close(self) -> None:
        self.endpoint.close()


def score_probabilities(result: ChatResult) -> dict[int, float] | None:
    """p(1..5) at the generated score token: the last token standing for the parsed score."""
    parsed = parse_output(result.text)
    if parsed.score is None or not result.logprobs:
        return None
    for entry in reversed(result.logprobs):
        if score_of_token(str(entry.get("token", ""))) == parsed.score:
            top = [(t.get("token", ""), t.get("logprob")) for t in entry.get("top_logprobs") or []]
            top.append((entry.get("token", ""), entry.get("logprob")))
            return probabilities_from_logprobs(dict(top))
    return None


def _load_tokenizer(path: str | None) -> Any:
    if not path:
        return None
    from transformers import AutoTokenizer

    return load_local(AutoTokenizer, path, what=f"tokenizer '{path}' for counting prompt "
                                                 "tokens (or leave tokenizer unset)")
