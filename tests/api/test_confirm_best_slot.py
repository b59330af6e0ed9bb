"""POST /api/v1/meeting-requests/{id}/confirm-best-slot: the slot that suits the most
participants, booked once, everyone told (issue 12). Cases small enough to check by hand.
"""

from __future__ import annotations

from datetime import date, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.store.models import Appointment, OutboxMessage
from tests.api.conftest import auth
from tests.conftest import Business, next_weekday

BASE = "/api/v1/meeting-requests"


def _meeting(client: TestClient, biz: Business, day: date, *, wanted: int = 1) -> str:
    """A 30-minute haircut slot with Ana on ``day`` 09:00-17:00, three participants:
    Rosa (a phone) 13:00-14:30, Li (an email) 14:00-16:00, Sam (no contact) 09:00-10:00."""
    created = client.post(BASE, headers=auth(biz), json={
        "title": "Kick-off", "service_id": str(biz.haircut.id), "resource_id": str(biz.ana.id),
        "bookings_wanted": wanted, "hard_constraints": {
            "window_start": biz.at(day, 9).isoformat(), "window_end": biz.at(day, 17).isoformat()}})
    assert created.status_code == 201, created.text
    rid = str(created.json()["id"])
    for name, contact, (a, b) in (("Rosa", {"phone": "+12125550147"}, ((13, 0), (14, 30))),
                                  ("Li", {"email": "li@example.com"}, ((14, 0), (16, 0))),
                                  ("Sam", {}, ((9, 0), (10, 0)))):
        added = client.post(f"{BASE}/{rid}/participants", headers=auth(biz), json={
            "name": name, **contact, "availability": [
                {"start": biz.at(day, *a).isoformat(), "end": biz.at(day, *b).isoformat()}]})
        assert added.status_code == 201, added.text
    return rid


def _names(people: list[dict[str, str]]) -> list[str]:
    return [p["name"] for p in people]


def test_the_one_time_two_can_make_is_booked_and_both_are_told(
    client: TestClient, biz: Business, factory: sessionmaker[Session]
) -> None:
    day = next_weekday(biz.tz, 1)  # a Tuesday
    rid = _meeting(client, biz, day)
    preview = client.post(f"{BASE}/{rid}/confirm-best-slot", headers=auth(biz),
                          json={"dry_run": True})
    assert preview.status_code == 200, preview.text
    assert preview.json()["appointment_id"] is None
    assert client.get(f"{BASE}/{rid}", headers=auth(biz)).json()["status"] == "open"

    done = client.post(f"{BASE}/{rid}/confirm-best-slot", headers=auth(biz),
                       json={"dry_run": False})
    assert done.status_code == 201, done.text
    out = done.json()
    # Rosa ends at 14:30 and Li starts at 14:00: 14:00-14:30 is the only half hour of both.
    assert _when(out["slot"]["start"], biz) == (day, 14, 0)
    assert _names(out["available"]) == ["Rosa", "Li"]
    assert _names(out["unavailable"]) == ["Sam"] and out["unknown"] == []
    assert out["why"]["decided_by"] == "participants"
    assert out["why"]["available_count"] == 2 and out["why"]["participant_count"] == 3
    assert out["why"]["runner_up"]["available_count"] == 1
    assert out["request_status"] == "fulfilled"
    assert preview.json()["slot"] == out["slot"]  # the dry run showed the same choice

    appointment = client.get(f"/api/v1/appointments/{out['appointment_id']}",
                             headers=auth(biz)).json()
    assert appointment["resource_id"] == str(biz.ana.id)
    with factory() as session:
        sent = session.scalars(select(OutboxMessage).where(
            OutboxMessage.purpose == "meeting_confirmation",
            OutboxMessage.tenant_id == biz.tenant.id)).all()
        by_channel = {(m.channel, m.recipient) for m in sent}
    # One message per participant who can be reached; Sam gave no phone or email.
    assert by_channel == {("sms", "+12125550147"), ("email", "li@example.com")}
    assert len(out["notified"]) == 2

    again = client.post(f"{BASE}/{rid}/confirm-best-slot", headers=auth(biz))
    assert again.status_code == 409 and "fulfilled" in again.json()["detail"]


def test_a_taken_time_is_never_booked_twice_and_the_next_best_wins(
    client: TestClient, biz: Business, factory: sessionmaker[Session]
) -> None:
    day = next_weekday(biz.tz, 1)
    rid = _meeting(client, biz, day)
    taken = client.post("/api/v1/appointments", headers=auth(biz), json={
        "service_id": str(biz.haircut.id), "resource_id": str(biz.ana.id),
        "start": biz.at(day, 14).isoformat()})
    assert taken.status_code == 201, taken.text
    done = client.post(f"{BASE}/{rid}/confirm-best-slot", headers=auth(biz))
    assert done.status_code == 201, done.text
    out = done.json()
    # 14:00 is gone (and 13:30, whose 10-minute buffer runs into it): no time suits two, so
    # one person each; the earliest of those, 09:00 for Sam, wins.
    assert _when(out["slot"]["start"], biz) == (day, 9, 0)
    assert _names(out["available"]) == ["Sam"]
    assert out["why"]["decided_by"] == "earliest"
    with factory() as session:
        starts = sorted(a.start_at for a in session.scalars(select(Appointment).where(
            Appointment.tenant_id == biz.tenant.id, Appointment.resource_id == biz.ana.id)))
    assert len(starts) == 2


def test_the_same_key_books_once_and_answers_the_first_booking(
    client: TestClient, biz: Business, factory: sessionmaker[Session]
) -> None:
    day = next_weekday(biz.tz, 3)
    rid = _meeting(client, biz, day, wanted=2)
    headers = {**auth(biz), "Idempotency-Key": "kick-off-1"}
    first = client.post(f"{BASE}/{rid}/confirm-best-slot", headers=headers)
    second = client.post(f"{BASE}/{rid}/confirm-best-slot", headers=headers)
    assert (first.status_code, second.status_code) == (201, 200), second.text
    assert second.json()["appointment_id"] == first.json()["appointment_id"]
    assert second.json()["replayed"] is True
    assert first.json()["request_status"] == "open"  # one of the two bookings wanted
    with factory() as session:
        rows = session.scalars(select(OutboxMessage).where(
            OutboxMessage.purpose == "meeting_confirmation",
            OutboxMessage.tenant_id == biz.tenant.id)).all()
    assert len(rows) == 2  # told once each


def test_what_cannot_be_confirmed_is_a_clear_conflict(client: TestClient, biz: Business) -> None:
    day = next_weekday(biz.tz, 1)
    empty = client.post(BASE, headers=auth(biz), json={
        "service_id": str(biz.haircut.id), "hard_constraints": {
            "window_start": biz.at(day, 9).isoformat(), "window_end": biz.at(day, 17).isoformat()}})
    eid = empty.json()["id"]
    response = client.post(f"{BASE}/{eid}/confirm-best-slot", headers=auth(biz))
    assert response.status_code == 409 and "no participants" in response.json()["detail"]
    # Someone free only on Sunday, when nobody works: no open slot suits anyone.
    sunday = next_weekday(biz.tz, 6)
    client.post(f"{BASE}/{eid}/participants", headers=auth(biz), json={
        "name": "Weekend", "availability": [{"start": biz.at(sunday, 9).isoformat(),
                                             "end": biz.at(sunday, 12).isoformat()}]})
    response = client.post(f"{BASE}/{eid}/confirm-best-slot", headers=auth(biz))
    assert response.status_code == 409 and "suits" in response.json()["detail"]
    assert response.headers["content-type"].startswith("application/problem+json")
    client.post(f"{BASE}/{eid}/cancel", headers=auth(biz))
    response = client.post(f"{BASE}/{eid}/confirm-best-slot", headers=auth(biz))
    assert response.status_code == 409 and "cancelled" in response.json()["detail"]
    assert client.get("/api/v1/appointments", headers=auth(biz)).json() == []


def _when(iso: str, biz: Business) -> tuple[date, int, int]:
    local = datetime.fromisoformat(iso).astimezone(biz.tz)
    return local.date(), local.hour, local.minute
