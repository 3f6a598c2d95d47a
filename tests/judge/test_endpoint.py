"""The OpenAI-compatible client against a mock transport: retries, fallbacks, key hygiene."""

from __future__ import annotations

import json

import httpx
import pytest

from kgjudge.endpoint import Endpoint, EndpointSettings
from kgjudge.errors import ConfigError, JudgeError, JudgeTimeout, PromptTooLong
from kgjudge.judge.openai import OpenAIJudge
from kgjudge.judge.parse import OUTPUT_REGEX

from .conftest import make_case

KEY = "sk-secret-key-123"
FAST = EndpointSettings(base_url="http://judge.test/v1", api_key=KEY, max_retries=3,
                        backoff_s=0.001, max_backoff_s=0.002)


def reply(text: str = "Feedback: ok. [RESULT] 4", logprobs: list | None = None) -> dict:
    choice = {"index": 0, "finish_reason": "stop",
              "message": {"role": "assistant", "content": text}}
    if logprobs is not None:
        choice["logprobs"] = {"content": logprobs}
    return {"model": "radiology", "choices": [choice],
            "usage": {"prompt_tokens": 100, "completion_tokens": 9}}


class Recorder:
    """A mock server: answers from a list of (status, body) and records requests."""

    def __init__(self, answers: list[tuple[int, object]]) -> None:
        self.answers, self.requests = list(answers), []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        status, body = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(body, Exception):
            raise body
        return httpx.Response(status, json=body) if not isinstance(body, str) else \
            httpx.Response(status, text=body)

    def bodies(self) -> list[dict]:
        return [json.loads(r.content) for r in self.requests]


def endpoint(server: Recorder, **overrides) -> Endpoint:  # noqa: ANN003
    return Endpoint(FAST, transport=httpx.MockTransport(server), **overrides)


def test_chat_sends_model_logprobs_and_regex() -> None:
    server = Recorder([(200, reply())])
    result = endpoint(server).chat([{"role": "user", "content": "hi"}], model="radiology",
                                   top_logprobs=5, regex=OUTPUT_REGEX)
    body = server.bodies()[0]
    assert body["model"] == "radiology" and body["logprobs"] is True
    assert body["top_logprobs"] == 5
    assert body["structured_outputs"] == {"regex": OUTPUT_REGEX}
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"
    assert result.text.endswith("[RESULT] 4") and result.structured
    assert (result.prompt_tokens, result.completion_tokens) == (100, 9)


def test_json_schema_response_format() -> None:
    server = Recorder([(200, reply('{"a": 1}'))])
    schema = {"title": "triples", "type": "object"}
    endpoint(server).chat([{"role": "user", "content": "x"}], model="m", json_schema=schema)
    fmt = server.bodies()[0]["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["schema"] == schema


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_retries_on_429_and_5xx(status: int) -> None:
    server = Recorder([(status, {"error": "busy"}), (status, {"error": "busy"}), (200, reply())])
    result = endpoint(server).chat([{"role": "user", "content": "x"}], model="m")
    assert len(server.requests) == 3 and result.text


def test_retries_on_connection_errors_then_gives_up() -> None:
    server = Recorder([(0, httpx.ConnectError("refused"))])
    with pytest.raises(JudgeError, match="after 4 attempt"):
        endpoint(server).chat([{"role": "user", "content": "x"}], model="m")
    assert len(server.requests) == 4


@pytest.mark.parametrize("status", [400, 401, 404, 422])
def test_no_retry_on_other_4xx(status: int) -> None:
    server = Recorder([(status, {"error": "bad request"})])
    with pytest.raises(JudgeError, match=str(status)):
        endpoint(server).chat([{"role": "user", "content": "x"}], model="m")
    assert len(server.requests) == 1


def test_read_timeout_is_judge_timeout_without_retry() -> None:
    server = Recorder([(0, httpx.ReadTimeout("slow"))])
    with pytest.raises(JudgeTimeout, match="did not answer"):
        endpoint(server).chat([{"role": "user", "content": "x"}], model="m")
    assert len(server.requests) == 1


def test_context_overflow_is_prompt_too_long() -> None:
    server = Recorder([(400, {"error": {"message": "This model's maximum context length is "
                                                   "2048 tokens"}})])
    with pytest.raises(PromptTooLong):
        endpoint(server).chat([{"role": "user", "content": "x"}], model="m")


def test_structured_outputs_fall_back_once_when_rejected() -> None:
    rejected = {"error": "Extra inputs are not permitted: structured_outputs"}
    server = Recorder([(400, rejected), (200, reply()), (200, reply())])
    ep = endpoint(server)
    first = ep.chat([{"role": "user", "content": "x"}], model="m", regex=OUTPUT_REGEX)
    second = ep.chat([{"role": "user", "content": "x"}], model="m", regex=OUTPUT_REGEX)
    bodies = server.bodies()
    assert "structured_outputs" in bodies[0]
    assert "structured_outputs" not in bodies[1] and "structured_outputs" not in bodies[2]
    assert not first.structured and not second.structured


def test_key_never_in_errors_or_repr() -> None:
    server = Recorder([(401, {"error": f"invalid key {KEY}"})])
    ep = endpoint(server)
    with pytest.raises(JudgeError) as info:
        ep.chat([{"role": "user", "content": "x"}], model="m")
    assert KEY not in str(info.value)
    assert KEY not in repr(ep) and KEY not in repr(ep.settings)


def test_key_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KGJUDGE_OPENAI_BASE_URL", "http://env.test/v1")
    monkeypatch.delenv("KGJUDGE_OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    server = Recorder([(200, reply())])
    ep = Endpoint(transport=httpx.MockTransport(server))
    ep.chat([{"role": "user", "content": "x"}], model="m")
    assert str(server.requests[0].url) == "http://env.test/v1/chat/completions"
    assert server.requests[0].headers["authorization"] == "Bearer sk-env"


def test_no_base_url_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KGJUDGE_OPENAI_BASE_URL", raising=False)
    with pytest.raises(ConfigError, match="KGJUDGE_OPENAI_BASE_URL"):
        Endpoint()


def test_map_bounds_concurrency_and_keeps_order() -> None:
    import threading
    import time

    active, peak, lock = [0], [0], threading.Lock()

    def work(i: int) -> int:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.01)
        with lock:
            active[0] -= 1
        return i * 2

    ep = endpoint(Recorder([(200, reply())]), concurrency=3)
    assert list(ep.map(work, range(20))) == [i * 2 for i in range(20)]
    assert 1 <= peak[0] <= 3


def logprob_entries(text_tokens: list[str], score_top: dict[str, float]) -> list[dict]:
    entries = [{"token": t, "logprob": -0.1, "top_logprobs": []} for t in text_tokens]
    entries[-1]["top_logprobs"] = [{"token": t, "logprob": lp} for t, lp in score_top.items()]
    return entries


def test_openai_judge_verdict_with_expected_score() -> None:
    import math

    top = {" 4": math.log(0.6), " 5": math.log(0.2), " 3": math.log(0.2)}
    tokens = ["Feedback", ":", " ok", ".", " [", "RESULT", "]", " 4"]
    server = Recorder([(200, reply("Feedback: ok. [RESULT] 4", logprob_entries(tokens, top)))])
    judge = OpenAIJudge(None, endpoint=endpoint(server), adapter="radiology")
    verdict = judge.judge(make_case())
    assert (verdict.status, verdict.score) == ("ok", 4)
    assert verdict.expected_score == pytest.approx(0.6 * 4 + 0.2 * 5 + 0.2 * 3)
    assert verdict.adapter == "radiology" and server.bodies()[0]["model"] == "radiology"
    assert verdict.prompt_hash and verdict.prompt_tokens == 100


def test_openai_judge_unscored_and_error_verdicts() -> None:
    server = Recorder([(200, reply("I refuse."))])
    verdict = OpenAIJudge(None, endpoint=endpoint(server), model="base").judge(make_case())
    assert verdict.status == "unscored" and verdict.raw_output == "I refuse."
    assert verdict.score is None and verdict.expected_score is None
    server = Recorder([(404, {"error": "model 'base' not found"})])
    verdict = OpenAIJudge(None, endpoint=endpoint(server), model="base").judge(make_case())
    assert verdict.status == "error" and "404" in verdict.error and KEY not in verdict.error


def test_bad_url_is_a_judge_error_not_a_crash() -> None:
    ep = Endpoint(EndpointSettings(base_url="127.0.0.1:1/v1", max_retries=0))
    with pytest.raises(JudgeError, match="check base_url"):
        ep.chat([{"role": "user", "content": "x"}], model="m")
    verdict = OpenAIJudge(None, endpoint=ep, model="m").judge(make_case())
    assert verdict.status == "error" and "check base_url" in verdict.error


def test_the_server_check_tells_a_server_that_is_not_there_from_one_that_answers() -> None:
    """Unreachable, a bad URL or no answer in time: a ConfigError saying what to do. Any
    answer (a 404 for /models, a non-JSON page) means the server is up: the check passes."""
    from kgjudge.errors import ConfigError

    bad_url = Endpoint(EndpointSettings(base_url="127.0.0.1:1/v1", max_retries=0))
    with pytest.raises(ConfigError, match="check base_url.*kgjudge serve"):
        OpenAIJudge(None, endpoint=bad_url, model="m").check_server()
    refused = Recorder([(0, httpx.ConnectError("refused"))])
    with pytest.raises(ConfigError, match="cannot reach .*Is the server running"):
        OpenAIJudge(None, endpoint=endpoint(refused, max_retries=0), model="m").check_server()
    slow = Recorder([(0, httpx.ReadTimeout("slow"))])
    with pytest.raises(ConfigError, match="did not answer within"):
        OpenAIJudge(None, endpoint=endpoint(slow), model="m").check_server()
    for answer in ((404, {"error": "no such route"}), (200, "<html>a web page</html>")):
        OpenAIJudge(None, endpoint=endpoint(Recorder([answer])), model="m").check_server()


def test_openai_judge_folds_system_turn_once_when_refused() -> None:
    refused = {"error": "Conversation roles must alternate user/assistant; system role not "
                        "supported"}
    server = Recorder([(400, refused), (200, reply()), (200, reply())])
    judge = OpenAIJudge(None, endpoint=endpoint(server), model="prometheus")
    first, second = judge.judge(make_case()), judge.judge(make_case())
    roles = [[m["role"] for m in b["messages"]] for b in server.bodies()]
    assert roles == [["system", "user"], ["user"], ["user"]]
    assert first.status == second.status == "ok"
    assert first.prompt_hash == second.prompt_hash


def test_openai_judge_keeps_system_turn_when_forced() -> None:
    server = Recorder([(400, {"error": "system role not supported"})])
    judge = OpenAIJudge(None, endpoint=endpoint(server), model="m", system_role=True)
    verdict = judge.judge(make_case())
    assert verdict.status == "error" and len(server.requests) == 1
