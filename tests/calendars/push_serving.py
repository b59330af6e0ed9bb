"""Helpers of the calendar push tests: the app served on a real port known before it is
built (its public_base_url is where Google and Graph send notifications), searches over
HTTP, and the stored channels."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.store.models import CalendarConnection, CalendarPushChannel
from tests.conftest import Business, auth, serving
from tests.conftest import free_port as free_port  # the push tests' import

serve_on = serving  # the app on a port known before it is built

T = TypeVar("T")


def wait_for(probe: Callable[[], T], timeout_s: float = 15.0) -> T:
    """``probe()`` once it is truthy (a background thread's work landing)."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = probe()
        if found or time.monotonic() > deadline:
            assert found, "timed out waiting"
            return found
        time.sleep(0.05)


def starts(client: httpx.Client, biz: Business, day: object) -> set[datetime]:
    body = client.get("/api/v1/availability", headers=auth(biz), params={
        "service": str(biz.haircut.id), "from": str(day), "to": str(day),
        "resource": str(biz.ana.id)}).json()
    return {datetime.fromisoformat(s["start"]) for s in body["slots"]}


def connect(client: httpx.Client, biz: Business, provider: str) -> None:
    """Connect Ana's calendar through the consent flow, against the served app."""
    started = client.post(f"/api/v1/resources/{biz.ana.id}/calendar/connect/{provider}",
                          headers=auth(biz), json={})
    assert started.status_code == 200, started.text
    consent = httpx.get(started.json()["authorize_url"], follow_redirects=False)
    assert consent.status_code == 302, consent.text
    location = consent.headers["location"]
    assert parse_qs(urlsplit(location).query).get("code"), location
    callback = client.get(location, follow_redirects=False)
    assert callback.status_code == 200, callback.text


def channels(factory: sessionmaker[Session]) -> list[CalendarPushChannel]:
    with factory() as session:
        return list(session.scalars(select(CalendarPushChannel)
                                    .order_by(CalendarPushChannel.created_at)))


def generation(factory: sessionmaker[Session], biz: Business) -> int:
    with factory() as session:
        found = session.scalar(select(CalendarConnection.busy_generation).where(
            CalendarConnection.resource_id == biz.ana.id))
        assert found is not None
        return found
