"""The settings pages: opening hours, services, staff and their hours, the greeting (with
its preview), reminders, message texts, phone numbers and calendars. Each form is checked
through what the rest of the system then does (the API's answers, the times offered, the
agent's first words, the texts queued), and for bad input (the page again, a 4xx, nothing
changed), staff (403) and another business's ids (404)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.conversation.agent import Agent
from frontdesk.conversation.personas import greeting_line, persona_for
from frontdesk.services.phone_numbers import tenant_for_number
from frontdesk.store.models import Tenant, UserRole
from tests.api.conftest import auth
from tests.conftest import Business, next_weekday, with_settings
from tests.dashboard.conftest import Person, form_token, sign_in

PAGES = ("/dashboard/settings", "/dashboard/settings/hours", "/dashboard/settings/services",
         "/dashboard/settings/staff", "/dashboard/settings/voice",
         "/dashboard/settings/messages", "/dashboard/settings/phones",
         "/dashboard/settings/calendars")


@pytest.fixture
def owner(client: TestClient, biz: Business, add_user: Callable[..., Person]) -> Business:
    add_user(biz, "owner@salon.example")
    sign_in(client, "owner@salon.example")
    return biz


def post(client: TestClient, page: str, action: str, data: dict[str, Any]) -> Any:
    """Send a settings form as a browser would: its page first, then the post."""
    token = form_token(client.get(page).text)
    return client.post(action, data={"csrf": token, **data}, follow_redirects=False)


def tenant_api(client: TestClient, biz: Business) -> dict[str, Any]:
    got = client.get("/api/v1/tenant", headers=auth(biz))
    assert got.status_code == 200
    return dict(got.json())


def slots(client: TestClient, biz: Business, service_id: object, day: object) -> list[str]:
    got = client.get("/api/v1/availability", headers=auth(biz), params={
        "service": str(service_id), "from": str(day), "to": str(day)})
    assert got.status_code == 200, got.text
    return [s["start"][11:16] for s in got.json()["slots"]]


WEEKDAYS_10_TO_14 = {f"h{d}_{k}": v for d in range(5)
                     for k, v in (("open", "10:00"), ("close", "14:00"))}


def test_every_settings_page_opens_for_an_owner_in_english_and_spanish(
    client: TestClient, owner: Business,
) -> None:
    for path in PAGES:
        page = client.get(path)
        assert page.status_code == 200, path
        assert 'aria-current="page">Settings' in page.text
        es = client.get(path, headers={"Accept-Language": "es"})
        assert "Configuración" in es.text, path


def test_opening_hours_change_the_times_offered(client: TestClient, owner: Business) -> None:
    monday = next_weekday(owner.tz, 0)
    assert "09:00" in slots(client, owner, owner.haircut.id, monday)
    form = client.get("/dashboard/settings/hours")
    assert 'name="h0_open" value="09:00"' in form.text  # today's hours, filled in
    staff = [str(owner.ana.id), str(owner.marco.id)]
    done = post(client, "/dashboard/settings/hours", "/dashboard/settings/hours",
                {**WEEKDAYS_10_TO_14, "h1_open2": "16:00", "h1_close2": "18:00",
                 "staff": staff})
    assert done.status_code == 303
    offered = slots(client, owner, owner.haircut.id, monday)
    assert offered and min(offered) == "10:00" and max(offered) < "14:00"
    tuesday = slots(client, owner, owner.haircut.id, next_weekday(owner.tz, 1))
    assert "16:00" in tuesday and "15:00" not in tuesday
    hours = client.get(f"/api/v1/resources/{owner.ana.id}", headers=auth(owner)).json()["hours"]
    assert {"weekday": 0, "start": "10:00:00", "end": "14:00:00"} in hours


@pytest.mark.parametrize(("bad", "says"), [
    ({"h0_open": "10:00"}, "Each opening time needs its closing time"),
    ({"h0_open": "25:00", "h0_close": "26:00"}, "A time is not a time of day"),
    ({"h0_open": "12:00", "h0_close": "10:00"}, "end (10:00:00) before they start"),
])
def test_bad_hours_show_the_form_again_and_change_nothing(
    client: TestClient, owner: Business, bad: dict[str, str], says: str,
) -> None:
    refused = post(client, "/dashboard/settings/hours", "/dashboard/settings/hours",
                   {**bad, "staff": [str(owner.ana.id)]})
    assert refused.status_code == 422
    assert says in refused.text and 'role="alert"' in refused.text
    assert f'value="{bad["h0_open"]}"' in refused.text  # the person's input kept
    monday = next_weekday(owner.tz, 0)
    assert "09:00" in slots(client, owner, owner.haircut.id, monday)


def test_a_new_service_is_offered_and_understood(
    client: TestClient, owner: Business, factory: sessionmaker[Session],
) -> None:
    done = post(client, "/dashboard/settings/services", "/dashboard/settings/services", {
        "name": "Beard trim", "duration": "20", "before": "", "after": "5",
        "price": "18,50", "spoken_en": "beard trim, beard", "spoken_es": "arreglo de barba",
        "active": "on", "staff": [str(owner.marco.id)]})
    assert done.status_code == 303
    listed = {s["name"]: s for s in client.get("/api/v1/services", headers=auth(owner)).json()}
    beard = listed["Beard trim"]
    assert beard["price_cents"] == 1850 and beard["buffer_after_minutes"] == 5
    assert beard["spoken_names"] == {"en": ["beard trim", "beard"], "es": ["arreglo de barba"]}
    assert beard["resource_ids"] == [str(owner.marco.id)]
    offered = client.get("/api/v1/availability", headers=auth(owner), params={
        "service": beard["id"], "from": str(next_weekday(owner.tz, 0))}).json()["slots"]
    assert offered and {s["resource_name"] for s in offered} == {"Marco"}
    # The agent understands it by its Spanish name, and offers its times.
    agent = Agent(factory)
    with factory() as session:
        tenant = session.get_one(Tenant, owner.tenant.id)
        conversation = agent.open(tenant, "chat", uuid.uuid4().hex, lang="es")
        reply = agent.turn(tenant, conversation.id, "Quiero un arreglo de barba")
        assert reply.state is not None and reply.state["service_id"] == beard["id"], reply.text
        times = agent.turn(tenant, conversation.id, "el lunes")
    assert times.state is not None and times.state["offered"], times.text


def test_a_service_edit_clears_its_price_and_takes_it_off_offer(
    client: TestClient, owner: Business,
) -> None:
    page = f"/dashboard/settings/services/{owner.haircut.id}"
    form = client.get(page)
    assert 'value="Haircut"' in form.text
    done = post(client, page, page, {"name": "Haircut", "duration": "45", "price": "",
                                     "staff": [str(owner.ana.id)]})
    assert done.status_code == 303
    got = client.get(f"/api/v1/services/{owner.haircut.id}", headers=auth(owner)).json()
    assert got["duration_minutes"] == 45 and got["price_cents"] is None
    assert got["active"] is False and got["resource_ids"] == [str(owner.ana.id)]


@pytest.mark.parametrize(("data", "status", "says"), [
    ({"name": "Shave", "duration": "abc"}, 422, "Write minutes as a whole number"),
    ({"name": "Shave", "duration": "2"}, 422, "duration_minutes must be between 5"),
    ({"name": "Shave", "duration": "30", "price": "ten"}, 422, "Write the price as a number"),
    ({"name": "Coloring", "duration": "30"}, 409, "already exists"),
    ({"name": "", "duration": "30"}, 422, "Give it a name"),
])
def test_a_bad_service_shows_the_form_again_and_changes_nothing(
    client: TestClient, owner: Business, data: dict[str, str], status: int, says: str,
) -> None:
    before = client.get("/api/v1/services", headers=auth(owner)).json()
    refused = post(client, "/dashboard/settings/services", "/dashboard/settings/services",
                   {**data, "active": "on", "staff": [str(owner.ana.id)]})
    assert refused.status_code == status and says in refused.text
    assert client.get("/api/v1/services", headers=auth(owner)).json() == before


def test_a_new_staff_member_with_hours_and_services_is_bookable(
    client: TestClient, owner: Business,
) -> None:
    done = post(client, "/dashboard/settings/staff", "/dashboard/settings/staff", {
        "name": "Lucía", "email": "lucia@salon.example", "kind": "staff", "active": "on",
        "services": [str(owner.haircut.id)], "h5_open": "08:00", "h5_close": "12:00"})
    assert done.status_code == 303
    staff = {r["name"]: r for r in client.get("/api/v1/resources", headers=auth(owner)).json()}
    assert staff["Lucía"]["hours"] == [{"weekday": 5, "start": "08:00:00", "end": "12:00:00"}]
    saturday = slots(client, owner, owner.haircut.id, next_weekday(owner.tz, 5))
    assert saturday and min(saturday) == "08:00"  # Saturday was closed before
    page = client.get("/dashboard/settings/staff")
    lucia = re.search(r'href="/dashboard/settings/staff/([0-9a-f-]+)">Lucía', page.text)
    assert lucia is not None
    path = f"/dashboard/settings/staff/{lucia.group(1)}"
    refused = post(client, path, path, {"name": "Lucía", "email": "not-an-email",
                                        "h5_open": "08:00", "h5_close": "12:00"})
    assert refused.status_code == 422 and "is not an email address" in refused.text
    again = client.get(f"/api/v1/resources/{lucia.group(1)}", headers=auth(owner)).json()
    assert again["email"] == "lucia@salon.example" and again["active"] is True


def test_the_greeting_preview_is_what_the_agent_then_says(
    client: TestClient, owner: Business, factory: sessionmaker[Session],
) -> None:
    draft = {"persona": "salon", "greeting_en": "Welcome to {business}! Who's booking today?",
             "greeting_es": "", "instructions": "Mention free parking behind the shop."}
    shown = post(client, "/dashboard/settings/voice", "/dashboard/settings/voice",
                 {**draft, "action": "preview"})
    assert shown.status_code == 200
    assert "Welcome to Salon! Who&#39;s booking today?" in shown.text
    spanish = greeting_line(persona_for("salon"), "Salon", {}, "es")
    assert spanish in shown.text  # no Spanish text of its own: the persona's
    assert tenant_api(client, owner)["greeting"] == {}  # a preview saves nothing
    saved = post(client, "/dashboard/settings/voice", "/dashboard/settings/voice",
                 {**draft, "action": "save"})
    assert saved.status_code == 303
    stored = tenant_api(client, owner)
    assert stored["greeting"] == {"en": draft["greeting_en"]} and stored["persona"] == "salon"
    assert stored["instructions"] == draft["instructions"]
    agent = Agent(factory)
    with factory() as session:
        tenant = session.get_one(Tenant, owner.tenant.id)
        first = agent.greet(tenant, agent.open(tenant, "chat", uuid.uuid4().hex, lang="en").id)
    assert first.text == "Welcome to Salon! Who's booking today?"


@pytest.mark.parametrize("action", ["preview", "save"])
def test_a_greeting_with_an_unknown_placeholder_is_refused(
    client: TestClient, owner: Business, action: str,
) -> None:
    refused = post(client, "/dashboard/settings/voice", "/dashboard/settings/voice", {
        "persona": "default", "greeting_en": "Hi {name}, this is {business}",
        "greeting_es": "", "instructions": "", "action": action})
    assert refused.status_code == 422
    assert "uses {name}" in refused.text and "Hi {name}, this is {business}" in refused.text
    assert tenant_api(client, owner)["greeting"] == {}


def _book(client: TestClient, biz: Business) -> str:
    day = next_weekday(biz.tz, 2)
    made = client.post("/api/v1/appointments", headers=auth(biz), json={
        "service_id": str(biz.haircut.id), "resource_id": str(biz.ana.id),
        "start": biz.at(day, 11).isoformat(),
        "customer": {"phone": "+12125550142", "name": "Noor"}})
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def test_reminder_times_and_own_texts_are_what_a_booking_queues(
    client: TestClient, owner: Business,
) -> None:
    page = client.get("/dashboard/settings/messages")
    assert re.search(r'value="1440" checked', page.text)  # the default: a day before
    done = post(client, "/dashboard/settings/messages", "/dashboard/settings/reminders",
                {"reminder": ["2880", "60"]})
    assert done.status_code == 303
    assert tenant_api(client, owner)["reminder_minutes"] == [2880, 60]
    own = "{business}: see you {when} for your {service}! Reply C to confirm."
    done = post(client, "/dashboard/settings/messages", "/dashboard/settings/messages",
                {"tpl_reminder_en": own, "tpl_confirmation_es": "{business}: cita {when}."})
    assert done.status_code == 303
    assert tenant_api(client, owner)["message_templates"] == {
        "reminder": {"en": own}, "confirmation": {"es": "{business}: cita {when}."}}
    appointment = _book(client, owner)
    queued = client.get("/api/v1/messages", headers=auth(owner),
                        params={"appointment_id": appointment}).json()
    reminders = [m for m in queued if m["purpose"] == "reminder"]
    assert len(reminders) == 2
    assert all(m["body"].startswith("Salon: see you ") and m["body"].endswith(
        "for your haircut! Reply C to confirm.") for m in reminders)
    confirmation = [m for m in queued if m["purpose"] == "confirmation"]
    assert confirmation and confirmation[0]["body"].startswith("Salon: you're booked")


@pytest.mark.parametrize(("action", "data", "says"), [
    ("/dashboard/settings/messages", {"tpl_reminder_en": "Pay {price} at {business}"},
     "uses {price}"),
    ("/dashboard/settings/messages", {"tpl_reminder_es": "Cita {when"}, "lone"),
    ("/dashboard/settings/reminders", {"reminder": ["1", "60"]}, "Reminders go 5 minutes"),
    ("/dashboard/settings/reminders", {"reminder": ["60", "x"]}, "whole number"),
])
def test_bad_reminders_or_texts_change_nothing(
    client: TestClient, owner: Business, action: str, data: dict[str, Any], says: str,
) -> None:
    before = tenant_api(client, owner)
    refused = post(client, "/dashboard/settings/messages", action, data)
    assert refused.status_code == 422 and says in refused.text
    assert tenant_api(client, owner) == before


def test_phone_numbers_answer_for_the_business(
    client: TestClient, owner: Business, make_business: Callable[..., Business],
    factory: sessionmaker[Session],
) -> None:
    assert "No phone number yet" in client.get("/dashboard/settings/phones").text
    done = post(client, "/dashboard/settings/phones", "/dashboard/settings/phones",
                {"number": "(212) 555-0177"})
    assert done.status_code == 303
    assert tenant_api(client, owner)["phone_numbers"] == ["+12125550177"]
    found = tenant_for_number(factory, "+12125550177")
    assert found is not None and found.id == owner.tenant.id
    bad = post(client, "/dashboard/settings/phones", "/dashboard/settings/phones",
               {"number": "call me"})
    assert bad.status_code == 422 and "Nothing was saved" in bad.text
    huge = post(client, "/dashboard/settings/phones", "/dashboard/settings/phones",
                {"number": "5" * 5000})
    assert huge.status_code == 422 and "A field is too long" in huge.text
    other = make_business("clinic")
    client.patch("/api/v1/tenant", headers=auth(other), json={"phone_numbers": ["+12125550188"]})
    taken = post(client, "/dashboard/settings/phones", "/dashboard/settings/phones",
                 {"number": "+12125550188"})
    assert taken.status_code == 409 and "belongs to another business" in taken.text
    assert tenant_api(client, owner)["phone_numbers"] == ["+12125550177"]
    transfer = post(client, "/dashboard/settings/phones", "/dashboard/settings/phones/transfer",
                    {"transfer": "212 555 0100"})
    assert transfer.status_code == 303
    assert tenant_api(client, owner)["fallback_phone"] == "+12125550100"
    page = client.get("/dashboard/settings/phones")
    number_id = re.search(r'/dashboard/settings/phones/([0-9a-f-]+)/remove', page.text)
    assert number_id is not None
    gone = client.post(f"/dashboard/settings/phones/{number_id.group(1)}/remove",
                       data={"csrf": form_token(page.text)}, follow_redirects=False)
    assert gone.status_code == 303 and tenant_api(client, owner)["phone_numbers"] == []


def test_calendars_list_staff_and_start_the_providers_consent(
    client: TestClient, owner: Business,
) -> None:
    page = client.get("/dashboard/settings/calendars")
    assert "Ana" in page.text and "No calendar connected." in page.text
    action = f"/dashboard/settings/calendars/{owner.ana.id}/connect"
    unset = post(client, "/dashboard/settings/calendars", action, {"provider": "google"})
    assert unset.status_code == 409 and "is not set up on this server" in unset.text
    with_settings(client.app, google_client_id="cid.apps.example",  # type: ignore[arg-type]
                  google_client_secret="a-secret")
    started = post(client, "/dashboard/settings/calendars", action, {"provider": "google"})
    assert started.status_code == 303
    consent = started.headers["location"]
    assert consent.startswith("https://accounts.google.com/") and "client_id=cid.apps" in consent
    assert "redirect_uri=http%3A%2F%2Ftestserver%2Foauth%2Fcallback%2Fgoogle" in consent
    caldav = post(client, "/dashboard/settings/calendars",
                  f"/dashboard/settings/calendars/{owner.ana.id}/caldav",
                  {"url": "https://dav.example.com/", "username": "ana"})
    assert caldav.status_code == 422 and "Fill in the server" in caldav.text
    back = client.get("/dashboard/settings/calendars?calendar=connected")
    assert "The calendar is connected." in back.text


def test_staff_may_not_open_or_post_any_settings_form(
    client: TestClient, biz: Business, add_user: Callable[..., Person],
) -> None:
    add_user(biz, "ana@salon.example", role=UserRole.STAFF, resource_id=biz.ana.id)
    sign_in(client, "ana@salon.example")
    token = form_token(client.get("/dashboard").text)
    for path in PAGES:
        assert client.get(path).status_code == 403, path
    for action in ("/dashboard/settings/hours", "/dashboard/settings/services",
                   f"/dashboard/settings/services/{biz.haircut.id}",
                   "/dashboard/settings/staff", f"/dashboard/settings/staff/{biz.ana.id}",
                   "/dashboard/settings/voice", "/dashboard/settings/reminders",
                   "/dashboard/settings/messages", "/dashboard/settings/phones",
                   "/dashboard/settings/phones/transfer",
                   f"/dashboard/settings/calendars/{biz.ana.id}/connect"):
        refused = client.post(action, data={"csrf": token, "name": "X", "duration": "30",
                                            "h0_open": "01:00", "h0_close": "02:00",
                                            "staff": str(biz.ana.id), "number": "+12125550111",
                                            "persona": "salon", "action": "save"})
        assert refused.status_code == 403, action
    assert client.get(f"/dashboard/settings/staff/{biz.ana.id}").status_code == 403
    hours = client.get(f"/api/v1/resources/{biz.ana.id}", headers=auth(biz)).json()["hours"]
    assert {"weekday": 0, "start": "09:00:00", "end": "17:00:00"} in hours


def test_another_business_s_ids_are_not_found_and_not_changed(
    client: TestClient, owner: Business, make_business: Callable[..., Business],
) -> None:
    other = make_business("clinic")
    for path in (f"/dashboard/settings/services/{other.haircut.id}",
                 f"/dashboard/settings/staff/{other.ana.id}"):
        assert client.get(path).status_code == 404, path
    token = form_token(client.get("/dashboard/settings").text)
    for action, data in (
        (f"/dashboard/settings/services/{other.haircut.id}", {"name": "Mine", "duration": "30"}),
        ("/dashboard/settings/services", {"name": "Mine", "duration": "30",
                                          "staff": str(other.ana.id)}),
        (f"/dashboard/settings/staff/{other.ana.id}", {"name": "Mine"}),
        ("/dashboard/settings/hours", {"h0_open": "01:00", "h0_close": "02:00",
                                       "staff": str(other.ana.id)}),
        (f"/dashboard/settings/calendars/{other.ana.id}/connect", {"provider": "google"}),
        (f"/dashboard/settings/calendars/{other.ana.id}/disconnect", {}),
        (f"/dashboard/settings/phones/{uuid.uuid4()}/remove", {}),
    ):
        refused = client.post(action, data={"csrf": token, **data}, follow_redirects=False)
        assert refused.status_code == 404, (action, refused.status_code)
    assert client.get(f"/api/v1/services/{other.haircut.id}",
                      headers=auth(other)).json()["name"] == "Haircut"
    assert client.get(f"/api/v1/resources/{other.ana.id}",
                      headers=auth(other)).json()["name"] == "Ana"
    names = [s["name"] for s in client.get("/api/v1/services", headers=auth(owner)).json()]
    assert "Mine" not in names
