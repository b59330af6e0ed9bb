"""Operating ``frontdesk worker``: its own metrics port (a real worker process on
PostgreSQL, a carrier answering 503) and its health check (``frontdesk worker --check``)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.cli_worker import check_worker
from frontdesk.config import Settings
from frontdesk.services.notices.outbox import enqueue
from frontdesk.services.operations import beat
from frontdesk.store.db import write_session
from tests.conftest import Business, serving
from tests.standins.base import Recorder
from tests.standins.twilio_api import twilio_app

pytestmark = pytest.mark.postgres

SID, TOKEN = "AC" + "5" * 32, "twilio-test-token"
METRICS_TOKEN = "scrape-token-for-tests"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
def engine(postgres_engine: Engine) -> Engine:
    """This module's database: the worker shares work through PostgreSQL only."""
    return postgres_engine


@pytest.fixture
def url(postgres_server_url: str) -> str:
    return postgres_server_url


def _settings(url: str, **update: object) -> Settings:
    return Settings(environment="test", database_url=url, llm_base_url="",
                    **update)  # type: ignore[arg-type]


# --- the health check -------------------------------------------------------------------


def test_check_wants_a_fresh_heartbeat_from_this_host(
    factory: sessionmaker[Session], url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = _settings(url, worker_stale_s=60)
    here = socket.gethostname()
    assert check_worker(settings) == 1
    assert "no_worker" in capsys.readouterr().out

    beat(factory, f"{here}:101", now=datetime.now(UTC) - timedelta(seconds=120))
    assert check_worker(settings) == 1
    assert "worker_stale" in capsys.readouterr().out

    # A fresh beat from another machine does not vouch for this one's worker...
    beat(factory, f"not-{here}:7", now=datetime.now(UTC))
    assert check_worker(settings) == 1
    assert check_worker(settings, any_host=True) == 0  # ...unless any worker will do
    capsys.readouterr()

    beat(factory, f"{here}:101", now=datetime.now(UTC))
    assert check_worker(settings) == 0
    assert capsys.readouterr().out.startswith("healthy")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_check_says_when_the_database_is_away(capsys: pytest.CaptureFixture[str]) -> None:
    settings = _settings(f"postgresql+psycopg://postgres@127.0.0.1:{_free_port()}/none")
    assert check_worker(settings) == 1
    assert "database_unavailable" in capsys.readouterr().out


# --- a real worker process --------------------------------------------------------------


def _scrape(port: int, token: str | None = METRICS_TOKEN) -> Samples:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/metrics")
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read().decode()
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def _metrics_port(proc: subprocess.Popen[bytes], log: Path) -> int:
    """The port the worker says it serves on, once it does."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for line in log.read_text(errors="replace").splitlines():
            if "metrics on http://" in line:
                return int(line.rsplit(":", 1)[1].split("/", 1)[0])
        assert proc.poll() is None, log.read_text(errors="replace")
        time.sleep(0.1)
    pytest.fail("the worker never said where its metrics are:\n" + log.read_text())


@pytest.fixture
def carrier_down() -> Iterator[tuple[str, Recorder]]:
    recorder = Recorder(fail_first=10**6, fail_status=503)
    with serving(twilio_app(SID, TOKEN, recorder)) as base:
        yield base, recorder


def _run_check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "frontdesk", "worker", "--check"], env=env,
                          capture_output=True, text=True, timeout=120)


def test_a_worker_serves_its_failures_breakers_and_heartbeat(
    factory: sessionmaker[Session], make_business: Callable[..., Business], url: str,
    carrier_down: tuple[str, Recorder], tmp_path: Path,
) -> None:
    base, recorder = carrier_down
    biz = make_business()
    with write_session(factory) as session:
        enqueue(session, tenant_id=biz.tenant.id, channel="sms", purpose="test",
                recipient="+12125550123", payload={"body": "see you", "from": "+12125550100"},
                dedupe_key="ops-1")
    src = str(Path(__file__).resolve().parents[2] / "src")
    env = {**os.environ, "FRONTDESK_DATABASE_URL": url, "FRONTDESK_ENVIRONMENT": "development",
           "FRONTDESK_DATA_DIR": str(tmp_path), "FRONTDESK_LLM_BASE_URL": "",
           "FRONTDESK_TWILIO_ACCOUNT_SID": SID, "FRONTDESK_TWILIO_AUTH_TOKEN": TOKEN,
           "FRONTDESK_TWILIO_API_BASE": base, "FRONTDESK_CIRCUIT_FAILURES": "1",
           "FRONTDESK_METRICS_TOKEN": METRICS_TOKEN, "FRONTDESK_DATABASE_CONNECTIONS": "4",
           "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "frontdesk", "worker", "--metrics-port", str(_free_port())],
            env=env,
            stdout=out, stderr=subprocess.STDOUT)
    try:
        port = _metrics_port(proc, log)
        with pytest.raises(urllib.error.HTTPError) as refused:
            _scrape(port, token=None)
        assert refused.value.code == 401

        failures = ("frontdesk_delivery_failures_total",
                    frozenset({("channel", "sms"), ("provider", "twilio"),
                               ("kind", "transient")}))
        deadline = time.monotonic() + 60
        samples = _scrape(port)
        while samples.get(failures, 0.0) < 1 and time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()
            time.sleep(0.2)
            samples = _scrape(port)
        assert samples.get(failures, 0.0) >= 1, log.read_text()
        assert recorder.requests >= 1
        # One failure opens the breaker (FRONTDESK_CIRCUIT_FAILURES=1): published by host.
        endpoint = f"twilio {base.split('//', 1)[1]}"
        assert samples[("frontdesk_circuit_open", frozenset({("endpoint", endpoint)}))] == 1
        assert samples[("frontdesk_circuit_breakers",
                        frozenset({("provider", "twilio"), ("state", "open")}))] == 1
        assert ("frontdesk_deliveries_total", frozenset(
            {("channel", "sms"), ("provider", "twilio")})) not in samples  # none sent
        age = samples[("frontdesk_worker_heartbeat_age_seconds", frozenset())]
        assert 0 <= age <= Settings().worker_stale_s

        checked = _run_check(env)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert checked.stdout.startswith("healthy")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, log.read_text()
    # A worker that stopped cleanly took its heartbeat with it: the check now fails.
    checked = _run_check(env)
    assert checked.returncode == 1
    assert "no_worker" in checked.stdout
