"""Tried as a new user would: README's first command's server (`frontdesk serve --demo`,
a real process), its root address in a real browser, the demo owner's credentials read
from what the command printed — and the demo business's data on the pages."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.dashboard.test_browser import (
    CHROMIUM,
    _shots,
    browser_page,
    serious_violations,
)

__all__ = ["browser_page"]  # the fixture, used by name below
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="needs Debian's Chromium (apt-get install chromium)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _printed_until_ready(proc: subprocess.Popen[str], base: str) -> str:
    """What the server printed before it answered /health."""
    printed: list[str] = []
    deadline = time.monotonic() + 60
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            pytest.fail("the server exited:\n" + "".join(printed))
        printed.append(line)
        if line.startswith("frontdesk on "):
            break
    for _ in range(150):
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return "".join(printed)
        except httpx.HTTPError:
            time.sleep(0.2)
    pytest.fail("the server never answered /health:\n" + "".join(printed))


def test_a_new_user_signs_in_with_the_printed_demo_owner(
    tmp_path: Path, browser_page: object,
) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRONTDESK_")}
    env["FRONTDESK_DATA_DIR"] = str(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "frontdesk", "serve", "--demo", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        printed = _printed_until_ready(proc, base)
        found = re.search(r"'Bella Salon'.*dashboard: (\S+@\S+) / (\S+)", printed)
        assert found, printed
        email, password = found.groups()
        page = browser_page
        page.goto(base)  # type: ignore[attr-defined]
        assert "/login" in page.url  # type: ignore[attr-defined]
        page.get_by_label("Email").fill(email)  # type: ignore[attr-defined]
        page.get_by_label("Password").fill(password)  # type: ignore[attr-defined]
        page.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]
        page.wait_for_url(base + "/dashboard")  # type: ignore[attr-defined]
        heading = page.get_by_role("heading", level=1)  # type: ignore[attr-defined]
        assert heading.inner_text() == "Bella Salon"
        page.get_by_role("link", name="Customers").click()  # type: ignore[attr-defined]
        page.wait_for_url(base + "/dashboard/customers")  # type: ignore[attr-defined]
        for name in ("Jordan Lee", "María García", "Sam Patel"):
            assert page.get_by_role("link", name=name).is_visible()  # type: ignore[attr-defined]
        page.screenshot(path=str(_shots(tmp_path) / "demo-customers.png"),  # type: ignore[attr-defined]
                        full_page=True)
        assert serious_violations(page) == []
        page.get_by_role("link", name="Appointments").click()  # type: ignore[attr-defined]
        page.wait_for_url(re.compile(r".*/dashboard/appointments.*"))  # type: ignore[attr-defined]
        assert "Bella Salon" in page.title()  # type: ignore[attr-defined]
    finally:
        proc.terminate()
        proc.communicate(timeout=20)
