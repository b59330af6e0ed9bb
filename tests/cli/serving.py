"""Starting ``frontdesk serve`` as a real process for a test, and waiting until it answers."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx
import pytest


def start_serve(env: dict[str, str], port: int, *args: str) -> subprocess.Popen[str]:
    """``frontdesk serve --port PORT ARGS`` with ``env``, once /health answers (its output
    is piped: read it, or it fills up)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "frontdesk", "serve", "--port", str(port), *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=5)
            return proc
        except httpx.TransportError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"server did not start: {proc.communicate()[0]}")
            time.sleep(0.2)
