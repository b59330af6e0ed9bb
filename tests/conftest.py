"""Shared fixtures: real databases (SQLite files, and PostgreSQL when configured).

PostgreSQL tests need ``FRONTDESK_TEST_POSTGRES_URL`` (``.ci/run`` points it at the local
server); each test run creates its own database there and drops it afterwards, so
nothing else on that server is touched.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time as time_module
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from frontdesk import circuit
from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.services.catalog import (
    HoursRange,
    ResourceFields,
    ServiceFields,
    save_resource,
    save_service,
)
from frontdesk.services.tenants import TenantFields, create_api_key, create_tenant
from frontdesk.store import migrate
from frontdesk.store.db import make_engine, make_session_factory, write_session
from frontdesk.store.models import Base, Resource, Service, Tenant
from tests.conversation.standin_openai import StandIn

POSTGRES_ENV = "FRONTDESK_TEST_POSTGRES_URL"
POSTGRES_SKIP = (
    f"{POSTGRES_ENV} is not set: set it to a PostgreSQL URL (e.g. "
    "postgresql+psycopg://postgres@127.0.0.1:5432/test) to run the PostgreSQL tests; "
    ".ci/run does"
)


REDIS_ENV = "FRONTDESK_TEST_REDIS_URL"
REDIS_SKIP = (
    f"{REDIS_ENV} is not set: set it to a Redis URL (e.g. redis://127.0.0.1:6379/0) to run "
    "the tests of limits shared through Redis; .ci/run does"
)


@pytest.fixture(autouse=True)
def fresh_breakers() -> Iterator[None]:
    """Every test starts with closed circuit breakers (they are per process, and one
    test's provider outage must not leave another's endpoint open)."""
    circuit.configure(circuit.Policy())
    yield


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A Redis server for shared rate limits; a configured but unreachable one fails."""
    url = os.environ.get(REDIS_ENV)
    if not url:
        pytest.skip(REDIS_SKIP)
    import redis

    try:
        redis.Redis.from_url(url, socket_timeout=5).ping()
    except redis.RedisError as exc:
        pytest.fail(f"cannot reach {REDIS_ENV}={url}: {exc}")
    return url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating per test is slow)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def sqlite_engine(sqlite_template: Path, tmp_path: Path) -> Iterator[Engine]:
    path = tmp_path / "frontdesk.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(POSTGRES_SKIP)
    url = make_url(base)
    name = f"frontdesk_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # a configured but unreachable server is a failure, not a skip
        pytest.fail(f"cannot create a test database on {POSTGRES_ENV}={base}: {exc}")
    test_url = url.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(test_url)
    migrate.upgrade(engine)
    engine.dispose()
    yield test_url
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def postgres_engine(postgres_server_url: str) -> Iterator[Engine]:
    engine = make_engine(postgres_server_url)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} CASCADE"))
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> Engine:
    """Each test using this runs on SQLite and on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_engine")  # type: ignore[no-any-return]


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@dataclass
class Business:
    tenant: Tenant
    api_key: str
    haircut: Service
    coloring: Service
    ana: Resource
    marco: Resource

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.tenant.timezone)

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        """A wall-clock time in the business's zone."""
        return datetime.combine(day, time(hour, minute), tzinfo=self.tz)


def next_weekday(tz: ZoneInfo, weekday: int, weeks_ahead: int = 1) -> date:
    """The date of ``weekday`` (0=Monday) at least ``weeks_ahead`` weeks from today."""
    today = datetime.now(tz).date() + timedelta(days=7 * weeks_ahead)
    return today + timedelta(days=(weekday - today.weekday()) % 7)


@pytest.fixture
def make_business(factory: sessionmaker[Session]) -> Callable[..., Business]:
    """Build a business: two services, two staff working Mon-Fri 09:00-17:00."""

    def build(slug: str = "salon", timezone: str = "America/New_York", **policy: int) -> Business:
        with write_session(factory) as session:
            policy.setdefault("min_notice_minutes", 0)
            tenant = create_tenant(
                session, slug, TenantFields(name=slug.title(), timezone=timezone, **policy)
            )
            _, key = create_api_key(session, tenant)
            haircut = save_service(
                session,
                tenant,
                ServiceFields(
                    name="Haircut",
                    duration_minutes=30,
                    buffer_after_minutes=10,
                    spoken_names={"en": ["haircut"], "es": ["corte"]},
                ),
            )
            coloring = save_service(
                session,
                tenant,
                ServiceFields(name="Coloring", duration_minutes=90, buffer_before_minutes=15),
            )
            week = [HoursRange(d, time(9), time(17)) for d in range(5)]
            ana = save_resource(
                session,
                tenant,
                ResourceFields(name="Ana", service_ids=[haircut.id, coloring.id], hours=week),
            )
            marco = save_resource(
                session, tenant, ResourceFields(name="Marco", service_ids=[haircut.id], hours=week)
            )
        return Business(tenant, key, haircut, coloring, ana, marco)

    return build


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    """The app on ``engine``, in process (no LLM, whatever the environment says)."""
    app = create_app(Settings(environment="test", llm_base_url=""), engine=engine)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def biz(make_business: Callable[..., Business]) -> Business:
    return make_business()


def with_settings(app: FastAPI, **update: object) -> Settings:
    """Give ``app``'s handlers changed settings, the way FastAPI means tests to: through
    the settings dependency (stacked on any earlier override), not by editing app state."""
    from frontdesk.web.deps import get_app_settings

    current = app.dependency_overrides.get(get_app_settings)
    base: Settings = current() if current is not None else app.state.settings
    changed = base.model_copy(update=update)
    app.dependency_overrides[get_app_settings] = lambda: changed
    return changed


def auth(business: Business) -> dict[str, str]:
    return {"Authorization": f"Bearer {business.api_key}"}


def free_port() -> int:
    """A loopback port free right now (for a server whose address must be known first)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(app: FastAPI, port: int | None = None) -> Iterator[str]:
    """Run ``app`` on a real uvicorn server on loopback (``port``, or a free one); yields
    its base URL."""
    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time_module.monotonic() + 20
    while not server.started:
        if time_module.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time_module.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


# --- an OpenAI-compatible LLM stand-in (real HTTP), for the LLM driver's tests ----------


@pytest.fixture(scope="module")
def standin_server() -> Iterator[StandIn]:
    """A scripted OpenAI-compatible server, one per test module."""
    server = StandIn().start()
    yield server
    server.stop()


@pytest.fixture
def standin(standin_server: StandIn) -> Iterator[StandIn]:
    """The stand-in with no script left over from an earlier test."""
    standin_server.reset()
    yield standin_server
    standin_server.reset()
