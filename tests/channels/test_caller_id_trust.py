"""Doors whose caller ID is vouched for need no code: a text from the customer's number, a
Twilio call from it, a voice platform that passes it. Each one's record says so."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.services.booking import BookingRequest, book
from frontdesk.services.customers import CustomerFields
from frontdesk.store.db import write_session
from frontdesk.store.models import Appointment, Conversation, OutboxMessage, TenantPhoneNumber
from tests.channels.test_openai_compat import VoicePlatform, sdk
from tests.channels.test_sms_webhooks import (
    OUR_NUMBER,
    PUBLIC,
    TELNYX_PUBLIC,
    TOKEN,
    message_text,
    twilio_post,
)
from tests.channels.test_twilio_voice import TwilioStandIn, said, with_twilio
from tests.conftest import Business, auth, next_weekday

CUSTOMER = "+12125550123"  # the number test_sms_webhooks texts from


@pytest.fixture
def shop(make_business: Callable[..., Business], factory: sessionmaker[Session]) -> Business:
    biz = make_business()
    with write_session(factory) as session:
        session.add(TenantPhoneNumber(tenant_id=biz.tenant.id, number_e164=OUR_NUMBER))
    return biz


@pytest.fixture
def booked(factory: sessionmaker[Session], shop: Business) -> Appointment:
    return book(factory, shop.tenant, BookingRequest(
        shop.haircut.id, shop.at(next_weekday(shop.tz, 2), 10), shop.ana.id,
        customer=CustomerFields(phone=CUSTOMER, name="Jo Lee"))).appointment


@pytest.fixture
def texting(engine: Engine) -> Iterator[TestClient]:
    """The app with Twilio's SMS webhook configured (signed like Twilio)."""
    settings = Settings(environment="test", llm_base_url="", twilio_auth_token=TOKEN,
                        public_base_url=PUBLIC, telnyx_public_key=TELNYX_PUBLIC,
                        outbox_worker=False)
    with TestClient(create_app(settings, engine=engine)) as client:
        yield client


@pytest.fixture
def calling(client: TestClient) -> TestClient:
    """The app with Twilio's voice webhooks configured (test_twilio_voice's stand-in)."""
    with_twilio(client.app)  # type: ignore[arg-type]
    return client


def status(factory: sessionmaker[Session], appointment: Appointment) -> str:
    with factory() as session:
        return session.get_one(Appointment, appointment.id).status


def no_codes_sent(factory: sessionmaker[Session]) -> bool:
    with factory() as session:
        return session.scalars(select(OutboxMessage).where(
            OutboxMessage.purpose == "verification_code")).first() is None


def record(client: TestClient, biz: Business, factory: sessionmaker[Session],
           channel: str) -> dict[str, Any]:
    with factory() as session:
        row = session.scalars(select(Conversation).where(
            Conversation.channel == channel)).one()
    response = client.get(f"/api/v1/conversations/{row.id}", headers=auth(biz))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_a_text_from_the_customers_number_cancels_without_a_code(
        texting: TestClient, shop: Business, booked: Appointment,
        factory: sessionmaker[Session]) -> None:
    confirm = message_text(twilio_post(texting, "Hi, I need to cancel my appointment"))
    assert "cancel your haircut" in confirm
    message_text(twilio_post(texting, "yes"))
    assert status(factory, booked) == "cancelled" and no_codes_sent(factory)
    conversation = record(texting, shop, factory, "sms")
    assert conversation["caller_phone"] == CUSTOMER and conversation["caller_verified"]


def test_a_call_from_the_customers_number_cancels_without_a_code(
        calling: TestClient, shop: Business, booked: Appointment,
        factory: sessionmaker[Session]) -> None:
    call = TwilioStandIn(calling, caller=CUSTOMER, called=OUR_NUMBER)
    assert "Jo" in said(call.ring())  # recognised by caller ID
    assert "cancel your haircut" in said(call.say("I want to cancel my appointment"))
    call.say("yes")
    assert status(factory, booked) == "cancelled" and no_codes_sent(factory)
    assert record(calling, shop, factory, "phone")["caller_verified"] is True


def test_a_voice_platform_that_passes_the_caller_number_needs_no_code(
        client: TestClient, shop: Business, booked: Appointment,
        factory: sessionmaker[Session]) -> None:
    platform = VoicePlatform(sdk(client, shop.api_key), extra_body={
        "metadata": {"call_id": uuid.uuid4().hex},
        "call": {"customer": {"number": CUSTOMER}}})
    assert "cancel your haircut" in platform.say("I want to cancel my appointment")
    platform.say("yes")
    assert status(factory, booked) == "cancelled" and no_codes_sent(factory)
    assert record(client, shop, factory, "phone")["caller_verified"] is True


def test_a_web_chat_number_is_recorded_as_a_claim(
        client: TestClient, shop: Business, factory: sessionmaker[Session]) -> None:
    response = client.post("/api/v1/chat", headers=auth(shop),
                           json={"message": "hi", "caller_phone": "212 555 0123"})
    assert response.status_code == 200, response.text
    conversation = record(client, shop, factory, "chat")
    assert conversation["caller_phone"] == CUSTOMER and conversation["caller_verified"] is False
