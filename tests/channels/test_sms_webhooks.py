"""The SMS door: signed Twilio and Telnyx webhooks, keywords, replays, a booking by text."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from frontdesk.app import create_app
from frontdesk.channels import sms
from frontdesk.config import Settings
from frontdesk.services.booking import BookingRequest, book
from frontdesk.services.customers import CustomerFields
from frontdesk.store.db import write_session
from frontdesk.store.models import (
    Appointment,
    Conversation,
    ConversationTurn,
    Customer,
    OutboxMessage,
    TenantPhoneNumber,
)
from tests.channels.conftest import Transcript, answer_for, opening, stored_state
from tests.conftest import Business, next_weekday

TOKEN = "twilio-webhook-token"
PUBLIC = "https://desk.example.com"
OUR_NUMBER, CUSTOMER = "+12125550100", "+12125550123"
TELNYX_KEY = Ed25519PrivateKey.generate()
TELNYX_PUBLIC = base64.b64encode(
    TELNYX_KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


@pytest.fixture
def sms_client(engine: Engine) -> Iterator[TestClient]:
    settings = Settings(environment="test", llm_base_url="", twilio_auth_token=TOKEN,
                        public_base_url=PUBLIC, telnyx_public_key=TELNYX_PUBLIC,
                        outbox_worker=False)
    app = create_app(settings, engine=engine)
    app.include_router(sms.router)
    with TestClient(app) as client:
        yield client


@pytest.fixture
def shop(make_business: Callable[..., Business], factory: sessionmaker[Session]) -> Business:
    biz = make_business()
    with write_session(factory) as session:
        session.add(TenantPhoneNumber(tenant_id=biz.tenant.id, number_e164=OUR_NUMBER))
    return biz


def twilio_post(client: TestClient, body: str, sid: str | None = None, *,
                signature: str | None = None, sender: str = CUSTOMER) -> str:
    params = {"MessageSid": sid or "SM" + uuid.uuid4().hex, "AccountSid": "AC" + "1" * 32,
              "From": sender, "To": OUR_NUMBER, "Body": body, "NumMedia": "0"}
    path = "/webhooks/twilio/sms"
    signed = RequestValidator(TOKEN).compute_signature(PUBLIC + path, params)
    response = client.post(path, content=urlencode(params), headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": signature if signature is not None else signed})
    response.raise_for_status()
    assert response.headers["content-type"].startswith("application/xml")
    return response.text


def telnyx_post(client: TestClient, text: str, event_id: str | None = None, *,
                key: Ed25519PrivateKey = TELNYX_KEY, age_s: int = 0) -> int:
    event = {"data": {
        "event_type": "message.received", "id": event_id or str(uuid.uuid4()),
        "occurred_at": "2025-01-01T00:00:00Z", "record_type": "event",
        "payload": {"id": str(uuid.uuid4()), "direction": "inbound", "type": "SMS",
                    "from": {"phone_number": CUSTOMER}, "to": [{"phone_number": OUR_NUMBER}],
                    "text": text}}, "meta": {"attempt": 1}}
    body = json.dumps(event).encode()
    stamp = str(int(time.time()) - age_s)
    signature = base64.b64encode(key.sign(stamp.encode() + b"|" + body)).decode()
    response = client.post("/webhooks/telnyx", content=body, headers={
        "Content-Type": "application/json", "telnyx-signature-ed25519": signature,
        "telnyx-timestamp": stamp})
    return response.status_code


def message_text(twiml: str) -> str:
    if "<Message>" not in twiml:
        return ""
    return twiml.split("<Message>", 1)[1].split("</Message>", 1)[0]


def count(factory: sessionmaker[Session], model: type, *where: object) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def customer(factory: sessionmaker[Session]) -> Customer | None:
    with factory() as session:
        return session.scalars(select(Customer).where(Customer.phone_e164 == CUSTOMER)).first()


def book_for_customer(factory: sessionmaker[Session], biz: Business) -> Appointment:
    start = biz.at(next_weekday(biz.tz, 1), 10)
    return book(factory, biz.tenant, BookingRequest(
        biz.haircut.id, start, biz.ana.id,
        customer=CustomerFields(phone=CUSTOMER, name="Jo"))).appointment


def test_a_customer_books_a_haircut_by_text(
    sms_client: TestClient, shop: Business, factory: sessionmaker[Session]
) -> None:
    day = next_weekday(shop.tz, 2)
    transcript = Transcript()
    text = opening(day, "en")
    for _ in range(10):
        transcript.add("customer", text)
        reply = message_text(twilio_post(sms_client, text))
        transcript.add("desk", reply)
        state = stored_state(factory, shop, channel="sms")
        if state.get("appointment_id"):
            break
        text = answer_for(state, day, "en")
    with factory() as session:
        [appt] = session.scalars(select(Appointment)).all()
        assert appt.start_at == shop.at(day, 10), transcript
        assert appt.customer is not None and appt.customer.phone_e164 == CUSTOMER
        conversation = session.scalars(select(Conversation)).one()
    assert conversation.channel == "sms"
    assert conversation.external_id == f"{CUSTOMER}|{OUR_NUMBER}"
    # The booking's confirmation goes out through the outbox, to the texting customer.
    assert count(factory, OutboxMessage, OutboxMessage.purpose == "confirmation",
                 OutboxMessage.recipient == CUSTOMER) == 1


@pytest.mark.parametrize("word", ["STOP", "stop", "Unsubscribe.", "BAJA", "parar"])
def test_stop_opts_out_and_later_bookings_text_nothing(
    sms_client: TestClient, shop: Business, factory: sessionmaker[Session], word: str
) -> None:
    stopped = message_text(twilio_post(sms_client, word))  # confirmed once, how to undo it
    assert "START" in stopped or "ALTA" in stopped
    found = customer(factory)
    assert found is not None and found.do_not_call and not found.sms_consent
    assert message_text(twilio_post(sms_client, "I want a haircut tomorrow")) == ""
    book_for_customer(factory, shop)
    assert count(factory, OutboxMessage, OutboxMessage.recipient == CUSTOMER) == 0


def test_start_re_enables_and_help_answers(
    sms_client: TestClient, shop: Business, factory: sessionmaker[Session]
) -> None:
    twilio_post(sms_client, "STOP")
    assert "again" in message_text(twilio_post(sms_client, "START"))
    found = customer(factory)
    assert found is not None and not found.do_not_call and found.sms_consent
    assert "STOP" in message_text(twilio_post(sms_client, "HELP"))
    assert "BAJA" in message_text(twilio_post(sms_client, "ayuda"))
    book_for_customer(factory, shop)
    assert count(factory, OutboxMessage, OutboxMessage.recipient == CUSTOMER) > 0


@pytest.mark.parametrize("signature", ["", "Zm9yZ2Vk", None])
def test_a_forged_or_missing_signature_is_403_and_changes_nothing(
    sms_client: TestClient, shop: Business, factory: sessionmaker[Session],
    signature: str | None,
) -> None:
    params = {"MessageSid": "SM1", "From": CUSTOMER, "To": OUR_NUMBER, "Body": "STOP"}
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    response = sms_client.post("/webhooks/twilio/sms", content=urlencode(params), headers=headers)
    assert response.status_code == 403
    # Signed for another URL (the one we are reached at, not the public one): refused too.
    signed_local = RequestValidator(TOKEN).compute_signature(
        "http://testserver/webhooks/twilio/sms", params)
    response = sms_client.post("/webhooks/twilio/sms", content=urlencode(params),
                               headers={**headers, "X-Twilio-Signature": signed_local})
    assert response.status_code == 403
    assert count(factory, Conversation) == 0 and customer(factory) is None


def test_a_replayed_message_is_not_a_second_turn(
    sms_client: TestClient, shop: Business, factory: sessionmaker[Session]
) -> None:
    first = twilio_post(sms_client, "Hi, I'd like a haircut", sid="SMreplay")
    turns = count(factory, ConversationTurn)
    again = twilio_post(sms_client, "Hi, I'd like a haircut", sid="SMreplay")
    assert again == first
    assert count(factory, ConversationTurn) == turns
    with factory() as session:
        assert session.scalars(select(Conversation.turn_count)).one() == 1


def test_reminder_replies_confirm_cancel_and_reschedule(
    sms_client: TestClient, shop: Business, factory: sessionmaker[Session]
) -> None:
    appt = book_for_customer(factory, shop)
    assert "see you" in message_text(twilio_post(sms_client, "C"))
    reply = twilio_post(sms_client, "R")
    assert message_text(reply)  # the agent takes it from there
    assert twilio_post(sms_client, "X", sid="SMcancel")
    with factory() as session:
        assert session.get_one(Appointment, appt.id).status == "cancelled"
    # A second delivery of the same X cancels nothing more.
    second = book(factory, shop.tenant, BookingRequest(
        shop.haircut.id, appt.start_at + timedelta(days=1), shop.ana.id,
        customer=CustomerFields(phone=CUSTOMER, name="Jo"))).appointment
    twilio_post(sms_client, "X", sid="SMcancel")
    with factory() as session:
        assert session.get_one(Appointment, second.id).status == "booked"
    assert count(factory, OutboxMessage, OutboxMessage.purpose == "cancellation") == 1


def test_telnyx_message_received_is_verified_and_answered_through_the_outbox(
    sms_client: TestClient, shop: Business, factory: sessionmaker[Session]
) -> None:
    assert telnyx_post(sms_client, "HELP", event_id="ev-1") == 200
    assert telnyx_post(sms_client, "HELP", event_id="ev-1") == 200  # Telnyx retried
    with factory() as session:
        [reply] = session.scalars(select(OutboxMessage).where(
            OutboxMessage.purpose == "reply")).all()
    assert reply.recipient == CUSTOMER and reply.payload["from"] == OUR_NUMBER
    assert "STOP" in reply.payload["body"]
    assert count(factory, ConversationTurn) == 2


def test_telnyx_forged_or_stale_signatures_are_403(
    sms_client: TestClient, shop: Business, factory: sessionmaker[Session]
) -> None:
    assert telnyx_post(sms_client, "STOP", key=Ed25519PrivateKey.generate()) == 403
    assert telnyx_post(sms_client, "STOP", age_s=6 * 60) == 403
    assert count(factory, Conversation) == 0 and customer(factory) is None
    assert telnyx_post(sms_client, "STOP") == 200
    found = customer(factory)
    assert found is not None and found.do_not_call
