"""The frontdesk command, run as a user runs it: a real process and a real server."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from frontdesk.store import migrate


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRONTDESK_")}
    env.update({"FRONTDESK_DATA_DIR": str(tmp_path), **extra})
    return env


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "frontdesk", *args],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_tenant_and_api_key_create(tmp_path: Path) -> None:
    created = _run(
        tmp_path,
        "tenant",
        "create",
        "--slug",
        "bella",
        "--name",
        "Bella",
        "--timezone",
        "Europe/Madrid",
        "--country",
        "ES",
        "--languages",
        "es,en",
    )
    assert created.returncode == 0, created.stderr
    assert "API key (shown once): fd_" in created.stdout
    key = _run(tmp_path, "api-key", "create", "--tenant", "bella", "--name", "ops")
    assert key.returncode == 0 and key.stdout.strip().startswith("fd_")
    again = _run(
        tmp_path,
        "tenant",
        "create",
        "--slug",
        "bella",
        "--name",
        "B",
        "--timezone",
        "Europe/Madrid",
    )
    assert again.returncode == 2 and "already exists" in again.stderr
    bad = _run(
        tmp_path, "tenant", "create", "--slug", "x2", "--name", "X", "--timezone", "Mars/Base"
    )
    assert bad.returncode == 2 and "IANA" in bad.stderr
    head = migrate.head_revision()
    assert _run(tmp_path, "migrate").stdout.strip() == f"database at revision {head}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, key: str | None = None) -> object:
    request = urllib.request.Request(url)
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def test_serve_demo_answers_with_real_slots(tmp_path: Path) -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "frontdesk", "serve", "--demo", "--port", str(port)],
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                health = _get(f"{base}/health")
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(f"server exited: {proc.stdout.read() if proc.stdout else ''}")
                time.sleep(0.2)
        else:
            pytest.fail("server did not answer /health")
        assert health == {"status": "ok", "version": "0.1.0", "database": "sqlite"}
        services = _get(f"{base}/api/v1/services", "fd_demo_salon_key")
        assert isinstance(services, list) and {s["name"] for s in services} >= {"Haircut"}
        haircut = next(s for s in services if s["name"] == "Haircut")
        slots = _get(f"{base}/api/v1/availability?service={haircut['id']}", "fd_demo_salon_key")
        assert isinstance(slots, dict) and len(slots["slots"]) > 10
        assert slots["slots"][0]["start"].endswith(("-05:00", "-04:00"))
        appointments = _get(f"{base}/api/v1/appointments", "fd_demo_clinic_key")
        assert isinstance(appointments, list) and appointments
        assert all(a["start"].endswith(("+01:00", "+02:00")) for a in appointments)
    finally:
        proc.terminate()
        out = proc.communicate(timeout=20)[0]
    assert "fd_demo_salon_key" in out and "fd_demo_clinic_key" in out


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"FRONTDESK_ENVIRONMENT": "production"}, "FRONTDESK_SECRET_KEY is not set"),
        ({"FRONTDESK_SECRET_KEY": "not-a-key"}, "not a valid Fernet key"),
    ],
)
def test_serve_refuses_to_start_without_a_usable_secret_key(
    tmp_path: Path, extra: dict[str, str], expected: str
) -> None:
    """Stored calendar credentials need the key: a clear start-up error, not a late 500."""
    done = subprocess.run(
        [sys.executable, "-m", "frontdesk", "serve", "--port", str(_free_port())],
        env=_env(tmp_path, **extra), capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 2
    assert expected in done.stderr
    assert not (tmp_path / "secret.key").exists()  # nothing was generated in its place
