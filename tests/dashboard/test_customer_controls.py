"""A customer's page acts on them: notes, consent and opt-out, erasure behind a
confirmation; the list downloads and imports CSV. Staff see only the customers on their
own calendar; a refused form shows a page a person can read."""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.store.models import Customer, UserRole
from tests.api.conftest import auth
from tests.conftest import Business
from tests.dashboard.conftest import Person, form_token, sign_in
from tests.dashboard.test_appointment_pages import book

HTML = {"accept": "text/html,application/xhtml+xml"}


def _customer_of(client: TestClient, biz: Business, phone: str) -> str:
    found = client.get("/api/v1/customers", headers=auth(biz), params={"phone": phone})
    assert found.status_code == 200 and len(found.json()) == 1, found.text
    return str(found.json()[0]["id"])


def _names(html: str) -> list[str]:
    return re.findall(r'<a href="/dashboard/customers/[0-9a-f-]+">([^<]+)</a>', html)


def test_staff_see_only_the_customers_on_their_calendar(
    client: TestClient, biz: Business, add_user: Callable[..., Person],
    factory: sessionmaker[Session],
) -> None:
    book(client, biz, "ana", 10, "+12125550181")
    book(client, biz, "marco", 11, "+12125550182")
    mine, theirs = (_customer_of(client, biz, p) for p in ("+12125550181", "+12125550182"))
    add_user(biz, "ana@salon.example", role=UserRole.STAFF, resource_id=biz.ana.id)
    sign_in(client, "ana@salon.example")
    listed = client.get("/dashboard/customers")
    assert listed.status_code == 200
    assert _names(listed.text) == ["+12125550181"]
    assert "/dashboard/customers/contact" not in listed.text  # contacting: owners only
    assert client.get(f"/dashboard/customers/{mine}").status_code == 200
    assert client.get(f"/dashboard/customers/{theirs}").status_code == 404
    exported = client.get("/dashboard/customers.csv")
    assert [row["phone"] for row in csv.DictReader(io.StringIO(exported.text))] == \
        ["+12125550181"]
    token = form_token(listed.text)
    saved = client.post(f"/dashboard/customers/{mine}/notes",
                        data={"csrf": token, "notes": "Prefers mornings"},
                        follow_redirects=False)
    assert saved.status_code == 303
    refused = client.post(f"/dashboard/customers/{theirs}/notes",
                          data={"csrf": token, "notes": "mine now"})
    assert refused.status_code == 404
    assert client.post(f"/dashboard/customers/{mine}/consent",
                       data={"csrf": token}).status_code == 403
    assert client.post(f"/dashboard/customers/{mine}/erase",
                       data={"csrf": token, "confirm": "yes"}).status_code == 403
    with factory() as session:
        assert session.get_one(Customer, uuid.UUID(mine)).notes == "Prefers mornings"
        assert session.get_one(Customer, uuid.UUID(theirs)).notes is None
        assert session.get_one(Customer, uuid.UUID(mine)).erased_at is None


def test_staff_without_a_calendar_see_nobody(
    client: TestClient, biz: Business, add_user: Callable[..., Person],
) -> None:
    book(client, biz, "ana", 10, "+12125550183")
    add_user(biz, "desk@salon.example", role=UserRole.STAFF)
    sign_in(client, "desk@salon.example")
    listed = client.get("/dashboard/customers")
    assert _names(listed.text) == [] and "No customers on your calendar" in listed.text


def test_an_owner_sets_consent_and_erases_only_when_confirmed(
    client: TestClient, biz: Business, add_user: Callable[..., Person],
    factory: sessionmaker[Session],
) -> None:
    book(client, biz, "ana", 10, "+12125550184")
    who = _customer_of(client, biz, "+12125550184")
    add_user(biz, "owner@salon.example")
    sign_in(client, "owner@salon.example")
    shown = client.get(f"/dashboard/customers/{who}")
    token = form_token(shown.text)
    # Ticked boxes are sent; an unticked one is absent, and means no.
    client.post(f"/dashboard/customers/{who}/consent",
                data={"csrf": token, "sms_consent": "true", "call_consent": "true"})
    with factory() as session:
        c = session.get_one(Customer, uuid.UUID(who))
        assert (c.sms_consent, c.call_consent, c.do_not_call) == (True, True, False)
    client.post(f"/dashboard/customers/{who}/consent",
                data={"csrf": token, "do_not_call": "true"})
    with factory() as session:
        c = session.get_one(Customer, uuid.UUID(who))
        assert (c.sms_consent, c.call_consent, c.do_not_call) == (False, False, True)
    confirm = client.get(f"/dashboard/customers/{who}/erase")
    assert confirm.status_code == 200 and 'name="confirm"' in confirm.text
    unconfirmed = client.post(f"/dashboard/customers/{who}/erase", data={"csrf": token},
                              headers=HTML)
    assert unconfirmed.status_code == 422
    assert "text/html" in unconfirmed.headers["content-type"]
    assert "Tick the box to confirm" in unconfirmed.text
    with factory() as session:
        assert session.get_one(Customer, uuid.UUID(who)).phone_e164 == "+12125550184"
    done = client.post(f"/dashboard/customers/{who}/erase",
                       data={"csrf": token, "confirm": "yes"}, follow_redirects=False)
    assert done.status_code == 303
    with factory() as session:
        c = session.get_one(Customer, uuid.UUID(who))
        assert c.erased_at is not None and c.phone_e164 is None
    after = client.get(f"/dashboard/customers/{who}")
    assert "personal data was erased" in after.text and "+12125550184" not in after.text


def test_import_reports_each_bad_row_and_export_follows_the_filters(
    client: TestClient, biz: Business, add_user: Callable[..., Person],
) -> None:
    add_user(biz, "owner@salon.example")
    sign_in(client, "owner@salon.example")
    token = form_token(client.get("/dashboard/customers").text)
    body = ("name,phone,email\nAna Ruiz,+1 212 555 0191,ana@example.com\n"
            "Bad Row,not a phone,\nLu Park,+1 212 555 0192,\n")
    report = client.post("/dashboard/customers/import", data={"csrf": token},
                         files={"file": ("people.csv", body.encode(), "text/csv")})
    assert report.status_code == 200, report.text
    assert re.search(r"Added</dt><dd>2<", report.text), report.text
    assert re.search(r"<td>3</td><td class=\"error\">", report.text)  # the bad line, named
    exported = client.get("/dashboard/customers.csv?q=ruiz")
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(r["name"], r["phone"]) for r in rows] == [("Ana Ruiz", "+12125550191")]
    not_text = client.post("/dashboard/customers/import", data={"csrf": token}, headers=HTML,
                           files={"file": ("x.csv", b"\xff\xfe\x00bad", "text/csv")})
    assert not_text.status_code == 422 and "not UTF-8" in not_text.text


def test_a_browser_gets_a_page_and_an_api_client_problem_json(
    client: TestClient, make_business: Callable[..., Business],
    add_user: Callable[..., Person],
) -> None:
    salon, clinic = make_business("salon"), make_business("clinic")
    book(client, clinic, "ana", 10, "+12125550185")
    elsewhere = _customer_of(client, clinic, "+12125550185")
    add_user(salon, "owner@salon.example")
    sign_in(client, "owner@salon.example")
    page = client.get(f"/dashboard/customers/{elsewhere}", headers=HTML)
    assert page.status_code == 404 and "Not found" in page.text
    assert '<a href="/dashboard">' in page.text
    assert client.get(f"/dashboard/customers/{elsewhere}").json()["code"] == "not_found"
    api = client.get(f"/api/v1/customers/{elsewhere}", headers={**auth(salon), **HTML})
    assert api.status_code == 404 and api.json()["code"] == "not_found"


def test_staff_see_the_conversations_of_their_customers_only(
    client: TestClient, biz: Business, add_user: Callable[..., Person],
) -> None:
    for staff, hour, phone in (("ana", 10, "+12125550186"), ("marco", 11, "+12125550187")):
        book(client, biz, staff, hour, phone)
        chat = client.post("/api/v1/chat", headers=auth(biz), json={
            "message": "Hi, what are your hours?", "caller_phone": phone,
            "caller_phone_verified": True})
        assert chat.status_code == 200, chat.text
    add_user(biz, "ana@salon.example", role=UserRole.STAFF, resource_id=biz.ana.id)
    sign_in(client, "ana@salon.example")
    listed = client.get("/dashboard/conversations")
    assert listed.status_code == 200
    shown = set(re.findall(r"\+1212555018[67]", listed.text))
    assert shown == {"+12125550186"}, listed.text[-2000:]


def test_a_conversation_page_shows_its_transcript_to_whom_it_may(
    client: TestClient, make_business: Callable[..., Business],
    add_user: Callable[..., Person],
) -> None:
    salon, clinic = make_business("salon"), make_business("clinic")
    anonymous = client.post("/api/v1/chat", headers=auth(salon),
                            json={"message": "Do you cut curly hair?"})
    assert anonymous.status_code == 200, anonymous.text
    book(client, salon, "ana", 10, "+12125550188")
    known = client.post("/api/v1/chat", headers=auth(salon), json={
        "message": "Can I bring my dog?", "caller_phone": "+12125550188",
        "caller_phone_verified": True})
    first, second = anonymous.json()["conversation_id"], known.json()["conversation_id"]
    add_user(salon, "owner@salon.example")
    add_user(salon, "ana@salon.example", role=UserRole.STAFF, resource_id=salon.ana.id)
    add_user(clinic, "owner@clinic.example")
    sign_in(client, "owner@salon.example")
    listed = client.get("/dashboard/conversations")
    assert f'href="/dashboard/conversations/{first}"' in listed.text
    shown = client.get(f"/dashboard/conversations/{first}")
    assert shown.status_code == 200
    assert "Do you cut curly hair?" in shown.text and "Assistant" in shown.text
    client.cookies.clear()
    sign_in(client, "ana@salon.example")
    assert client.get(f"/dashboard/conversations/{first}").status_code == 404  # no customer
    mine = client.get(f"/dashboard/conversations/{second}")
    assert mine.status_code == 200 and "Can I bring my dog?" in mine.text
    client.cookies.clear()
    sign_in(client, "owner@clinic.example")
    assert client.get(f"/dashboard/conversations/{second}").status_code == 404


def test_a_streamed_calls_page_shows_how_fast_it_answered(
    client: TestClient, make_business: Callable[..., Business],
    add_user: Callable[..., Person], factory: sessionmaker[Session],
) -> None:
    from frontdesk.services.conversation_turns import record_voice_timings

    salon = make_business("salon")
    chat = client.post("/api/v1/chat", headers=auth(salon), json={"message": "Hi"})
    conversation = uuid.UUID(chat.json()["conversation_id"])
    add_user(salon, "owner@salon.example")
    sign_in(client, "owner@salon.example")
    assert "Answer started after" not in client.get(
        f"/dashboard/conversations/{conversation}").text  # not a streamed call
    stats = record_voice_timings(factory, conversation, [510.0, 530.0, 900.0, 540.0])
    assert stats == {"turns": 4, "p50_ms": 530, "p95_ms": 900, "max_ms": 900}
    shown = client.get(f"/dashboard/conversations/{conversation}").text
    assert "Answer started after" in shown and "p50 530 ms · p95 900 ms" in shown
