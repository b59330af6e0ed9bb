"""The per-resource iCalendar feed: a secret URL a calendar app subscribes to."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC

from fastapi.testclient import TestClient
from icalendar import Calendar
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.services.booking import BookingRequest, book, cancel
from frontdesk.services.customers import CustomerFields
from tests.conftest import Business, auth, next_weekday


def _events(text: str) -> list[object]:
    return [c for c in Calendar.from_ical(text).walk("VEVENT")]


def test_feed_lists_the_resources_bookings_and_rotates(
    client: TestClient, biz: Business, factory: sessionmaker[Session]
) -> None:
    day = next_weekday(biz.tz, 1)
    kept = book(
        factory,
        biz.tenant,
        BookingRequest(
            biz.haircut.id,
            biz.at(day, 10),
            biz.ana.id,
            customer=CustomerFields(phone="+12125550123", name="Jordan Lee"),
        ),
    ).appointment
    dropped = book(
        factory, biz.tenant, BookingRequest(biz.haircut.id, biz.at(day, 14), biz.ana.id)
    ).appointment
    book(factory, biz.tenant, BookingRequest(biz.haircut.id, biz.at(day, 10), biz.marco.id))
    cancel(factory, biz.tenant, dropped.id)

    created = client.post(f"/api/v1/resources/{biz.ana.id}/feed", headers=auth(biz))
    assert created.status_code == 200
    url = created.json()["url"]
    assert url.endswith(".ics") and "/calendars/" in url
    feed = client.get(url)  # no API key: the secret URL is the credential
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    events = _events(feed.text)
    assert [str(e["uid"]) for e in events] == [f"{kept.id}@frontdesk"]  # not Marco's, not cancelled
    assert events[0].decoded("dtstart") == biz.at(day, 10).astimezone(UTC)
    assert "Jordan Lee" in str(events[0]["summary"])

    rotated = client.post(f"/api/v1/resources/{biz.ana.id}/feed", headers=auth(biz)).json()["url"]
    assert rotated != url
    assert client.get(url).status_code == 404
    assert client.get(rotated).status_code == 200
    assert (
        client.delete(f"/api/v1/resources/{biz.ana.id}/feed", headers=auth(biz)).status_code == 204
    )
    assert client.get(rotated).status_code == 404


def test_feeds_are_tenant_scoped_and_private_for_clinics(
    client: TestClient, make_business: Callable[..., Business], factory: sessionmaker[Session]
) -> None:
    clinic, other = make_business("clinic"), make_business("other")
    assert (
        client.post(f"/api/v1/resources/{clinic.ana.id}/feed", headers=auth(other)).status_code
        == 404
    )
    client.patch("/api/v1/tenant", headers=auth(clinic), json={"persona": "medical"})
    book(
        factory,
        clinic.tenant,
        BookingRequest(
            clinic.haircut.id,
            clinic.at(next_weekday(clinic.tz, 2), 11),
            clinic.ana.id,
            customer=CustomerFields(phone="+12125550188", name="Patient Zero"),
        ),
    )
    url = client.post(f"/api/v1/resources/{clinic.ana.id}/feed", headers=auth(clinic)).json()["url"]
    text = client.get(url).text
    assert len(_events(text)) == 1 and "Patient Zero" not in text
    assert client.get("/calendars/not-a-token.ics").status_code == 404
