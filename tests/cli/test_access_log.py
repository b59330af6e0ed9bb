"""`frontdesk serve`'s log, read whole from the real process: URLs that carry an API key
(Retell's), a feed token or a phone number are logged masked, never as they came."""

from __future__ import annotations

import json
import subprocess
import urllib.parse
from pathlib import Path

import httpx
from websockets.sync.client import connect

from tests.cli.serving import start_serve
from tests.cli.test_cli import _env, _free_port, _run

CUSTOMER = "+12125550123"


def _start(tmp_path: Path, port: int) -> subprocess.Popen[str]:
    return start_serve(_env(tmp_path), port)


def _retell_greets(url: str) -> None:
    with connect(url, open_timeout=10) as socket:
        assert json.loads(socket.recv(timeout=10))["response_type"] == "config"
        greeting = json.loads(socket.recv(timeout=10))
        assert greeting["response_id"] == 0 and greeting["content"]


def test_the_log_never_shows_keys_tokens_or_phone_numbers(tmp_path: Path) -> None:
    created = _run(tmp_path, "tenant", "create", "--slug", "bella", "--name", "Bella",
                   "--timezone", "America/New_York", "--phone", "+12125550100")
    assert created.returncode == 0, created.stderr
    key = created.stdout.rsplit("API key (shown once): ", 1)[1].strip()
    port = _free_port()
    proc = _start(tmp_path, port)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}) as http:
            resource = http.post("/api/v1/resources", json={"name": "Ana"}).json()
            feed = http.post(f"/api/v1/resources/{resource['id']}/feed").json()["url"]
            token = urllib.parse.urlsplit(feed).path.rsplit("/", 1)[1].removesuffix(".ics")
            assert httpx.get(feed).status_code == 200
            encoded = urllib.parse.quote(CUSTOMER)
            assert http.get(f"/api/v1/messages?to={encoded}").status_code == 200
            assert http.get("/api/v1/customers", params={"phone": "(212) 555-0123"}
                            ).status_code == 200
            assert httpx.get(f"{base}/unknown/{encoded}").status_code == 404
        _retell_greets(f"ws://127.0.0.1:{port}/v1/retell/{key}/llm-websocket/call-one")
        _retell_greets(f"ws://127.0.0.1:{port}/v1/retell/llm-websocket/call-two?key={key}")
    finally:
        proc.terminate()
        log = proc.communicate(timeout=20)[0]

    for secret in (key, key[3:], token, CUSTOMER[1:], "2125550123", "555-0123", "%2B1212"):
        assert secret not in log, f"{secret!r} is in the log:\n{log}"
    # ... and the requests were logged, masked, with their status.
    assert '"WEBSOCKET /v1/retell/***/llm-websocket/call-one" 101' in log
    assert '"WEBSOCKET /v1/retell/llm-websocket/call-two?key=***" 101' in log
    assert '"GET /calendars/***" 200' in log
    assert '"GET /api/v1/messages?to=***" 200' in log
    assert '"GET /api/v1/customers?phone=***" 200' in log
    assert '"GET /unknown/***" 404' in log
