"""Two server processes on one PostgreSQL database answer as one would.

Each process has its own engine and its own caches (calendar cache, external busy
times, calendar clients, rate-limit counters without Redis). These tests start two
real processes (each an app on its own uvicorn server), write through one and read
through the other, in an order the test controls: what one process wrote, the other
must take into account at its very next request. Two apps in one Python process would
not do: they would share the module-level caches.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from multiprocessing.connection import Connection
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.app import create_app
from frontdesk.config import Settings
from tests.channels.conftest import answer_for, appointments, opening
from tests.conftest import Business, auth, next_weekday, serving

pytestmark = pytest.mark.postgres


def _server_process(database_url: str, conn: Connection) -> None:
    """One server process: the app on its own engine, served until the parent says stop."""
    settings = Settings(environment="test", llm_base_url="", database_url=database_url,
                        rate_limit_api_key="", rate_limit_ip="", rate_limit_phone="")
    with serving(create_app(settings)) as url:
        conn.send(url)
        conn.recv()


@pytest.fixture(scope="module")
def two_processes(postgres_server_url: str) -> Iterator[tuple[str, str]]:
    """The base URLs of two server processes on the test database."""
    spawn = multiprocessing.get_context("spawn")  # a fresh interpreter, no shared state
    started = []
    for _ in range(2):
        parent, child = spawn.Pipe()
        proc = spawn.Process(target=_server_process, args=(postgres_server_url, child))
        proc.start()
        started.append((proc, parent))
    try:
        urls = []
        for proc, parent in started:
            if not parent.poll(120):
                pytest.fail(f"server process {proc.pid} did not start")
            urls.append(parent.recv())
        yield urls[0], urls[1]
    finally:
        for proc, parent in started:
            if proc.is_alive():
                parent.send("stop")
            proc.join(timeout=20)
            if proc.is_alive():
                proc.kill()


@pytest.fixture
def engine(postgres_engine: Engine) -> Engine:
    """This module runs on PostgreSQL only (several processes need it)."""
    return postgres_engine


def _slots(url: str, biz: Business, day: date, service: str | None = None) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{url}/api/v1/availability", headers=auth(biz),
        params={"service": service or str(biz.haircut.id), "from": day.isoformat(),
                "to": day.isoformat()},
    )
    assert response.status_code == 200, response.text
    return response.json()["slots"]  # type: ignore[no-any-return]


def _pairs(slots: list[dict[str, Any]]) -> set[tuple[datetime, str]]:
    return {(datetime.fromisoformat(s["start"]), s["resource_id"]) for s in slots}


def _book(url: str, biz: Business, slot: dict[str, Any], key: str | None = None) -> httpx.Response:
    headers = {**auth(biz), **({"Idempotency-Key": key} if key else {})}
    return httpx.post(f"{url}/api/v1/appointments", headers=headers, timeout=60, json={
        "service_id": str(biz.haircut.id), "start": slot["start"],
        "resource_id": slot["resource_id"],
        "customer": {"phone": "+12125550142", "name": "Robin"},
    })


def test_a_booking_in_one_process_is_seen_by_the_others_next_search(
    two_processes: tuple[str, str], biz: Business
) -> None:
    a, b = two_processes
    day = next_weekday(biz.tz, 1)
    before = _slots(a, biz, day)  # A's cache now holds both calendars
    assert _slots(b, biz, day) == before
    taken = before[0]

    booked = _book(b, biz, taken)
    assert booked.status_code == 201, booked.text
    after = _slots(a, biz, day)
    assert (datetime.fromisoformat(taken["start"]), taken["resource_id"]) not in _pairs(after)
    assert after == _slots(b, biz, day)
    again = _book(a, biz, taken)
    assert again.status_code == 409 and again.json()["code"] == "slot_taken", again.text

    cancelled = httpx.post(f"{a}/api/v1/appointments/{booked.json()['id']}/cancel",
                           headers=auth(biz))
    assert cancelled.status_code == 200, cancelled.text
    assert _slots(b, biz, day) == before  # B cached the calendar with the booking in it


def test_catalog_changes_in_one_process_reach_the_other(
    two_processes: tuple[str, str], biz: Business
) -> None:
    a, b = two_processes
    day = next_weekday(biz.tz, 2)
    ana = str(biz.ana.id)
    assert any(s["resource_id"] == ana for s in _slots(a, biz, day))

    # Ana's hours become mornings only (changed through B).
    mornings = [{"weekday": d, "start": "09:00", "end": "12:00"} for d in range(5)]
    patched = httpx.patch(f"{b}/api/v1/resources/{ana}", headers=auth(biz),
                          json={"hours": mornings})
    assert patched.status_code == 200, patched.text
    anas = [datetime.fromisoformat(s["start"]) for s in _slots(a, biz, day)
            if s["resource_id"] == ana]
    assert anas and max(anas).hour < 12

    # Ana takes the day off (through B).
    off = httpx.post(f"{b}/api/v1/resources/{ana}/exceptions", headers=auth(biz),
                     json={"kind": "off", "start_date": day.isoformat()})
    assert off.status_code == 201, off.text
    assert all(s["resource_id"] != ana for s in _slots(a, biz, day))

    # The business moves to an hourly grid (through A); B's next search follows it.
    grid = httpx.patch(f"{a}/api/v1/tenant", headers=auth(biz),
                       json={"slot_interval_minutes": 60})
    assert grid.status_code == 200, grid.text
    starts = [datetime.fromisoformat(s["start"]) for s in _slots(b, biz, day)]
    assert starts and all(t.minute == 0 for t in starts)

    # The haircut gets longer (through B); A's slots end later.
    longer = httpx.patch(f"{b}/api/v1/services/{biz.haircut.id}", headers=auth(biz),
                         json={"duration_minutes": 45})
    assert longer.status_code == 200, longer.text
    for s in _slots(a, biz, day):
        start, end = datetime.fromisoformat(s["start"]), datetime.fromisoformat(s["end"])
        assert end - start == timedelta(minutes=45)


def _at_once(calls: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], httpx.Response]) -> httpx.Response:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def test_one_keyed_booking_sent_to_both_processes_at_once_books_once(
    two_processes: tuple[str, str], biz: Business, factory: sessionmaker[Session]
) -> None:
    a, b = two_processes
    slot = _slots(a, biz, next_weekday(biz.tz, 3))[0]
    answers = _at_once([
        (lambda url=url: _book(url, biz, slot, key="retry-me")) for url in [a, b] * 10
    ])
    assert sorted(r.status_code for r in answers) == [200] * 19 + [201], [
        (r.status_code, r.text) for r in answers]
    assert len({r.json()["id"] for r in answers}) == 1
    assert len(appointments(factory, biz)) == 1


def test_one_chat_message_sent_to_both_processes_at_once_is_acted_on_once(
    two_processes: tuple[str, str], biz: Business, factory: sessionmaker[Session]
) -> None:
    a, b = two_processes
    day = next_weekday(biz.tz, 2)
    session_id: str | None = None
    text = opening(day, "en")
    for turn in range(10):
        out = httpx.post(f"{(a, b)[turn % 2]}/api/v1/chat", headers=auth(biz), timeout=60,
                         json={"message": text, "session_id": session_id}).json()
        session_id = out["session_id"]
        if out["state"].get("awaiting") == "confirm":
            break
        text = answer_for(out["state"], day, "en")
    else:
        pytest.fail("the agent never asked to confirm")

    headers = {**auth(biz), "Idempotency-Key": "yes-once"}
    answers = _at_once([
        (lambda url=url: httpx.post(f"{url}/api/v1/chat", headers=headers, timeout=120,
                                    json={"message": "Yes", "session_id": session_id}))
        for url in [a, b] * 8
    ])
    assert {r.status_code for r in answers} == {200}, [r.text for r in answers]
    assert all(r.json() == answers[0].json() for r in answers)
    assert answers[0].json()["outcome"] == "booked"
    assert len(appointments(factory, biz)) == 1
