"""GET /ready: 200 when this process can do its work; 503 problem+json with Retry-After
and a reason code for each way it cannot."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.delivery.heartbeat import Heartbeat
from frontdesk.services.operations import beat, newest_beat_age_s
from frontdesk.store import migrate
from frontdesk.store.db import make_session_factory
from tests.conftest import serving, with_settings


def _not_ready(response: httpx.Response, reason: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["Retry-After"]) >= 1
    assert response.json()["code"] == reason, response.json()


@pytest.fixture
def apart(client: TestClient) -> TestClient:
    """A server that leaves the background work to `frontdesk worker` processes."""
    with_settings(client.app, outbox_worker=False, worker_stale_s=30)  # type: ignore[arg-type]
    return client


def test_ready_when_the_database_answers_at_head(client: TestClient) -> None:
    response = client.get("/ready")
    assert response.status_code == 200 and response.json() == {"status": "ready"}


def test_no_worker_has_reported_in(apart: TestClient) -> None:
    _not_ready(apart.get("/ready"), "no_worker")


def test_a_fresh_heartbeat_makes_it_ready_and_a_stale_one_does_not(
        apart: TestClient, engine: Engine) -> None:
    factory = make_session_factory(engine)
    beat(factory, "old-host:1", datetime.now(UTC) - timedelta(minutes=5))
    _not_ready(apart.get("/ready"), "worker_stale")
    heartbeat = Heartbeat(factory, interval_s=60, name="host:2")
    heartbeat.start()  # beats at once
    try:
        assert apart.get("/ready").status_code == 200
    finally:
        heartbeat.stop()  # a clean stop takes its row with it: the old one is left
    _not_ready(apart.get("/ready"), "worker_stale")
    age = newest_beat_age_s(factory)
    assert age is not None and age >= 5 * 60


def test_an_embedded_worker_that_stopped(client: TestClient) -> None:
    class Stopped:
        def alive(self) -> bool:
            return False

    client.app.state.background = Stopped()  # type: ignore[attr-defined]
    _not_ready(client.get("/ready"), "worker_stopped")


def test_migrations_pending(sqlite_engine: Engine) -> None:
    app = create_app(Settings(environment="test", llm_base_url=""), engine=sqlite_engine)
    with TestClient(app) as client:
        assert client.get("/ready").status_code == 200
        command.downgrade(migrate.alembic_config(sqlite_engine), "0019")
        response = client.get("/ready")
        _not_ready(response, "migrations_pending")
        assert "0019" in response.json()["detail"]
        assert client.get("/health").status_code == 200  # alive all the same


@pytest.fixture
def unreachable_postgres() -> Iterator[str]:
    if not os.environ.get("FRONTDESK_TEST_POSTGRES_URL"):
        pytest.skip("FRONTDESK_TEST_POSTGRES_URL is not set")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/frontdesk"


@pytest.mark.postgres
def test_a_database_that_does_not_answer(unreachable_postgres: str) -> None:
    app = create_app(Settings(environment="test", llm_base_url="",
                              database_url=unreachable_postgres))
    with serving(app) as base, httpx.Client(base_url=base) as http:
        _not_ready(http.get("/ready"), "database_unavailable")
        assert http.get("/metrics").status_code == 200  # says so: frontdesk_database_up 0
        assert "frontdesk_database_up 0.0" in http.get("/metrics").text
