"""PostgreSQL away at start or mid-run: the app starts anyway, answers 503 (problem+json,
Retry-After), and comes back by itself when the server does, without a restart."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Callable, Iterator

import httpx
import pytest
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.services.tenants import TenantFields, create_api_key, create_tenant
from frontdesk.store.db import make_engine, make_session_factory, write_session
from tests.conftest import serving
from tests.standins.tcp_proxy import TcpProxy


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["Retry-After"]) >= 1
    assert response.json()["code"] == "database_unavailable"


def _assert_health_down(http: httpx.Client) -> None:
    health = http.get("/health")
    assert health.status_code == 503
    assert health.json()["database"] == "unavailable"


def _eventually(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 90
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"never happened: {what}")
        time.sleep(0.2)


def test_starts_without_its_database_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    url = f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/frontdesk"
    app = create_app(Settings(environment="test", llm_base_url="", database_url=url))
    with serving(app) as base, httpx.Client(base_url=base, timeout=30) as http:
        _assert_health_down(http)
        _assert_unavailable(http.get("/api/v1/services", headers={"Authorization": "Bearer x"}))
        _assert_unavailable(http.post("/webhooks/twilio/sms", content=b"From=%2B12125550123"))
        assert http.get("/openapi.json").status_code == 200  # the docs need no database
    start = [r for r in caplog.records if r.name == "frontdesk.web.database"]
    assert start and "database unreachable at start" in start[0].getMessage()
    assert all(r.exc_info is None for r in start)  # one line, not a traceback


@pytest.fixture
def empty_postgres_database() -> Iterator[str]:
    """A new, empty database on the test server: the schema must come from the app."""
    import os

    from tests.conftest import POSTGRES_ENV, POSTGRES_SKIP

    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(POSTGRES_SKIP)
    name = f"frontdesk_test_down_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield make_url(base).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.mark.postgres
def test_migrates_when_the_server_appears_and_rides_out_an_outage(
    empty_postgres_database: str,
) -> None:
    direct = make_url(empty_postgres_database)
    proxy = TcpProxy(direct.host or "127.0.0.1", direct.port or 5432)
    through_proxy = direct.set(host="127.0.0.1", port=proxy.port)
    engine = make_engine(through_proxy.render_as_string(hide_password=False))
    app = create_app(Settings(environment="test", llm_base_url=""), engine=engine)
    try:
        with serving(app) as base, httpx.Client(base_url=base, timeout=30) as http:
            _assert_health_down(http)
            _assert_unavailable(http.get("/api/v1/services"))

            proxy.start()  # the server appears: the schema is migrated in the background
            _eventually(lambda: http.get("/health").status_code == 200, "health answers 200")
            assert http.get("/health").json()["database"] == "postgresql"
            key = _tenant_with_key(empty_postgres_database)
            headers = {"Authorization": f"Bearer {key}"}
            assert http.get("/api/v1/services", headers=headers).status_code == 200

            proxy.stop()  # mid-run outage: every open connection drops
            _assert_unavailable(http.get("/api/v1/services", headers=headers))
            _assert_health_down(http)

            proxy.start()  # back, and no restart
            _eventually(
                lambda: http.get("/api/v1/services", headers=headers).status_code == 200,
                "the API answers again",
            )
    finally:
        proxy.stop()
        engine.dispose()


def _tenant_with_key(url: str) -> str:
    engine = make_engine(url)
    try:
        assert "tenants" in inspect(engine).get_table_names()
        with write_session(make_session_factory(engine)) as session:
            tenant = create_tenant(session, "back", TenantFields(name="Back", timezone="UTC"))
            _, key = create_api_key(session, tenant)
        return key
    finally:
        engine.dispose()
