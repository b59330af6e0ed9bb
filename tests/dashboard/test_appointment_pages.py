"""The appointments page: a week of the calendar per staff member, marking an
appointment completed or a no-show, and booking, moving and cancelling from it (staff:
only their own)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.store.models import OutboxMessage, UserRole
from tests.api.conftest import auth
from tests.conftest import Business, next_weekday
from tests.dashboard.conftest import Person, form_token, sign_in


def book(client: TestClient, biz: Business, staff: str, hour: int, phone: str) -> tuple[str, str]:
    """Book a haircut with ``staff`` on the next Monday-to-Friday day; (id, day)."""
    day = next_weekday(biz.tz, 1)
    resource = biz.ana if staff == "ana" else biz.marco
    made = client.post("/api/v1/appointments", headers=auth(biz), json={
        "service_id": str(biz.haircut.id), "resource_id": str(resource.id),
        "start": biz.at(day, hour).isoformat(), "customer": {"phone": phone, "name": phone}})
    assert made.status_code == 201, made.text
    return str(made.json()["id"]), day.isoformat()


def test_an_owner_sees_the_week_and_marks_a_no_show(
    client: TestClient, biz: Business, add_user: Callable[..., Person],
) -> None:
    first, day = book(client, biz, "ana", 10, "+12125550181")
    book(client, biz, "marco", 11, "+12125550182")
    add_user(biz, "owner@salon.example")
    sign_in(client, "owner@salon.example")
    week = client.get(f"/dashboard/appointments?day={day}&view=week")
    assert week.status_code == 200
    assert "+12125550181" in week.text and "+12125550182" in week.text
    done = client.post(f"/dashboard/appointments/{first}/no_show",
                       data={"csrf": form_token(week.text)}, follow_redirects=False)
    assert done.status_code == 303
    got = client.get(f"/api/v1/appointments/{first}", headers=auth(biz)).json()
    assert got["status"] == "no_show"
    again = client.post(f"/dashboard/appointments/{first}/completed",
                        data={"csrf": form_token(week.text)})
    assert again.status_code == 409  # only a booked appointment can be marked


def test_staff_see_and_mark_only_their_own(
    client: TestClient, make_business: Callable[..., Business],
    add_user: Callable[..., Person],
) -> None:
    biz, other = make_business("salon"), make_business("clinic")
    theirs, day = book(client, biz, "ana", 10, "+12125550183")
    not_theirs, _ = book(client, biz, "marco", 12, "+12125550184")
    elsewhere, _ = book(client, other, "ana", 10, "+12125550185")
    add_user(biz, "ana@salon.example", role=UserRole.STAFF, resource_id=biz.ana.id)
    sign_in(client, "ana@salon.example")
    week = client.get(f"/dashboard/appointments?day={day}")
    assert "+12125550183" in week.text and "+12125550184" not in week.text
    assert not re.search(r'<select id="resource"', week.text)  # no one else's calendar
    token = form_token(week.text)
    for foreign in (not_theirs, elsewhere):
        refused = client.post(f"/dashboard/appointments/{foreign}/completed",
                              data={"csrf": token})
        assert refused.status_code == 404
    ok = client.post(f"/dashboard/appointments/{theirs}/completed", data={"csrf": token},
                     follow_redirects=False)
    assert ok.status_code == 303
    assert client.get(f"/api/v1/appointments/{not_theirs}",
                      headers=auth(biz)).json()["status"] == "booked"


def test_a_confirmed_appointment_shows_as_confirmed(
    client: TestClient, biz: Business, add_user: Callable[..., Person],
) -> None:
    """A reminder's "C" reply (or the API's confirm) shows on the calendar."""
    booked, day = book(client, biz, "ana", 15, "+12125550186")
    add_user(biz, "owner@salon.example")
    sign_in(client, "owner@salon.example")
    before = client.get(f"/dashboard/appointments?day={day}&view=day")
    assert "booked · confirmed" not in before.text
    confirmed = client.post(f"/api/v1/appointments/{booked}/confirm", headers=auth(biz))
    assert confirmed.status_code == 200, confirmed.text
    after = client.get(f"/dashboard/appointments?day={day}&view=day")
    assert "booked · confirmed" in after.text


# --- booking, moving and cancelling from the page -----------------------------------


def _messages(factory: sessionmaker[Session], appointment_id: str) -> list[tuple[str, str, str]]:
    """The outbox rows an appointment caused: (channel, purpose, status), sorted."""
    with factory() as session:
        rows = session.scalars(select(OutboxMessage).where(
            OutboxMessage.appointment_id == uuid.UUID(appointment_id)))
        return sorted((m.channel, m.purpose, m.status) for m in rows)


def _stored(client: TestClient, biz: Business, appointment_id: str) -> dict[str, object]:
    got = client.get(f"/api/v1/appointments/{appointment_id}", headers=auth(biz))
    assert got.status_code == 200, got.text
    return dict(got.json())


def _count(client: TestClient, biz: Business) -> int:
    return len(client.get("/api/v1/appointments", headers=auth(biz)).json())


def _hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, html[:500]
    return found.group(1)


def _owner(client: TestClient, biz: Business, add_user: Callable[..., Person]) -> None:
    add_user(biz, "owner@salon.example")
    sign_in(client, "owner@salon.example")


def test_an_owner_books_from_the_form_once_however_often_it_is_sent(
    client: TestClient, biz: Business, add_user: Callable[..., Person],
    factory: sessionmaker[Session],
) -> None:
    _owner(client, biz, add_user)
    day = next_weekday(biz.tz, 2).isoformat()
    form = client.get(f"/dashboard/appointments/new?day={day}")
    assert form.status_code == 200 and 'name="form_key"' in form.text
    fields = {"csrf": form_token(form.text), "form_key": _hidden(form.text, "form_key"),
              "service_id": str(biz.haircut.id), "resource_id": str(biz.ana.id),
              "day": day, "time": "11:30", "name": "Rosa Park", "phone": "+12125550171"}
    made = client.post("/dashboard/appointments/new", data=fields, follow_redirects=False)
    assert made.status_code == 303
    assert made.headers["location"] == f"/dashboard/appointments?day={day}&view=week&done=booked"
    again = client.post("/dashboard/appointments/new", data=fields, follow_redirects=False)
    assert again.status_code == 303  # the same form twice: the first booking, not a second
    listed = client.get("/api/v1/appointments", headers=auth(biz)).json()
    assert len(listed) == 1
    booked = listed[0]
    assert booked["source"] == "dashboard" and booked["resource_id"] == str(biz.ana.id)
    assert booked["start"].startswith(f"{day}T11:30")
    assert ("sms", "confirmation", "pending") in _messages(factory, booked["id"])
    week = client.get(made.headers["location"])
    assert "Rosa Park" in week.text and "Booked. The customer is sent a confirmation." in week.text
    # An existing customer is picked from the list, not typed again.
    form = client.get(f"/dashboard/appointments/new?day={day}")
    customer_id = booked["customer_id"]
    assert f'<option value="{customer_id}"' in form.text
    second = client.post("/dashboard/appointments/new", follow_redirects=False, data={
        "csrf": form_token(form.text), "form_key": _hidden(form.text, "form_key"),
        "service_id": str(biz.haircut.id), "resource_id": "", "day": day, "time": "15:00",
        "customer_id": customer_id})
    assert second.status_code == 303
    assert _count(client, biz) == 2


def test_moving_sends_what_the_api_sends(
    client: TestClient, biz: Business, add_user: Callable[..., Person],
    factory: sessionmaker[Session],
) -> None:
    by_page, day = book(client, biz, "ana", 10, "+12125550172")
    by_api, _ = book(client, biz, "marco", 10, "+12125550173")
    _owner(client, biz, add_user)
    form = client.get(f"/dashboard/appointments/{by_page}/move")
    assert form.status_code == 200
    assert f'value="{day}"' in form.text and 'value="10:00"' in form.text
    moved = client.post(f"/dashboard/appointments/{by_page}/move", follow_redirects=False,
                        data={"csrf": form_token(form.text), "day": day, "time": "14:00",
                              "resource_id": str(biz.ana.id)})
    assert moved.status_code == 303 and moved.headers["location"].endswith("done=moved")
    api = client.post(f"/api/v1/appointments/{by_api}/reschedule", headers=auth(biz),
                      json={"start": biz.at(date.fromisoformat(day), 14).isoformat()})
    assert api.status_code == 200, api.text
    assert _stored(client, biz, by_page)["start"].startswith(f"{day}T14:00")  # type: ignore[union-attr]
    assert _messages(factory, by_page) == _messages(factory, by_api)
    assert ("sms", "rescheduled", "pending") in _messages(factory, by_page)
    week = client.get(moved.headers["location"])
    assert "14:00–14:30" in week.text and "Moved. The customer is told the new time." in week.text


def test_moving_onto_a_taken_time_shows_why_and_changes_nothing(
    client: TestClient, biz: Business, add_user: Callable[..., Person],
    factory: sessionmaker[Session],
) -> None:
    book(client, biz, "ana", 10, "+12125550174")
    second, day = book(client, biz, "ana", 12, "+12125550175")
    before, sent = _stored(client, biz, second), _messages(factory, second)
    _owner(client, biz, add_user)
    token = form_token(client.get(f"/dashboard/appointments/{second}/move").text)

    def move(time: str, resource: str) -> Response:
        return client.post(f"/dashboard/appointments/{second}/move", data={
            "csrf": token, "day": day, "time": time, "resource_id": resource})

    taken = move("10:00", str(biz.ana.id))
    assert taken.status_code == 409
    assert "That time is already taken." in taken.text
    assert "Not moved: the appointment stays where it was" in taken.text
    # The free times nearby, each a button that sends the move again with that time.
    offered = re.findall(r'name="time" value="(\d\d:\d\d)"', taken.text)
    assert offered and "10:00" not in offered and "10:45" in offered
    assert f'value="{day}"' in taken.text  # what was typed stays in the form
    closed = move("20:00", str(biz.ana.id))
    assert closed.status_code == 409 and "Outside working hours" in closed.text
    bad = move("not a time", str(biz.ana.id))
    assert bad.status_code == 422 and "Give a time, e.g. 14:30." in bad.text
    assert _stored(client, biz, second) == before and _messages(factory, second) == sent
    taken_alt = client.post(f"/dashboard/appointments/{second}/move", follow_redirects=False,
                            data={"csrf": token, "day": day, "time": "10:45",
                                  "resource_id": str(biz.ana.id)})
    assert taken_alt.status_code == 303  # an offered time takes the move


def test_booking_with_someone_who_does_not_offer_it_offers_who_does(
    client: TestClient, biz: Business, add_user: Callable[..., Person],
) -> None:
    _owner(client, biz, add_user)
    day = next_weekday(biz.tz, 3).isoformat()
    form = client.get("/dashboard/appointments/new")
    refused = client.post("/dashboard/appointments/new", data={
        "csrf": form_token(form.text), "form_key": _hidden(form.text, "form_key"),
        "service_id": str(biz.coloring.id), "resource_id": str(biz.marco.id), "day": day,
        "time": "10:00", "name": "Lu Chen", "phone": "+12125550176"})
    assert refused.status_code == 409
    assert "Staff not available" in refused.text
    assert f'name="resource_id" value="{biz.ana.id}"' in refused.text  # Ana colours
    assert "Lu Chen" in refused.text  # the form keeps what was typed
    assert _count(client, biz) == 0


def test_cancel_asks_first_then_tells_the_customer(
    client: TestClient, biz: Business, add_user: Callable[..., Person],
    factory: sessionmaker[Session],
) -> None:
    booked, day = book(client, biz, "ana", 10, "+12125550177")
    _owner(client, biz, add_user)
    week = client.get(f"/dashboard/appointments?day={day}")
    assert f'href="/dashboard/appointments/{booked}/cancel"' in week.text
    confirm = client.get(f"/dashboard/appointments/{booked}/cancel")
    assert confirm.status_code == 200 and "Yes, cancel it" in confirm.text
    assert _stored(client, biz, booked)["status"] == "booked"  # asking changed nothing
    done = client.post(f"/dashboard/appointments/{booked}/cancel",
                       data={"csrf": form_token(confirm.text)}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith("done=cancelled")
    assert _stored(client, biz, booked)["status"] == "cancelled"
    assert ("sms", "cancellation", "pending") in _messages(factory, booked)
    later = client.get(f"/dashboard/appointments/{booked}/move")
    assert "can no longer be moved or cancelled" in later.text and "mtime" not in later.text
    moved = client.post(f"/dashboard/appointments/{booked}/move", data={
        "csrf": form_token(later.text), "day": day, "time": "14:00"})
    assert moved.status_code == 409 and "This appointment is not booked any more." in moved.text


def test_staff_book_move_and_cancel_only_on_their_own_calendar(
    client: TestClient, biz: Business, add_user: Callable[..., Person],
) -> None:
    theirs, day = book(client, biz, "ana", 10, "+12125550178")
    not_theirs, _ = book(client, biz, "marco", 10, "+12125550179")
    add_user(biz, "ana@salon.example", role=UserRole.STAFF, resource_id=biz.ana.id)
    sign_in(client, "ana@salon.example")
    form = client.get("/dashboard/appointments/new")
    assert str(biz.marco.id) not in form.text and 'id="bcustomer"' not in form.text
    token = form_token(form.text)
    for path in (f"{not_theirs}/move", f"{not_theirs}/cancel"):
        assert client.get(f"/dashboard/appointments/{path}").status_code == 404
        assert client.post(f"/dashboard/appointments/{path}", data={
            "csrf": token, "day": day, "time": "15:00"}).status_code == 404
    onto_marco = client.post(f"/dashboard/appointments/{theirs}/move", data={
        "csrf": token, "day": day, "time": "15:00", "resource_id": str(biz.marco.id)})
    assert onto_marco.status_code == 403
    for_marco = client.post("/dashboard/appointments/new", data={
        "csrf": token, "service_id": str(biz.haircut.id), "resource_id": str(biz.marco.id),
        "day": day, "time": "15:00", "name": "Kim Ito", "phone": "+12125550180"})
    assert for_marco.status_code == 403
    assert _stored(client, biz, not_theirs)["start"].startswith(f"{day}T10:00")  # type: ignore[union-attr]
    assert _stored(client, biz, theirs)["resource_id"] == str(biz.ana.id)
    own = client.post("/dashboard/appointments/new", follow_redirects=False, data={
        "csrf": token, "service_id": str(biz.haircut.id), "day": day, "time": "15:00",
        "name": "Kim Ito", "phone": "+12125550180"})
    assert own.status_code == 303
    made = [a for a in client.get("/api/v1/appointments", headers=auth(biz)).json()
            if a["start"].startswith(f"{day}T15:00")]
    assert [a["resource_id"] for a in made] == [str(biz.ana.id)]  # on her own calendar
    moved = client.post(f"/dashboard/appointments/{theirs}/move", follow_redirects=False,
                        data={"csrf": token, "day": day, "time": "16:00"})
    assert moved.status_code == 303


def test_another_business_appointment_is_not_found(
    client: TestClient, make_business: Callable[..., Business],
    add_user: Callable[..., Person],
) -> None:
    biz, other = make_business("salon"), make_business("clinic")
    elsewhere, day = book(client, other, "ana", 10, "+12125550181")
    _owner(client, biz, add_user)
    token = form_token(client.get("/dashboard/appointments").text)
    for path in (f"{elsewhere}/move", f"{elsewhere}/cancel"):
        assert client.get(f"/dashboard/appointments/{path}").status_code == 404
        assert client.post(f"/dashboard/appointments/{path}", data={
            "csrf": token, "day": day, "time": "15:00"}).status_code == 404
    # Nor may their service or customer be booked from this business's form.
    form = client.get("/dashboard/appointments/new")
    foreign = client.post("/dashboard/appointments/new", data={
        "csrf": token, "form_key": _hidden(form.text, "form_key"),
        "service_id": str(other.haircut.id), "day": day, "time": "15:00", "name": "Al Bo",
        "phone": "+12125550182"})
    assert foreign.status_code == 404
    stored = _stored(client, other, elsewhere)
    assert stored["status"] == "booked" and str(stored["start"]).startswith(f"{day}T10:00")
    assert _count(client, biz) == 0


def _skipped_hour(zone: ZoneInfo) -> date:
    """The next day the zone's clocks jump over 02:30 (summer time starts)."""
    day = datetime.now(zone).date()
    for _ in range(400):
        day += timedelta(days=1)
        local = datetime.combine(day, time(2, 30), tzinfo=zone)
        if local.astimezone(UTC).astimezone(zone).hour != 2:
            return day
    raise AssertionError("no summer time in this zone")


def test_bad_input_is_refused_and_stores_nothing(
    client: TestClient, biz: Business, add_user: Callable[..., Person],
) -> None:
    _owner(client, biz, add_user)
    form = client.get("/dashboard/appointments/new")
    day = next_weekday(biz.tz, 1).isoformat()
    good = {"csrf": form_token(form.text), "form_key": _hidden(form.text, "form_key"),
            "service_id": str(biz.haircut.id), "day": day, "time": "10:00",
            "name": "Bea Cruz", "phone": "+12125550183"}
    cases = [({"day": "next tuesday"}, "Give a date"), ({"time": "25:00"}, "Give a time"),
             ({"phone": "12"}, "That phone number is not valid"),
             ({"name": "", "phone": ""}, "Pick a customer, or give"),
             ({"service_id": "haircut"}, "Choose a service."),
             ({"resource_id": "ana"}, "Choose a staff member"),
             ({"day": _skipped_hour(biz.tz).isoformat(), "time": "02:30"},
              "the clocks skip it")]
    for change, words in cases:
        refused = client.post("/dashboard/appointments/new", data={**good, **change})
        assert refused.status_code == 422, (change, refused.status_code)
        assert words in refused.text, change
    too_long = client.post("/dashboard/appointments/new", data={**good, "name": "x" * 500})
    assert too_long.status_code == 422
    assert _count(client, biz) == 0


def test_the_forms_speak_spanish(
    client: TestClient, biz: Business, add_user: Callable[..., Person],
) -> None:
    first, day = book(client, biz, "ana", 10, "+12125550184")
    second, _ = book(client, biz, "ana", 12, "+12125550185")
    add_user(biz, "duena@salon.example", language="es")
    sign_in(client, "duena@salon.example")
    assert "Reservar una cita" in client.get("/dashboard/appointments/new").text
    assert "Sí, cancelarla" in client.get(f"/dashboard/appointments/{first}/cancel").text
    form = client.get(f"/dashboard/appointments/{second}/move")
    taken = client.post(f"/dashboard/appointments/{second}/move", data={
        "csrf": form_token(form.text), "day": day, "time": "10:00",
        "resource_id": str(biz.ana.id)})
    assert taken.status_code == 409
    assert "Esa hora ya está ocupada." in taken.text and "Horas libres cercanas" in taken.text
