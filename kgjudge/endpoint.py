"""The one OpenAI-compatible HTTP client (vLLM in production), shared by judges and extractors.

httpx with timeouts; retries with exponential backoff only on 429, 5xx and connection errors;
bounded concurrency through a thread pool (one sync API, no async twin); vLLM structured outputs
(regex) with a fallback when a server rejects them; logprobs / top_logprobs; json_schema response
formats. The base URL and key come from settings or the environment (KGJUDGE_OPENAI_BASE_URL,
KGJUDGE_OPENAI_API_KEY or OPENAI_API_KEY); the key is never logged, stored or put in an error.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from kgjudge.errors import (
    ConfigError,
    JudgeError,
    JudgeTimeout,
    PromptTooLong,
    ServerUnreachable,
)

T = TypeVar("T")
R = TypeVar("R")
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504}) | frozenset(range(505, 600))


@dataclass(frozen=True)
class EndpointSettings:
    """Where and how to reach an OpenAI-compatible server."""

    base_url: str | None = None
    """e.g. http://127.0.0.1:8000/v1; default $KGJUDGE_OPENAI_BASE_URL."""
    api_key: str | None = field(default=None, repr=False)
    """Default $KGJUDGE_OPENAI_API_KEY, then $OPENAI_API_KEY; never logged."""
    timeout_s: float = 120.0
    connect_timeout_s: float = 10.0
    max_retries: int = 3
    backoff_s: float = 0.5
    max_backoff_s: float = 20.0
    concurrency: int = 8


@dataclass(frozen=True)
class ChatResult:
    """One chat completion."""

    text: str
    finish_reason: str | None
    model: str
    logprobs: tuple[dict[str, Any], ...] = ()
    """Per generated token: {'token', 'logprob', 'top_logprobs': [{'token', 'logprob'}]}."""
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    latency_s: float = 0.0
    structured: bool = False
    """Generation was constrained by the regex."""


def resolve(settings: EndpointSettings | None = None, **overrides: Any) -> EndpointSettings:
    """Settings with environment fallbacks applied; overrides that are None are ignored."""
    base = settings or EndpointSettings()
    values = {k: v for k, v in overrides.items() if v is not None}
    url = values.pop("base_url", None) or base.base_url or os.environ.get("KGJUDGE_OPENAI_BASE_URL")
    key = (values.pop("api_key", None) or base.api_key or os.environ.get("KGJUDGE_OPENAI_API_KEY")
           or os.environ.get("OPENAI_API_KEY"))
    unknown = set(values) - set(EndpointSettings.__dataclass_fields__)
    if unknown:
        raise ConfigError(f"unknown endpoint setting(s): {', '.join(sorted(unknown))}; known: "
                          f"{', '.join(EndpointSettings.__dataclass_fields__)}")
    fields = {**base.__dict__, **values, "base_url": url, "api_key": key}
    return EndpointSettings(**fields)


class Endpoint:
    """A client for one OpenAI-compatible server. Use as a context manager or call close()."""

    def __init__(self, settings: EndpointSettings | None = None, *,
                 transport: httpx.BaseTransport | None = None, **overrides: Any) -> None:
        """``transport``: an httpx transport (tests pass an httpx.MockTransport)."""
        self.settings = resolve(settings, **overrides)
        if not self.settings.base_url:
            raise ConfigError("no OpenAI-compatible endpoint configured: pass base_url (e.g. "
                              "http://127.0.0.1:8000/v1) or set KGJUDGE_OPENAI_BASE_URL")
        headers = {"Authorization": f"Bearer {self.settings.api_key}"} if self.settings.api_key \
            else {}
        timeout = httpx.Timeout(self.settings.timeout_s, connect=self.settings.connect_timeout_s)
        self._client = httpx.Client(base_url=self.settings.base_url.rstrip("/") + "/",
                                    headers=headers, timeout=timeout, transport=transport)
        self._structured_ok: bool | None = None
        """None until a server answers a structured request; False after it rejects one."""

    def __enter__(self) -> Endpoint:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def __repr__(self) -> str:  # the key never shows
        return f"Endpoint(base_url={self.settings.base_url!r})"

    # ------------------------------------------------------------------ requests
    def models(self) -> list[str]:
        """Model (and LoRA adapter) names the server offers."""
        data = self._post_or_get("GET", "models", None)
        return [m.get("id", "") for m in data.get("data", [])]

    def chat(self, messages: Sequence[dict[str, str]], *, model: str, max_tokens: int = 512,
             temperature: float = 0.0, top_logprobs: int = 0, regex: str | None = None,
             json_schema: dict[str, Any] | None = None, extra: dict[str, Any] | None = None,
             ) -> ChatResult:
        """One chat completion.

        Args:
            regex: constrain the reply (vLLM ``structured_outputs``); dropped, once and for the
                rest of this client's life, when the server rejects the field.
            json_schema: ask for JSON matching this schema (``response_format``).
            top_logprobs: > 0 asks for that many alternatives per generated token.
        """
        body: dict[str, Any] = {"model": model, "messages": list(messages),
                                "max_tokens": max_tokens, "temperature": temperature}
        if top_logprobs > 0:
            body.update(logprobs=True, top_logprobs=top_logprobs)
        if json_schema is not None:
            body["response_format"] = {"type": "json_schema", "json_schema": {
                "name": json_schema.get("title", "reply"), "schema": json_schema, "strict": True}}
        body.update(extra or {})
        structured = regex is not None and self._structured_ok is not False
        if structured:
            body["structured_outputs"] = {"regex": regex}
        start = time.perf_counter()
        try:
            data = self._post_or_get("POST", "chat/completions", body)
        except _Rejected as e:
            if not structured or not e.mentions("structured"):
                raise JudgeError(e.message) from None
            self._structured_ok = False
            body.pop("structured_outputs")
            structured = False
            data = self._post_or_get("POST", "chat/completions", body)
        if structured:
            self._structured_ok = True
        return _chat_result(data, time.perf_counter() - start, structured)

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        """``fn`` over ``items`` with at most ``concurrency`` in flight; results in input order.

        Submits lazily (a bounded window), so memory stays flat on long inputs.
        """
        window = max(1, self.settings.concurrency)
        with ThreadPoolExecutor(max_workers=window, thread_name_prefix="kgjudge-endpoint") as pool:
            pending = []
            for item in items:
                pending.append(pool.submit(fn, item))
                if len(pending) >= window * 2:
                    yield pending.pop(0).result()
            for future in pending:
                yield future.result()

    # ------------------------------------------------------------------ transport
    def _post_or_get(self, method: str, path: str, body: dict[str, Any] | None,
                     ) -> dict[str, Any]:
        attempts = 1 + max(0, self.settings.max_retries)
        for attempt in range(attempts):
            try:
                response = self._client.request(method, path, json=body)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError,
                    httpx.ReadError, httpx.WriteError) as e:
                if attempt + 1 == attempts:
                    raise ServerUnreachable(f"cannot reach {self._where(path)} after "
                                            f"{attempts} attempt(s): {type(e).__name__}. Is "
                                            "the server running?") from None
                self._sleep(attempt, None)
                continue
            except httpx.TimeoutException:
                raise JudgeTimeout(f"{self._where(path)} did not answer within "
                                   f"{self.settings.timeout_s:g}s; raise timeout_s or lower "
                                   f"the load") from None
            except httpx.HTTPError as e:  # a bad URL, a proxy error: not worth retrying
                raise ServerUnreachable(f"request to {self._where(path)} failed: "
                                        f"{type(e).__name__}: {self._redact(str(e))}; check "
                                        "base_url (e.g. http://127.0.0.1:8000/v1)") from None
            if response.status_code in _RETRY_STATUS and attempt + 1 < attempts:
                self._sleep(attempt, response.headers.get("retry-after"))
                continue
            return self._decode(response, path)
        raise AssertionError("unreachable")  # the loop returns or raises

    def _decode(self, response: httpx.Response, path: str) -> dict[str, Any]:
        if response.status_code >= 400:
            detail = self._redact(response.text[:500])
            message = f"{self._where(path)} answered {response.status_code}: {detail}"
            if response.status_code == 400 and "context" in detail.lower() and \
                    "length" in detail.lower():
                raise PromptTooLong(message + " (the prompt exceeds the served model's context)")
            if response.status_code in (400, 422):
                raise _Rejected(message)
            raise JudgeError(message)
        try:
            return response.json()
        except ValueError:
            raise JudgeError(f"{self._where(path)} answered with non-JSON: "
                             f"{self._redact(response.text[:200])!r}") from None

    def _sleep(self, attempt: int, retry_after: str | None) -> None:
        delay = min(self.settings.max_backoff_s, self.settings.backoff_s * 2 ** attempt)
        if retry_after and retry_after.replace(".", "", 1).isdigit():
            delay = min(self.settings.max_backoff_s, float(retry_after))
        time.sleep(delay * (0.5 + random.random() / 2))  # jitter spreads synchronized retries

    def _where(self, path: str) -> str:
        return f"{self.settings.base_url.rstrip('/')}/{path}"  # type: ignore[union-attr]

    def _redact(self, text: str) -> str:
        key = self.settings.api_key
        return text.replace(key, "***") if key else text


class _Rejected(JudgeError):
    """A 400/422: the request itself was refused (maybe a field the server does not know)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def mentions(self, word: str) -> bool:
        return word in self.message.lower()


def _chat_result(data: dict[str, Any], latency: float, structured: bool) -> ChatResult:
    try:
        choice = data["choices"][0]
        text = choice["message"].get("content") or ""
    except (KeyError, IndexError, TypeError, AttributeError):
        raise JudgeError(f"the server's reply has no choices[0].message: {str(data)[:200]}"
                         ) from None
    content = ((choice.get("logprobs") or {}).get("content")) or ()
    usage = data.get("usage") or {}
    return ChatResult(
        text=text, finish_reason=choice.get("finish_reason"), model=str(data.get("model", "")),
        logprobs=tuple(content), prompt_tokens=usage.get("prompt_tokens"),
        completion_tokens=usage.get("completion_tokens"), latency_s=latency,
        structured=structured,
    )
