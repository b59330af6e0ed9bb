"""The appointments page: a week of the calendar per staff member, and marking an
appointment completed or a no-show (staff: only their own)."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from frontdesk.store.models import UserRole
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
