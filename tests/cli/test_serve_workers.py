"""`frontdesk serve --workers N`: several server processes on PostgreSQL, refused on
SQLite; each process takes its share of the database's connections."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from frontdesk.app import engine_for, pool_share
from frontdesk.config import Settings
from tests.cli.test_cli import _env, _free_port
from tests.conftest import Business, auth, next_weekday


@pytest.mark.parametrize("workers", [1, 2, 3, 4, 8, 15, 16, 64])
def test_processes_together_stay_within_the_connection_budget(workers: int) -> None:
    kept, overflow = pool_share(Settings(workers=workers, database_connections=60))
    assert kept >= 2 and overflow >= 0
    assert workers * (kept + overflow) <= max(60, workers * 4)  # at least 4 each
    assert pool_share(Settings(workers=1)) == (20, 40)  # one process: as before


def test_each_process_engine_opens_only_its_share() -> None:
    settings = Settings(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none", workers=4)
    engine = engine_for(settings)  # no connection is made until one is needed
    try:
        assert (engine.pool.size(), engine.pool._max_overflow) == pool_share(settings) == (5, 10)  # type: ignore[attr-defined]
    finally:
        engine.dispose()


def test_each_process_builds_its_app_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from frontdesk.app import app_from_environment
    from frontdesk.config import get_settings

    database = tmp_path / "from-env.db"
    monkeypatch.setenv("FRONTDESK_DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("FRONTDESK_ENVIRONMENT", "test")
    monkeypatch.setenv("FRONTDESK_WORKERS", "3")
    get_settings.cache_clear()
    try:
        app = app_from_environment()
        assert app.state.settings.workers == 3
        assert app.state.engine.url.database == str(database)
        assert database.exists()  # migrated at start, as every process does
        app.state.engine.dispose()
    finally:
        get_settings.cache_clear()  # the next test reads its own environment


@pytest.mark.parametrize("extra", [[], ["--demo"]])
def test_several_processes_are_refused_on_sqlite(tmp_path: Path, extra: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "frontdesk", "serve", "--workers", "2", *extra],
        env=_env(tmp_path), capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "--workers 2 needs PostgreSQL" in done.stderr
    assert not list(tmp_path.glob("*.db"))  # refused before touching anything


def test_zero_workers_is_a_usage_error(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "frontdesk", "serve", "--workers", "0"],
        env=_env(tmp_path), capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 2 and "not a positive number" in done.stderr


@pytest.fixture
def engine(postgres_engine: Engine) -> Engine:
    return postgres_engine


CLIENTS = 24
PID = re.compile(r"^\[(\d+)\] .*\"(GET|POST) /api/v1/(availability|appointments)")


@pytest.mark.postgres
def test_two_server_processes_book_and_answer_consistently(
    tmp_path: Path, postgres_server_url: str, biz: Business
) -> None:
    port = _free_port()
    log = tmp_path / "serve.log"
    env = _env(tmp_path, FRONTDESK_DATABASE_URL=postgres_server_url,
               FRONTDESK_RATE_LIMIT_API_KEY="", FRONTDESK_RATE_LIMIT_IP="")
    with log.open("w") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "frontdesk", "serve", "--workers", "2", "--port", str(port)],
            env=env, stdout=sink, stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(base, server, log)
        day = next_weekday(biz.tz, 1)

        def search() -> list[tuple[datetime, str]]:
            with httpx.Client(base_url=base, timeout=60) as http:  # a new connection each
                response = http.get("/api/v1/availability", headers=auth(biz), params={
                    "service": str(biz.haircut.id), "from": day.isoformat(),
                    "to": day.isoformat()})
            assert response.status_code == 200, response.text
            return [(datetime.fromisoformat(s["start"]), s["resource_id"])
                    for s in response.json()["slots"]]

        first = _many(search)
        assert all(answer == first[0] for answer in first)  # both processes, warm caches
        start, resource = first[0][0]

        def book(i: int) -> httpx.Response:
            with httpx.Client(base_url=base, timeout=60) as http:
                return http.post("/api/v1/appointments", headers=auth(biz), json={
                    "service_id": str(biz.haircut.id), "start": start.isoformat(),
                    "resource_id": resource,
                    "customer": {"phone": f"+1212555{1000 + i:04d}", "name": f"C{i}"}})

        booked = _many(book)
        codes = sorted(r.status_code for r in booked)
        assert codes == [201] + [409] * (CLIENTS - 1), [r.text for r in booked]

        after = _many(search)
        assert all(answer == after[0] for answer in after)
        assert (start, resource) not in after[0]
        assert set(after[0]) < set(first[0])  # the booking (and its buffer) took slots
        # Any process's /metrics counts for both (multiprocess mode, ADR 0055).
        for _ in range(4):
            text = httpx.get(f"{base}/metrics", timeout=30).text
            assert 'frontdesk_bookings_total{channel="api"} 1.0' in text, text
            assert ('frontdesk_http_requests_total{method="POST",route="/api/v1/appointments",'
                    f'status="409"}} {CLIENTS - 1:.1f}') in text, text
            assert f'route="/api/v1/availability",status="200"}} {2 * CLIENTS:.1f}' in text
    finally:
        server.terminate()
        server.wait(timeout=30)
    served_by = {m.group(1) for line in log.read_text().splitlines() if (m := PID.match(line))}
    assert len(served_by) == 2, log.read_text()[-3000:]  # the work really was shared


def _many(call: Callable[..., Any]) -> list[Any]:
    """``call(i)`` from CLIENTS threads released together (each on a connection of its
    own, so the kernel hands them to both processes)."""
    barrier = threading.Barrier(CLIENTS)

    def one(i: int) -> Any:
        barrier.wait()
        return call(i) if call.__code__.co_argcount else call()

    with ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(one, range(CLIENTS)))


def _wait_for(base: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"serve --workers 2 exited: {log.read_text()}")
        ready = log.read_text().count("Application startup complete")
        try:
            if ready == 2 and httpx.get(f"{base}/health", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"serve --workers 2 did not start: {log.read_text()}")
