"""The calendar try-out, as a new user runs it: `serve --demo`, then `calendar demo`.

Both are real processes; the try-out starts a real Radicale server, connects the demo
salon's first stylist to it through the API, adds a meeting there over CalDAV and waits
for the slot to leave the server's availability answers.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import Engine

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.services.demo import seed_demo
from frontdesk.store.db import make_session_factory
from tests.conftest import serving

pytest.importorskip("radicale", reason="the try-out needs Radicale (pip install radicale)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRONTDESK_")}
    env.update({"FRONTDESK_DATA_DIR": str(tmp_path), **extra})
    return env


def _status(url: str, key: str) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_calendar_demo_connects_a_local_radicale_and_the_slot_disappears(tmp_path: Path) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    # The default search cache (60 s): the refused booking's fresh read is what makes the
    # slot go at once.
    # Radicale runs on this machine: the server must be told it may connect there.
    server = subprocess.Popen(
        [sys.executable, "-m", "frontdesk", "serve", "--demo", "--port", str(port)],
        env=_env(tmp_path, FRONTDESK_CALENDAR_ALLOW_PRIVATE_HOSTS="1"),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while _status_or_none(f"{base}/health") != 200:
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail("frontdesk serve --demo did not start")
            time.sleep(0.2)
        demo = subprocess.run(
            [sys.executable, "-m", "frontdesk", "calendar", "demo", "--url", base,
             "--port", "0", "--no-keep", "--data-dir", str(tmp_path / "radicale"),
             "--wait-s", "5"],
            env=_env(tmp_path), capture_output=True, text=True, timeout=90,
        )
        assert demo.returncode == 0, demo.stdout + demo.stderr
        lines = demo.stdout.splitlines()
        assert any(line.startswith("2. Connected Ana's calendar 'work'") for line in lines)
        first = next(line for line in lines if line.startswith("3. "))
        target = first.rsplit("the first at ", 1)[1]
        assert f"5. Booking {target} now is refused: 409" in demo.stdout
        assert f"6. {target} is no longer offered" in demo.stdout
        # The meeting really is in Radicale's storage, as the owner's calendar app left it.
        stored = list((tmp_path / "radicale" / "collections").rglob("*.ics"))
        assert any("added in my own calendar" in p.read_text() for p in stored)
        # The try-out leaves the business as it found it: the calendar is disconnected.
        resources = _json(f"{base}/api/v1/resources", "fd_demo_salon_key")
        ana = next(r for r in resources if r["name"] == "Ana")
        assert _status(f"{base}/api/v1/resources/{ana['id']}/calendar", "fd_demo_salon_key") == 404
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_calendar_demo_says_how_to_let_the_server_reach_the_local_radicale(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """A server with the default settings refuses the try-out's Radicale (127.0.0.1): the
    try-out says which setting lets it, and leaves nothing connected."""
    app = create_app(Settings(environment="test", llm_base_url=""), engine=sqlite_engine)
    seed_demo(make_session_factory(sqlite_engine))
    with serving(app) as base:
        demo = subprocess.run(
            [sys.executable, "-m", "frontdesk", "calendar", "demo", "--url", base,
             "--port", "0", "--no-keep", "--data-dir", str(tmp_path / "radicale")],
            env=_env(tmp_path), capture_output=True, text=True, timeout=90,
        )
        assert demo.returncode == 2, demo.stdout + demo.stderr
        assert "FRONTDESK_CALENDAR_ALLOW_PRIVATE_HOSTS=1 frontdesk serve --demo" in demo.stderr
        assert "2. Connected" not in demo.stdout
        resources = _json(f"{base}/api/v1/resources", "fd_demo_salon_key")
        for resource in resources:
            path = f"{base}/api/v1/resources/{resource['id']}/calendar"
            assert _status(path, "fd_demo_salon_key") == 404


def _status_or_none(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return int(response.status)
    except OSError:
        return None


def _json(url: str, key: str) -> list[dict[str, str]]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        data: list[dict[str, str]] = json.load(response)
        return data
