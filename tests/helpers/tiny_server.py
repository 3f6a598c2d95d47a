"""A real OpenAI-compatible server on 127.0.0.1 (``transformers serve``) for a local tiny model.

``transformers serve MODEL_DIR`` preloads the folder and never downloads (HF_HUB_OFFLINE=1, an
empty private hub cache). Use the ``tiny_server`` fixture (tests/judge/conftest.py) or
``serve(model_dir)`` as a context manager; the server is always stopped.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx


@dataclass(frozen=True)
class Server:
    """A running server: its base URL (with /v1) and the model name to request."""

    base_url: str
    model: str
    log: Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serve(model_dir: Path, *, workdir: Path, ready_timeout_s: float = 120.0) -> Iterator[Server]:
    """Start ``transformers serve`` on a free port, wait for /health, stop it on exit."""
    port = free_port()
    cli = Path(sys.executable).with_name("transformers")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "HF_HUB_CACHE": str(workdir / "hub-cache"), "HF_HOME": str(workdir / "hf-home")}
    (workdir / "hub-cache").mkdir(parents=True, exist_ok=True)
    log = workdir / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(cli), "serve", str(model_dir), "--host", "127.0.0.1", "--port", str(port),
             "--device", "cpu", "--log-level", "warning"],
            stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        _wait_ready(proc, f"http://127.0.0.1:{port}/health", log, ready_timeout_s)
        yield Server(base_url=f"http://127.0.0.1:{port}/v1", model=str(model_dir), log=log)
    finally:
        _stop(proc)


def _wait_ready(proc: subprocess.Popen, url: str, log: Path, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"transformers serve exited with {proc.returncode}:\n"
                               f"{log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(url, timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"transformers serve not ready after {timeout_s}s; log: {log}")


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM the server's own process group (it was started in a new session), then SIGKILL."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
