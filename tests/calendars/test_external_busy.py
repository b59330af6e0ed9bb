"""External (CalDAV) busy time blocks availability and booking, against a real Radicale."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from caldav.collection import Calendar
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.calendars.base import CalendarProvider
from frontdesk.config import Settings
from frontdesk.security import encrypt
from frontdesk.services import calendar_providers
from frontdesk.services.external_busy import DEFAULT_EXTERNAL
from frontdesk.store.db import _sqlite_writer_lock, write_session
from frontdesk.store.models import CalendarConnection
from tests.conftest import Business, auth, next_weekday

from .conftest import RadicaleServer, start_radicale


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def add_busy(calendar: Calendar, start: datetime, end: datetime) -> None:
    calendar.save_event(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//owner app//EN\r\n"
        f"BEGIN:VEVENT\r\nUID:{uuid.uuid4()}\r\nDTSTAMP:20250101T000000Z\r\n"
        f"DTSTART:{_stamp(start)}\r\nDTEND:{_stamp(end)}\r\nSUMMARY:Dentist\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def connect(
    client: TestClient,
    biz: Business,
    server: RadicaleServer,
    calendar: Calendar,
    password: str | None = None,
) -> dict[str, object]:
    response = client.put(
        f"/api/v1/resources/{biz.ana.id}/calendar",
        headers=auth(biz),
        json={
            "provider": "caldav",
            "url": server.url,
            "username": server.username,
            "password": server.password if password is None else password,
            "calendar": str(calendar.url),
        },
    )
    return {"status": response.status_code, "json": response.json()}


def ana_starts(client: TestClient, biz: Business, day: object) -> set[datetime]:
    body = client.get(
        "/api/v1/availability",
        headers=auth(biz),
        params={
            "service": str(biz.haircut.id),
            "from": str(day),
            "to": str(day),
            "resource": str(biz.ana.id),
        },
    ).json()
    return {datetime.fromisoformat(s["start"]) for s in body["slots"]}


def book_ana(client: TestClient, biz: Business, start: datetime) -> dict[str, object]:
    response = client.post(
        "/api/v1/appointments",
        headers=auth(biz),
        json={
            "service_id": str(biz.haircut.id),
            "start": start.isoformat(),
            "resource_id": str(biz.ana.id),
        },
    )
    return {"status": response.status_code, "json": response.json()}


def test_external_busy_is_not_offered_nor_bookable(
    app_client: TestClient, biz: Business, radicale: RadicaleServer, owner_calendar: Calendar
) -> None:
    day = next_weekday(biz.tz, 1)
    created = connect(app_client, biz, radicale, owner_calendar)
    assert created["status"] == 200, created
    shown = app_client.get(f"/api/v1/resources/{biz.ana.id}/calendar", headers=auth(biz)).json()
    assert shown["status"] == "ok" and "password" not in shown and "secret" not in shown

    assert biz.at(day, 10) in ana_starts(app_client, biz, day)  # cached as free now
    add_busy(owner_calendar, biz.at(day, 10), biz.at(day, 11))
    # The search may still show it for up to the TTL; the booking asks afresh.
    refused = book_ana(app_client, biz, biz.at(day, 10, 15))
    assert refused["status"] == 409 and refused["json"]["code"] == "slot_taken"  # type: ignore[index]

    DEFAULT_EXTERNAL.clear()
    starts = ana_starts(app_client, biz, day)
    assert biz.at(day, 9) in starts and biz.at(day, 14) in starts
    assert not {biz.at(day, 10), biz.at(day, 10, 15), biz.at(day, 10, 30)} & starts
    assert book_ana(app_client, biz, biz.at(day, 14))["status"] == 201


def test_stopped_calendar_uses_last_known_busy_time(
    app_client: TestClient, biz: Business, tmp_path: Path
) -> None:
    day = next_weekday(biz.tz, 2)
    server = start_radicale(tmp_path)
    try:
        calendar = server.client().principal().make_calendar(name="Soon gone")
        add_busy(calendar, biz.at(day, 10), biz.at(day, 11))
        assert connect(app_client, biz, server, calendar)["status"] == 200
        assert biz.at(day, 10) not in ana_starts(app_client, biz, day)
    finally:
        server.stop()

    DEFAULT_EXTERNAL.ttl_s = 0.0  # force a re-read: the server is down
    try:
        starts = ana_starts(app_client, biz, day)
        assert biz.at(day, 9) in starts and biz.at(day, 10) not in starts
        refused = book_ana(app_client, biz, biz.at(day, 10))
        assert refused["status"] == 409 and refused["json"]["code"] == "slot_taken"  # type: ignore[index]
        assert book_ana(app_client, biz, biz.at(day, 14))["status"] == 201
    finally:
        DEFAULT_EXTERNAL.ttl_s = None

    # Without last known blocks, a calendar that cannot be read is busy, never free.
    DEFAULT_EXTERNAL.clear()
    assert ana_starts(app_client, biz, day) == set()
    shown = app_client.get(f"/api/v1/resources/{biz.ana.id}/calendar", headers=auth(biz)).json()
    assert shown["last_error"]


def test_wrong_password_is_refused(
    app_client: TestClient, biz: Business, radicale: RadicaleServer, owner_calendar: Calendar
) -> None:
    refused = connect(app_client, biz, radicale, owner_calendar, password="not it")
    assert refused["status"] == 422
    assert "password" in str(refused["json"]["detail"])  # type: ignore[index]
    missing = app_client.get(f"/api/v1/resources/{biz.ana.id}/calendar", headers=auth(biz))
    assert missing.status_code == 404


def test_password_that_later_fails_breaks_the_connection(
    app_client: TestClient,
    calendar_settings: Settings,
    biz: Business,
    radicale: RadicaleServer,
    owner_calendar: Calendar,
    factory: sessionmaker[Session],
) -> None:
    day = next_weekday(biz.tz, 3)
    assert connect(app_client, biz, radicale, owner_calendar)["status"] == 200
    with write_session(factory) as session:
        changed = encrypt("changed since", calendar_settings)
        session.execute(update(CalendarConnection).values(secret=changed))
    assert ana_starts(app_client, biz, day) == set()
    shown = app_client.get(f"/api/v1/resources/{biz.ana.id}/calendar", headers=auth(biz)).json()
    assert shown["status"] == "broken" and shown["last_error"]
    assert book_ana(app_client, biz, biz.at(day, 10))["status"] == 409

    assert (
        app_client.delete(f"/api/v1/resources/{biz.ana.id}/calendar", headers=auth(biz)).status_code
        == 204
    )
    assert biz.at(day, 10) in ana_starts(app_client, biz, day)


def test_no_calendar_is_read_while_the_write_lock_is_held(
    app_client: TestClient,
    biz: Business,
    radicale: RadicaleServer,
    owner_calendar: Calendar,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Booking and rescheduling read connected calendars *before* taking the write lock,
    so a slow calendar never holds up other bookings (SQLite's in-process writer lock)."""
    if engine.dialect.name != "sqlite":
        pytest.skip("the in-process writer lock exists on SQLite only")
    lock = _sqlite_writer_lock(engine)
    assert lock is not None
    reads: list[bool] = []
    real_factory = DEFAULT_EXTERNAL.provider_factory

    def watched(connection: CalendarConnection, timezone: str, saver: object) -> object:
        provider = real_factory(connection, timezone, saver)  # type: ignore[arg-type]
        real_busy = provider.busy

        def busy(start: datetime, end: datetime) -> object:
            reads.append(lock.locked())
            return real_busy(start, end)

        provider.busy = busy  # type: ignore[method-assign]
        return provider

    monkeypatch.setattr(DEFAULT_EXTERNAL, "provider_factory", watched)
    later = [0.0]  # seconds added to the cache's clock
    real_clock = DEFAULT_EXTERNAL.clock
    monkeypatch.setattr(DEFAULT_EXTERNAL, "clock", lambda: real_clock() + later[0])
    day = next_weekday(biz.tz, 1)
    assert connect(app_client, biz, radicale, owner_calendar)["status"] == 200
    # A caller searches, then takes a while to say yes: the search's read is still
    # within the TTL for searches but too old for a booking.
    assert biz.at(day, 10) in ana_starts(app_client, biz, day)
    later[0] += 30
    reads.clear()
    booked = book_ana(app_client, biz, biz.at(day, 10))
    assert booked["status"] == 201, booked
    assert reads == [False]  # one read, before the write lock
    later[0] += 30
    reads.clear()
    moved = app_client.post(
        f"/api/v1/appointments/{booked['json']['id']}/reschedule",  # type: ignore[index]
        headers=auth(biz),
        json={"start": biz.at(day, 15).isoformat()},
    )
    assert moved.status_code == 200, moved.json()
    assert reads == [False]


def test_one_caldav_client_per_connection_is_reused(
    app_client: TestClient,
    calendar_settings: Settings,
    biz: Business,
    radicale: RadicaleServer,
    owner_calendar: Calendar,
) -> None:
    """Cold reads reuse the connection's client: no new principal/calendar discovery (three
    PROPFINDs) and no new HTTP connection per read; a new password gets a new client."""
    built: list[str] = []
    real = calendar_providers.caldav_provider

    def counting(connection: CalendarConnection, timezone: str) -> CalendarProvider:
        built.append(connection.username)
        return real(connection, timezone)

    calendar_providers.configure(calendar_settings, caldav=counting)  # the app's, counted
    day = next_weekday(biz.tz, 1)
    assert connect(app_client, biz, radicale, owner_calendar)["status"] == 200
    for _ in range(3):
        DEFAULT_EXTERNAL.clear()
        assert biz.at(day, 10) in ana_starts(app_client, biz, day)
    add_busy(owner_calendar, biz.at(day, 10), biz.at(day, 11))
    assert book_ana(app_client, biz, biz.at(day, 10))["status"] == 409  # still read afresh
    assert built == [radicale.username]
    # Listing calendars is for Google and Microsoft accounts: a clear 422, not a crash.
    listed = app_client.get(f"/api/v1/resources/{biz.ana.id}/calendar/calendars",
                            headers=auth(biz))
    assert listed.status_code == 422 and "CalDAV" in listed.json()["detail"]
    # Connecting again (new credentials) replaces the client.
    assert connect(app_client, biz, radicale, owner_calendar)["status"] == 200
    DEFAULT_EXTERNAL.clear()
    ana_starts(app_client, biz, day)
    assert built == [radicale.username, radicale.username]


def test_caldav_checks_other_calendars_of_the_account_for_conflicts(
    app_client: TestClient, biz: Business, radicale: RadicaleServer, owner_calendar: Calendar
) -> None:
    personal = radicale.client().principal().make_calendar(name=f"Personal {uuid.uuid4().hex[:6]}")
    day = next_weekday(biz.tz, 3)
    add_busy(personal, biz.at(day, 14), biz.at(day, 15))
    base = {
        "provider": "caldav", "url": radicale.url, "username": radicale.username,
        "password": radicale.password, "calendar": str(owner_calendar.url),
    }
    path = f"/api/v1/resources/{biz.ana.id}/calendar"
    bad = app_client.put(path, headers=auth(biz),
                         json={**base, "check_calendars": ["No such calendar"]})
    assert bad.status_code == 422 and bad.json()["field"] == "check_calendars"
    made = app_client.put(path, headers=auth(biz),
                          json={**base, "check_calendars": [str(personal.url)]})
    assert made.status_code == 200, made.json()
    assert made.json()["check_calendars"] == [str(personal.url)]
    starts = ana_starts(app_client, biz, day)
    assert biz.at(day, 14) not in starts and biz.at(day, 13) in starts
    # PATCH works for CalDAV too, with the stored credentials.
    cleared = app_client.patch(path, headers=auth(biz), json={"check_calendars": []})
    assert cleared.status_code == 200 and cleared.json()["check_calendars"] == []
    assert biz.at(day, 14) in ana_starts(app_client, biz, day)


def test_a_calendar_that_just_failed_is_not_waited_on_again(
    app_client: TestClient, biz: Business, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A calendar that is down (or timing out) is asked once, then left alone for a
    while: searches and bookings answer from the last known blocks without waiting."""
    day = next_weekday(biz.tz, 2)
    server = start_radicale(tmp_path)
    try:
        calendar = server.client().principal().make_calendar(name="Flaky")
        add_busy(calendar, biz.at(day, 10), biz.at(day, 11))
        assert connect(app_client, biz, server, calendar)["status"] == 200
        assert biz.at(day, 10) not in ana_starts(app_client, biz, day)
    finally:
        server.stop()

    asked: list[str] = []
    real_factory = DEFAULT_EXTERNAL.provider_factory

    def counting(connection: CalendarConnection, timezone: str, saver: object) -> object:
        asked.append(connection.calendar)
        return real_factory(connection, timezone, saver)  # type: ignore[arg-type]

    later = [0.0]
    real_clock = DEFAULT_EXTERNAL.clock
    monkeypatch.setattr(DEFAULT_EXTERNAL, "provider_factory", counting)
    monkeypatch.setattr(DEFAULT_EXTERNAL, "clock", lambda: real_clock() + later[0])
    later[0] += 61  # past the search TTL: the next search asks the (stopped) server
    assert biz.at(day, 10) not in ana_starts(app_client, biz, day)
    assert len(asked) == 1
    for _ in range(3):
        starts = ana_starts(app_client, biz, day)
        assert biz.at(day, 10) not in starts and biz.at(day, 9) in starts
    assert book_ana(app_client, biz, biz.at(day, 10))["status"] == 409
    assert book_ana(app_client, biz, biz.at(day, 14))["status"] == 201
    assert len(asked) == 1  # nobody waited on it again
    later[0] += 25  # the pause is over: asked again
    ana_starts(app_client, biz, day)
    assert len(asked) == 2


def test_a_url_that_is_not_a_caldav_address_is_refused_at_once(
    app_client: TestClient, biz: Business
) -> None:
    for url in ("caldav.example.com", "ftp://files.example.com/", "http://"):
        answer = app_client.put(f"/api/v1/resources/{biz.ana.id}/calendar", headers=auth(biz),
                                json={"provider": "caldav", "url": url, "username": "u",
                                      "password": "p", "calendar": "c"})
        assert answer.status_code == 422 and answer.json()["field"] == "url", answer.json()
    assert app_client.get(f"/api/v1/resources/{biz.ana.id}/calendar",
                          headers=auth(biz)).status_code == 404
