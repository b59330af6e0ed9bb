"""The SMS desk, without a provider: keywords, reminder replies through the agent's tools."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.conversation import sms_keywords
from frontdesk.conversation.agent import Agent
from frontdesk.conversation.refusals import say_refusal
from frontdesk.conversation.sms_keywords import InboundSms, SmsDesk, keyword
from frontdesk.conversation.tools import ToolContext, Tools
from frontdesk.errors import RefusalCode
from frontdesk.services.booking import BookingRequest, book
from frontdesk.services.customers import CustomerFields
from frontdesk.store.db import write_session
from frontdesk.store.models import (
    Appointment,
    ConversationTurn,
    Customer,
    OutboxMessage,
    Tenant,
    TenantPhoneNumber,
)
from tests.conftest import Business

OURS, TEXTER = "+12125550100", "+12125550123"


@pytest.mark.parametrize(("text", "word"), [("Stop.", "STOP"), ("  x ", "X"), ("¡Ayuda!", "AYUDA"),
                                            ("stop it", None), ("", None), ("?!", None)])
def test_a_keyword_is_one_word_in_capitals(text: str, word: str | None) -> None:
    assert keyword(text) == word


@pytest.fixture
def shop(monday: Callable[..., tuple[Business, datetime]],
         factory: sessionmaker[Session]) -> tuple[Business, datetime]:
    biz, now = monday()
    with write_session(factory) as session:
        session.add(TenantPhoneNumber(tenant_id=biz.tenant.id, number_e164=OURS))
    return biz, now


def desk_at(factory: sessionmaker[Session], now: datetime) -> SmsDesk:
    return SmsDesk(factory, Agent(factory, clock=lambda: now))


def text(desk: SmsDesk, body: str, message_id: str) -> str | None:
    return desk.handle(InboundSms(message_id, TEXTER, OURS, body)).text


def booked(factory: sessionmaker[Session], biz: Business, start: datetime) -> Appointment:
    return book(factory, biz.tenant, BookingRequest(
        biz.haircut.id, start, biz.ana.id, customer=CustomerFields(phone=TEXTER, name="Jo")),
        now=start - timedelta(days=1)).appointment


def turns(factory: sessionmaker[Session]) -> list[ConversationTurn]:
    with factory() as session:
        return list(session.scalars(select(ConversationTurn).order_by(ConversationTurn.seq)))


def test_x_cancels_the_next_appointment_through_the_cancel_tool(
        shop: tuple[Business, datetime], factory: sessionmaker[Session]) -> None:
    biz, now = shop
    first = booked(factory, biz, now + timedelta(hours=2))
    later = booked(factory, biz, now + timedelta(days=1, hours=2))
    desk = desk_at(factory, now)
    assert text(desk, "X", "SM1") is None  # the cancellation text (outbox) is the answer
    with factory() as session:
        assert session.get_one(Appointment, first.id).status == "cancelled"
        assert session.get_one(Appointment, later.id).status == "booked"
        assert session.scalars(select(OutboxMessage.purpose).where(
            OutboxMessage.purpose == "cancellation")).all() == ["cancellation"]
    # The cancel is the agent's own tool call, recorded like any other.
    assert [(t.role, t.tool_name) for t in turns(factory)] == [
        ("user", None), ("tool", "cancel"), ("assistant", None)]
    tool = turns(factory)[1]
    assert tool.tool_args == {"appointment_id": str(first.id)}
    assert tool.tool_result is not None and tool.tool_result["ok"] is True
    # The same message delivered again cancels nothing more.
    assert text(desk, "X", "SM1") is None
    with factory() as session:
        assert session.get_one(Appointment, later.id).status == "booked"
    assert len(turns(factory)) == 3


def test_the_cancel_tools_rules_hold_and_its_refusal_is_texted_back(
        shop: tuple[Business, datetime], factory: sessionmaker[Session]) -> None:
    biz, now = shop
    theirs = book(factory, biz.tenant, BookingRequest(
        biz.haircut.id, now + timedelta(hours=3), biz.marco.id,
        customer=CustomerFields(phone="+12125550188", name="Sam")),
        now=now - timedelta(days=1)).appointment
    agent = Agent(factory, clock=lambda: now)
    conversation = agent.open(biz.tenant, "sms", f"{TEXTER}|{OURS}", caller_phone=TEXTER,
                              caller_verified=True)
    tools = Tools(ToolContext(factory, biz.tenant, conversation.id, "sms", TEXTER,
                              lambda: now))
    refusal = sms_keywords._cancel(tools, str(theirs.id), biz.tenant, "en")
    assert refusal == say_refusal(RefusalCode.NOT_YOUR_APPOINTMENT, "en")
    assert "/api/" not in refusal and "caller." not in refusal  # ours, not the service's
    spanish = sms_keywords._cancel(tools, str(theirs.id), biz.tenant, "es")
    assert spanish == say_refusal(RefusalCode.NOT_YOUR_APPOINTMENT, "es") != refusal
    with factory() as session:
        assert session.get_one(Appointment, theirs.id).status == "booked"


def test_x_with_nothing_booked_is_an_ordinary_turn(
        shop: tuple[Business, datetime], factory: sessionmaker[Session]) -> None:
    _, now = shop
    answer = text(desk_at(factory, now), "X", "SM3")
    assert answer  # the agent answers
    assert "cancel" not in {t.tool_name for t in turns(factory)}


def test_c_confirms_and_r_starts_moving(
        shop: tuple[Business, datetime], factory: sessionmaker[Session]) -> None:
    biz, now = shop
    appointment = booked(factory, biz, now + timedelta(hours=2))
    desk = desk_at(factory, now)
    assert text(desk, "C", "SM4") == "Thanks, see you then!"
    with factory() as session:
        assert session.get_one(Appointment, appointment.id).confirmed_at == now
    # The same message again, or a second C later, keeps the first confirmation's time.
    assert text(desk_at(factory, now + timedelta(minutes=5)), "C", "SM4")
    assert text(desk_at(factory, now + timedelta(minutes=5)), "C", "SM6")
    with factory() as session:
        again = session.get_one(Appointment, appointment.id)
        assert again.confirmed_at == now and again.status == "booked"
    assert text(desk, "R", "SM5")
    users = [t.text for t in turns(factory) if t.role == "user"]
    assert users == ["C", "C", "I'd like to reschedule my appointment"]


def test_stop_then_start_in_spanish(shop: tuple[Business, datetime],
                                    factory: sessionmaker[Session]) -> None:
    biz, now = shop
    desk = desk_at(factory, now)
    stopped = text(desk, "BAJA", "SM6")  # confirmed once, as carriers expect
    assert stopped is not None and "ALTA" in stopped
    assert text(desk, "hola", "SM7") is None  # opted out: never answered
    started = text(desk, "ALTA", "SM8")
    assert started is not None and started.startswith(f"{biz.tenant.name}: volverá")
    with factory() as session:
        customer = session.scalars(select(Customer)).one()
        assert not customer.do_not_call and customer.sms_consent
    helped = text(desk, "AYUDA", "SM9")
    assert helped is not None and "BAJA" in helped


def test_help_names_the_fallback_number(shop: tuple[Business, datetime],
                                        factory: sessionmaker[Session]) -> None:
    biz, now = shop
    with write_session(factory) as session:
        session.get_one(Tenant, biz.tenant.id).fallback_phone = "+12125550110"
    answer = text(desk_at(factory, now), "help", "SM10")
    assert answer is not None and answer.endswith("Or call +12125550110.")


def test_a_text_to_a_number_nobody_owns_is_ignored(factory: sessionmaker[Session]) -> None:
    desk = SmsDesk(factory, Agent(factory))
    assert desk.handle(InboundSms("SM11", TEXTER, "+12125550999", "HELP")).text is None
    assert turns(factory) == []
