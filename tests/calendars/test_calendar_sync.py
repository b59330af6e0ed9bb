"""Appointments are written to resources' external calendars through the outbox, against
a real Radicale: a calendar that is down never blocks a booking, and the write is retried."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from caldav.collection import Calendar
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.calendars.base import event_uid
from frontdesk.config import Settings
from frontdesk.delivery.calendar_sender import CalendarSender
from frontdesk.delivery.providers import senders_from_settings
from frontdesk.delivery.worker import deliver_due
from frontdesk.store.db import write_session
from frontdesk.store.models import OutboxMessage, Tenant
from tests.conftest import Business, auth, next_weekday

from .conftest import RadicaleServer, start_radicale
from .test_external_busy import ana_starts, book_ana, connect


def calendar_rows(factory: sessionmaker[Session]) -> list[OutboxMessage]:
    with factory() as session:
        return list(
            session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.channel == "calendar")
                .order_by(OutboxMessage.created_at)
            )
        )


def our_events(calendar: Calendar, appointment_id: str) -> list[tuple[datetime, datetime]]:
    found = []
    for event in calendar.events():
        component = event.icalendar_component
        if str(component.get("UID")) == event_uid(appointment_id):
            found.append((component.decoded("DTSTART"), component.decoded("DTEND")))
    return found


def deliver(factory: sessionmaker[Session], now: datetime | None = None) -> None:
    deliver_due(factory, {"calendar": CalendarSender(factory)}, now=now)


def test_book_reschedule_cancel_write_through(
    app_client: TestClient,
    biz: Business,
    radicale: RadicaleServer,
    owner_calendar: Calendar,
    factory: sessionmaker[Session],
) -> None:
    day = next_weekday(biz.tz, 1)
    assert connect(app_client, biz, radicale, owner_calendar)["status"] == 200
    booked = book_ana(app_client, biz, biz.at(day, 10))
    assert booked["status"] == 201, booked
    appointment_id = str(booked["json"]["id"])  # type: ignore[index]

    rows = calendar_rows(factory)
    assert [(r.purpose, r.status) for r in rows] == [("calendar_upsert", "pending")]
    assert rows[0].payload["op"] == "upsert"
    assert rows[0].payload["start"] == biz.at(day, 10).astimezone(UTC).isoformat()
    assert "—" in rows[0].payload["summary"]

    deliver(factory)
    assert our_events(owner_calendar, appointment_id) == [(biz.at(day, 10), biz.at(day, 10, 30))]
    assert [r.status for r in calendar_rows(factory)] == ["sent"]

    moved = app_client.post(
        f"/api/v1/appointments/{appointment_id}/reschedule",
        headers=auth(biz),
        json={"start": biz.at(day, 14).isoformat()},
    )
    assert moved.status_code == 200, moved.json()
    deliver(factory)
    assert our_events(owner_calendar, appointment_id) == [(biz.at(day, 14), biz.at(day, 14, 30))]

    # Moved back to the first time: written again (not deduplicated away).
    back = app_client.post(
        f"/api/v1/appointments/{appointment_id}/reschedule",
        headers=auth(biz),
        json={"start": biz.at(day, 10).isoformat()},
    )
    assert back.status_code == 200, back.json()
    deliver(factory)
    assert our_events(owner_calendar, appointment_id) == [(biz.at(day, 10), biz.at(day, 10, 30))]

    cancelled = app_client.post(
        f"/api/v1/appointments/{appointment_id}/cancel", headers=auth(biz)
    )
    assert cancelled.status_code == 200, cancelled.json()
    deliver(factory)
    assert our_events(owner_calendar, appointment_id) == []
    rows = calendar_rows(factory)
    assert rows[-1].purpose == "calendar_delete" and rows[-1].status == "sent"
    assert all(r.status == "sent" for r in rows)


def test_calendar_down_booking_stands_and_write_is_retried(
    app_client: TestClient, biz: Business, tmp_path: Path, factory: sessionmaker[Session]
) -> None:
    day = next_weekday(biz.tz, 2)
    server = start_radicale(tmp_path)
    try:
        calendar = server.client().principal().make_calendar(name="Soon gone")
        assert connect(app_client, biz, server, calendar)["status"] == 200
        assert biz.at(day, 10) in ana_starts(app_client, biz, day)  # known free
    finally:
        server.stop()

    booked = book_ana(app_client, biz, biz.at(day, 10))
    assert booked["status"] == 201, booked
    now = datetime.now(UTC)
    deliver(factory, now=now)
    [row] = calendar_rows(factory)
    assert row.status == "pending" and row.attempts == 1 and row.last_error
    retry_at = row.next_attempt_at
    retry_at = retry_at if retry_at.tzinfo else retry_at.replace(tzinfo=UTC)
    assert retry_at > now
    deliver(factory, now=now)  # not due yet: left alone
    [row] = calendar_rows(factory)
    assert row.attempts == 1


def test_rejected_credentials_break_the_connection(
    app_client: TestClient,
    calendar_settings: Settings,
    biz: Business,
    radicale: RadicaleServer,
    owner_calendar: Calendar,
    factory: sessionmaker[Session],
) -> None:
    from frontdesk.security import encrypt
    from frontdesk.store.models import CalendarConnection

    day = next_weekday(biz.tz, 3)
    assert connect(app_client, biz, radicale, owner_calendar)["status"] == 200
    assert book_ana(app_client, biz, biz.at(day, 10))["status"] == 201
    with write_session(factory) as session:
        changed = encrypt("changed since", calendar_settings)
        session.execute(update(CalendarConnection).values(secret=changed))
    deliver(factory)
    [row] = calendar_rows(factory)
    assert row.status == "failed" and row.last_error
    shown = app_client.get(f"/api/v1/resources/{biz.ana.id}/calendar", headers=auth(biz)).json()
    assert shown["status"] == "broken" and shown["last_error"]


def test_missing_connection_fails_for_good(factory: sessionmaker[Session], biz: Business) -> None:
    from frontdesk.senders.base import OutgoingMessage, PermanentSendError

    sender = CalendarSender(factory)
    with pytest.raises(PermanentSendError):
        sender.send(
            OutgoingMessage(
                id="x",
                channel="calendar",
                recipient=str(uuid.uuid4()),
                payload={"op": "delete", "appointment_id": str(uuid.uuid4())},
            )
        )


def test_medical_persona_names_no_patient(
    app_client: TestClient,
    biz: Business,
    radicale: RadicaleServer,
    owner_calendar: Calendar,
    factory: sessionmaker[Session],
) -> None:
    with write_session(factory) as session:
        session.execute(update(Tenant).values(persona="medical"))
    assert connect(app_client, biz, radicale, owner_calendar)["status"] == 200
    day = next_weekday(biz.tz, 4)
    assert book_ana(app_client, biz, biz.at(day, 10))["status"] == 201
    [row] = calendar_rows(factory)
    assert row.payload["summary"].endswith("— booked")


def test_resource_without_calendar_writes_nothing(
    app_client: TestClient, biz: Business, factory: sessionmaker[Session]
) -> None:
    day = next_weekday(biz.tz, 1)
    booked = book_ana(app_client, biz, biz.at(day, 10))
    assert booked["status"] == 201
    appointment_id = booked["json"]["id"]  # type: ignore[index]
    app_client.post(f"/api/v1/appointments/{appointment_id}/cancel", headers=auth(biz))
    assert calendar_rows(factory) == []


def test_senders_from_settings_keeps_its_signature(factory: sessionmaker[Session]) -> None:
    settings = Settings(environment="test", llm_base_url="")
    assert "calendar" not in senders_from_settings(settings)
    assert isinstance(senders_from_settings(settings, factory)["calendar"], CalendarSender)
