"""A customer's timeline (everything that happened, newest first) and erasing them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.store.db import write_session
from frontdesk.store.models import (
    CampaignLead,
    Conversation,
    ConversationTurn,
    Customer,
    DoNotCallEntry,
    OutboxMessage,
)
from tests.api.conftest import auth
from tests.api.dashboard_data import NOW, campaign_call, conversation, customer, message
from tests.conftest import Business, next_weekday

PHONE = "+12125550101"


def _ana_history(client: TestClient, biz: Business,
                 factory: sessionmaker[Session]) -> dict[str, str]:
    ana = customer(factory, biz, PHONE, "Ana", email="ana@example.com", call_consent=True,
                   notes="Allergic to dye")
    call = conversation(factory, biz, customer_id=ana, started=NOW - timedelta(days=3),
                        caller_phone=PHONE, said=("I'm Ana, book me", "Booked, Ana!"))
    sms = message(factory, biz, ana, PHONE, created=NOW - timedelta(days=2),
                  body="Ana, see you Tuesday")
    pending = message(factory, biz, ana, PHONE, created=NOW - timedelta(hours=1),
                      body="Reminder for Ana", status="pending")
    campaign_call(factory, biz, ana, PHONE, started=NOW - timedelta(days=1),
                  outcome="no_answer", status="pending")
    day = next_weekday(biz.tz, 1)
    booked = client.post("/api/v1/appointments", headers=auth(biz), json={
        "service_id": str(biz.haircut.id), "start": biz.at(day, 10).isoformat(),
        "customer_id": str(ana), "notes": "Ana's sister too"})
    assert booked.status_code == 201, booked.text
    appointment = booked.json()["id"]
    assert client.post(f"/api/v1/appointments/{appointment}/confirm",
                       headers=auth(biz)).status_code == 200
    return {"customer": str(ana), "call": str(call), "sms": str(sms), "pending": str(pending),
            "appointment": appointment}


def test_the_timeline_merges_everything_newest_first_and_pages(
        client: TestClient, biz: Business, factory: sessionmaker[Session]) -> None:
    ids = _ana_history(client, biz, factory)
    path = f"/api/v1/customers/{ids['customer']}/timeline"
    body = client.get(path, headers=auth(biz)).json()
    assert body["customer"]["name"] == "Ana" and body["next_before"] is None
    kinds = [(e["kind"], (e["appointment"] or {}).get("event")) for e in body["entries"]]
    # The booking's own notices (confirmations, reminders) are written with it.
    assert kinds == [("appointment", "confirmed"), *[("message", None)] * 4,
                     ("appointment", "booked"), ("message", None), ("campaign_call", None),
                     ("message", None), ("conversation", None)]
    stamps = [e["at"] for e in body["entries"]]
    assert stamps == sorted(stamps, reverse=True)
    talk = body["entries"][-1]["conversation"]
    assert talk["id"] == ids["call"] and talk["channel"] == "phone"
    assert [(t["role"], t["text"], t["language"]) for t in talk["turns"]] == [
        ("user", "I'm Ana, book me", "en"), ("assistant", "Booked, Ana!", "en")]
    texted = body["entries"][8]["message"]
    assert texted["status"] == "sent" and texted["body"] == "Ana, see you Tuesday"
    assert body["entries"][7]["campaign_call"]["outcome"] == "no_answer"
    assert {e["message"]["purpose"] for e in body["entries"][1:5]} >= {"confirmation"}
    # Pages of 3 never split the four notices of one instant, and together hold it all.
    seen: list[str] = []
    params: dict[str, object] = {"limit": 3}
    for _ in range(10):
        page = client.get(path, headers=auth(biz), params=params).json()
        seen += [e["at"] for e in page["entries"]]
        if page["next_before"] is None:
            break
        params["before"] = page["next_before"]
    assert seen == stamps


def test_erase_removes_personal_data_and_keeps_anonymous_history(
        client: TestClient, biz: Business, factory: sessionmaker[Session]) -> None:
    ids = _ana_history(client, biz, factory)
    unlinked = conversation(factory, biz, customer_id=None, channel="sms",
                            started=NOW - timedelta(days=5), caller_phone=PHONE,
                            said=("Is Ana's slot free?", "Yes"))
    response = client.post(f"/api/v1/customers/{ids['customer']}/erase", headers=auth(biz))
    assert response.status_code == 200, response.text
    erased = response.json()
    assert erased["erased_at"] is not None
    assert (erased["name"], erased["phone"], erased["email"], erased["notes"]) == (
        None, None, None, None)
    assert erased["do_not_call"] is False  # as it was: not put on any list
    with factory() as session:
        said = session.scalars(select(ConversationTurn.text).where(
            ConversationTurn.role.in_(("user", "assistant")))).all()
        assert said and set(said) == {"[erased]"}
        assert all(t is None for t in session.scalars(select(ConversationTurn.tool_args).where(
            ConversationTurn.role == "tool")))
        talks = session.scalars(select(Conversation)).all()
        assert {c.id for c in talks} >= {unlinked}
        assert all(c.caller_phone is None and c.state == {} for c in talks)
        messages = {str(m.id): m for m in session.scalars(select(OutboxMessage))}
        assert all("Ana" not in str(m.payload) and m.recipient == "[erased]"
                   for m in messages.values())
        assert messages[ids["pending"]].status == "cancelled"
        assert messages[ids["sms"]].status == "sent"
        lead = session.scalars(select(CampaignLead)).one()
        assert PHONE not in lead.phone_e164 and lead.status == "erased"
        assert session.scalar(select(DoNotCallEntry.phone_e164)) is None
    appointment = client.get(f"/api/v1/appointments/{ids['appointment']}",
                             headers=auth(biz)).json()
    assert appointment["status"] == "booked" and appointment["customer_name"] is None
    assert appointment["notes"] is None and appointment["customer_id"] == ids["customer"]
    # The number is free again: someone calling from it is a new customer.
    again = client.post("/api/v1/customers", headers=auth(biz), json={"phone": PHONE})
    assert again.status_code == 201 and again.json()["id"] != ids["customer"]
    # Erasing again changes nothing.
    twice = client.post(f"/api/v1/customers/{ids['customer']}/erase", headers=auth(biz))
    assert twice.status_code == 200 and twice.json() == erased


def test_erase_keeps_do_not_call_as_it_was(
        client: TestClient, biz: Business, factory: sessionmaker[Session]) -> None:
    ana = customer(factory, biz, PHONE, "Ana", do_not_call=True)
    with write_session(factory) as session:
        session.add(DoNotCallEntry(phone_e164=PHONE, reason="asked"))
    assert client.post(f"/api/v1/customers/{ana}/erase", headers=auth(biz)).status_code == 200
    with factory() as session:
        assert session.get_one(Customer, ana).do_not_call is True
        assert session.scalar(select(DoNotCallEntry.reason)) == "asked"


def test_another_business_can_neither_read_nor_erase(
        client: TestClient, make_business: Callable[..., Business],
        factory: sessionmaker[Session]) -> None:
    owner, other = make_business("owner"), make_business("other")
    ana = customer(factory, owner, PHONE, "Ana")
    for method, path in (("GET", f"/api/v1/customers/{ana}/timeline"),
                         ("POST", f"/api/v1/customers/{ana}/erase")):
        response = client.request(method, path, headers=auth(other))
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    with factory() as session:
        assert session.get_one(Customer, ana).name == "Ana"
