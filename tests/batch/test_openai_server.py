"""Batch against a fake OpenAI-compatible server: timeouts, 5xx and unparsable replies."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from batch_helpers import make_folder

from kgjudge.batch import BatchSettings, run_batch
from kgjudge.store import Store


class FakeChat(BaseHTTPRequestHandler):
    """Answers by what the prompt contains: SLOW sleeps, FAIL5XX is a 503, GARBLE no score.

    Counts requests in flight (class attributes, reset per test by the fixture).
    """

    lock = threading.Lock()
    in_flight = 0
    most_in_flight = 0

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        with FakeChat.lock:
            FakeChat.in_flight += 1
            FakeChat.most_in_flight = max(FakeChat.most_in_flight, FakeChat.in_flight)
        try:
            self._answer()
        finally:
            with FakeChat.lock:
                FakeChat.in_flight -= 1

    def _answer(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        prompt = " ".join(m["content"] for m in body["messages"])
        if "FAIL5XX" in prompt:
            self._send(503, {"error": {"message": "overloaded"}})
            return
        if "SLOW" in prompt:
            time.sleep(1.5)
        elif "PAUSE" in prompt:
            time.sleep(0.1)
        text = "I cannot decide." if "GARBLE" in prompt else "Feedback: Matches. [RESULT] 4"
        self._send(200, {"choices": [{"message": {"role": "assistant", "content": text},
                                      "finish_reason": "stop"}],
                         "model": body.get("model", ""),
                         "usage": {"prompt_tokens": 10, "completion_tokens": 5}})

    def _send(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client timed out first

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    FakeChat.in_flight = FakeChat.most_in_flight = 0
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeChat)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()
    httpd.server_close()


def test_judge_failures_are_recorded_per_item(tmp_path: Path, pack_dir: Path,
                                              server: str) -> None:
    root = make_folder(tmp_path / "in", 4)
    for name, text in (("slow", "SLOW thing"), ("five", "FAIL5XX thing"),
                       ("garble", "GARBLE thing")):
        (root / "references" / f"{name}.txt").write_text("The example thing is large.")
        (root / "candidates" / f"{name}.txt").write_text(text)
    settings = BatchSettings(domain=str(pack_dir), backend="openai", concurrency=4,
                             judge_options={"base_url": server, "timeout_s": 0.5,
                                            "max_retries": 0, "model": "judge"})
    db = tmp_path / "run.sqlite"
    report = run_batch(root, settings, db=db)
    assert report.processed == 7 and report.exit_code == 1
    with Store(db) as store:
        verdicts = {(v.case_id, v.rubric): v for v in store.verdicts(report.run_id)}
    assert len(verdicts) == 14
    for (case_id, _), v in verdicts.items():
        if case_id.startswith("r"):
            assert (v.status, v.score, v.backend, v.model) == ("ok", 4, "openai", "judge")
        elif case_id == "slow":
            assert v.status == "error" and v.error.startswith("JudgeTimeout")
        elif case_id == "five":
            assert v.status == "error" and "503" in v.error
        else:
            assert v.status == "unscored" and v.raw_output == "I cannot decide."
    assert report.failures == {"JudgeTimeout": 2, "JudgeError": 2, "unscored": 2}


def test_concurrency_bounds_calls_in_flight(tmp_path: Path, pack_dir: Path, server: str) -> None:
    root = tmp_path / "in"
    make_folder(root, 0)
    (root / "candidates").mkdir()
    for i in range(10):
        (root / "references" / f"p{i}.txt").write_text("The example thing is large.")
        (root / "candidates" / f"p{i}.txt").write_text(f"PAUSE thing {i}")
    settings = BatchSettings(domain=str(pack_dir), backend="openai", concurrency=3,
                             judge_options={"base_url": server, "max_retries": 0})
    report = run_batch(root, settings, db=tmp_path / "run.sqlite")
    assert report.exit_code == 0 and report.processed == 10
    assert 1 < FakeChat.most_in_flight <= 3


class ServesModels(FakeChat):
    """The same server, with a /models list (as vLLM and `transformers serve` have)."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._send(200, {"object": "list", "data": [{"id": "base"}, {"id": "radiology"}]})


def test_the_server_is_checked_before_the_first_pair(tmp_path: Path, pack_dir: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """A server that is down stops the run before anything is stored, with one error saying
    what to do (not every pair failed after its retries); one that does not list the model
    asked for gets a warning (`transformers serve` loads models it does not list)."""
    from kgjudge.errors import ConfigError

    root = make_folder(tmp_path / "in", 3)
    db = tmp_path / "run.sqlite"

    def settings(base_url: str, model: str) -> BatchSettings:
        return BatchSettings(domain=str(pack_dir), backend="openai",
                             judge_options={"base_url": base_url, "max_retries": 0,
                                            "model": model})

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), ServesModels)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    try:
        assert run_batch(root, settings(url, "judge"), db=db).processed == 3
        assert "lists base, radiology, not 'judge'" in capsys.readouterr().err
        assert run_batch(root, settings(url, "radiology"), db=tmp_path / "2.sqlite").processed == 3
        assert "warning" not in capsys.readouterr().err
        # a LoRA adapter served under the domain's name (kgjudge batch --adapter radiology)
        lora = BatchSettings(domain=str(pack_dir), backend="openai", judge_options={
            "base_url": url, "max_retries": 0, "model": "base", "adapter": "radiology"})
        report = run_batch(root, lora, db=tmp_path / "3.sqlite")
        assert report.exit_code == 0 and "warning" not in capsys.readouterr().err
        with Store(tmp_path / "3.sqlite") as store:
            assert {v.adapter for v in store.verdicts(report.run_id)} == {"radiology"}
    finally:
        httpd.shutdown()
        httpd.server_close()
    with pytest.raises(ConfigError, match="cannot reach .*Is the server running.*kgjudge serve"):
        run_batch(root, settings(url, "radiology"), db=tmp_path / "down.sqlite")
    assert not (tmp_path / "down.sqlite").exists()


class HangsUp(FakeChat):
    """Closes the connection without an answer when the prompt holds DOWN (a server that died),
    answers a score of 4 otherwise."""

    def _answer(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if "DOWN" in " ".join(m["content"] for m in body["messages"]):
            self.close_connection = True
            self.connection.close()
            return
        self._send(200, {"choices": [{"message": {"role": "assistant",
                                                  "content": "Feedback: Matches. [RESULT] 4"},
                                      "finish_reason": "stop"}], "model": body.get("model", "")})


def test_a_server_that_stops_answering_stops_the_batch(tmp_path: Path, pack_dir: Path) -> None:
    """Pairs judged before are stored; the pair that found the server gone is not stored as
    failed (nor any after it), so the same command resumes it once the server is back."""
    from kgjudge.errors import ServerUnreachable

    root = make_folder(tmp_path / "in", 3)
    (root / "references" / "zz_down.txt").write_text("The example thing is large.")
    (root / "candidates" / "zz_down.txt").write_text("DOWN thing")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), HangsUp)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    settings = BatchSettings(domain=str(pack_dir), backend="openai", concurrency=1, judge_options={
        "base_url": f"http://127.0.0.1:{httpd.server_address[1]}/v1", "max_retries": 0,
        "model": "judge"})
    db = tmp_path / "run.sqlite"
    try:
        with pytest.raises(ServerUnreachable, match="stopped: cannot reach .* run the same "
                                                    "command again to resume"):
            run_batch(root, settings, db=db)
        with Store(db) as store:
            run = store.latest_run()
            assert run is not None
            stored = {v.case_id for v in store.verdicts(run.id)}
            assert stored == {"r0000", "r0001", "r0002"}
            assert all(v.status == "ok" for v in store.verdicts(run.id))
        (root / "candidates" / "zz_down.txt").write_text("The example thing is big.")
        again = run_batch(root, settings, db=db)  # no --retry-failed needed
        assert (again.processed, again.skipped, again.exit_code) == (1, 3, 0)
    finally:
        httpd.shutdown()
        httpd.server_close()
