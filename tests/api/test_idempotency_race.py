"""50 HTTP clients send the SAME request at once against a real uvicorn server.

A client that retries (a timeout, a flaky network) can have several copies of one
request in flight. Each copy must get the answer the request got: one booking, one
move, one cancellation — never a ``slot_taken`` for the client's own booking.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.store.models import OutboxMessage
from tests.conftest import Business, auth, next_weekday, serving

CLIENTS = 50


@pytest.fixture
def live_server(engine: Engine) -> Iterator[str]:
    with serving(create_app(Settings(environment="test", llm_base_url=""), engine=engine)) as url:
        yield url


Answer = tuple[int, dict[str, Any]]


def _all_at_once(url: str, send: Callable[[httpx.Client, int], httpx.Response]) -> list[Answer]:
    """``send`` from CLIENTS threads, released together; each answer's status and body."""
    barrier = threading.Barrier(CLIENTS)

    def one(i: int) -> Answer:
        with httpx.Client(base_url=url, timeout=120) as http:
            barrier.wait()
            response = send(http, i)
            return response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        return list(pool.map(one, range(CLIENTS)))


def _book(url: str, biz: Business, body: dict[str, Any], key: str) -> dict[str, Any]:
    with httpx.Client(base_url=url) as http:
        response = http.post(
            "/api/v1/appointments", json=body, headers={**auth(biz), "Idempotency-Key": key}
        )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def _outbox(factory: sessionmaker[Session], biz: Business) -> list[OutboxMessage]:
    with factory() as session:
        return list(
            session.scalars(select(OutboxMessage).where(OutboxMessage.tenant_id == biz.tenant.id))
        )


def test_fifty_copies_of_one_keyed_booking_all_get_it(
    live_server: str, make_business: Callable[..., Business]
) -> None:
    biz = make_business()
    start = biz.at(next_weekday(biz.tz, 1), 10).isoformat()
    body = {
        "service_id": str(biz.haircut.id),
        "start": start,
        "resource_id": str(biz.ana.id),
        "customer": {"name": "Dana", "phone": "+12125550111"},
    }
    headers = {**auth(biz), "Idempotency-Key": "one-booking"}
    answers = _all_at_once(
        live_server, lambda http, _: http.post("/api/v1/appointments", json=body, headers=headers)
    )

    # The first answer is 201; every copy is a replay of it (200, as ADR 0005 promises).
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] * (CLIENTS - 1) + [201], answers
    assert all(answer == answers[0][1] for _, answer in answers), answers
    with httpx.Client(base_url=live_server) as http:
        listed = http.get("/api/v1/appointments", headers=auth(biz)).json()
    assert [a["id"] for a in listed] == [answers[0][1]["id"]]


def test_copies_of_a_key_reused_for_another_booking_are_refused(
    live_server: str, make_business: Callable[..., Business]
) -> None:
    """Half the clients reuse the key for another time: the key books once, and whichever
    body did not win is told the key was reused — not that its slot was taken."""
    biz = make_business()
    day = next_weekday(biz.tz, 1)
    bodies = [
        {"service_id": str(biz.haircut.id), "start": biz.at(day, hour).isoformat(),
         "resource_id": str(biz.ana.id)}
        for hour in (10, 11)
    ]
    headers = {**auth(biz), "Idempotency-Key": "shared"}
    answers = _all_at_once(
        live_server,
        lambda http, i: http.post("/api/v1/appointments", json=bodies[i % 2], headers=headers),
    )

    with httpx.Client(base_url=live_server) as http:
        listed = http.get("/api/v1/appointments", headers=auth(biz)).json()
    assert len(listed) == 1
    won = bodies.index(next(b for b in bodies if b["start"] == listed[0]["start"]))
    for i, (status, answer) in enumerate(answers):
        if i % 2 == won:
            assert status in (200, 201) and answer["id"] == listed[0]["id"], answers
        else:
            assert (status, answer["code"]) == (422, "idempotency_key_reused"), answers


def test_fifty_copies_of_one_reschedule_move_it_once(
    live_server: str, make_business: Callable[..., Business], factory: sessionmaker[Session]
) -> None:
    biz = make_business()
    day = next_weekday(biz.tz, 1)
    booked = _book(
        live_server,
        biz,
        {"service_id": str(biz.haircut.id), "start": biz.at(day, 10).isoformat(),
         "resource_id": str(biz.ana.id), "customer": {"name": "Dana", "phone": "+12125550111"}},
        "first",
    )
    to = biz.at(day, 14).isoformat()
    answers = _all_at_once(
        live_server,
        lambda http, _: http.post(
            f"/api/v1/appointments/{booked['id']}/reschedule", json={"start": to},
            headers=auth(biz),
        ),
    )

    assert [status for status, _ in answers] == [200] * CLIENTS, answers
    assert all(answer == answers[0][1] for _, answer in answers), answers
    assert answers[0][1]["start"] == to
    # One change: one "moved" text, and the reminders for the new time still pending
    # (a second move to the same time used to withdraw them and enqueue nothing).
    outbox = _outbox(factory, biz)
    assert [m.purpose for m in outbox].count("rescheduled") == 1
    pending = [m for m in outbox if m.purpose == "reminder" and m.status == "pending"]
    assert len(pending) == 2, [(m.dedupe_key, m.status) for m in outbox]

def test_fifty_copies_of_one_cancel_cancel_it_once(
    live_server: str, make_business: Callable[..., Business], factory: sessionmaker[Session]
) -> None:
    biz = make_business()
    booked = _book(
        live_server,
        biz,
        {"service_id": str(biz.haircut.id),
         "start": biz.at(next_weekday(biz.tz, 1), 10).isoformat(),
         "customer": {"name": "Dana", "phone": "+12125550111"}},
        "first",
    )
    answers = _all_at_once(
        live_server,
        lambda http, _: http.post(
            f"/api/v1/appointments/{booked['id']}/cancel", headers=auth(biz)
        ),
    )

    assert [status for status, _ in answers] == [200] * CLIENTS, answers
    # The same answer for all: one cancellation, stamped once.
    assert all(answer == answers[0][1] for _, answer in answers), answers
    assert answers[0][1]["status"] == "cancelled"
    assert [m.purpose for m in _outbox(factory, biz)].count("cancellation") == 1
