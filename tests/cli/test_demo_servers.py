"""Two `frontdesk serve --demo` processes in one data folder: the second, on another port,
starts on its own database and leaves the first one's data alone; a second demo on the
same port refuses to start (and deletes nothing)."""

from __future__ import annotations

import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.cli.test_cli import _env, _free_port

SALON = {"Authorization": "Bearer fd_demo_salon_key"}


def _demo(tmp_path: Path, port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "frontdesk", "serve", "--demo", "--port", str(port)],
        env=_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def _wait_up(proc: subprocess.Popen[str], port: int) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"demo on {port} did not start: {proc.communicate()[0]}")
        time.sleep(0.2)


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.terminate()
    return proc.communicate(timeout=20)[0]


def test_a_second_demo_does_not_wipe_the_first(tmp_path: Path) -> None:
    port_a, port_b = _free_port(), _free_port()
    first = _demo(tmp_path, port_a)
    second: subprocess.Popen[str] | None = None
    try:
        _wait_up(first, port_a)
        base = f"http://127.0.0.1:{port_a}"
        created = httpx.post(f"{base}/api/v1/customers", headers=SALON,
                             json={"name": "Kept Customer", "phone": "+12125550177"})
        assert created.status_code == 201, created.text
        customer = f"{base}/api/v1/customers/{created.json()['id']}"

        second = _demo(tmp_path, port_b)
        _wait_up(second, port_b)

        # Many requests at once, so the first server opens fresh database connections
        # (a wiped file would show there) as well as reusing its open ones.
        with httpx.Client(headers=SALON, timeout=30) as http, ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(lambda _: http.get(customer), range(32)))
        assert {a.status_code for a in answers} == {200}
        assert {a.json()["name"] for a in answers} == {"Kept Customer"}

        # Same port, same database: refused before anything is deleted.
        clash = subprocess.run(
            [sys.executable, "-m", "frontdesk", "serve", "--demo", "--port", str(port_a)],
            env=_env(tmp_path), capture_output=True, text=True, timeout=60,
        )
        assert clash.returncode == 2
        assert f"another `frontdesk serve --demo` on port {port_a}" in clash.stderr
        assert httpx.get(customer, headers=SALON).json()["name"] == "Kept Customer"
    finally:
        _stop(first)
        if second is not None:
            _stop(second)
