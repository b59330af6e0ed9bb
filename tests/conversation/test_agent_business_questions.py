"""The rules engine answers what the business told it, and only that: facts in the
business's words, prices it stored, its FAQ; a question it never answered is said to be
unknown and a person is offered. The details it requires before booking are asked for,
checked, and kept on the appointment."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.conversation.tools import ToolContext, Tools
from frontdesk.services.tenants import TenantFields, apply_tenant_fields
from frontdesk.store.db import write_session
from frontdesk.store.models import Appointment, Tenant
from tests.conftest import Business
from tests.conversation.conftest import Chat

Monday = Callable[..., tuple[Business, datetime]]
StartChat = Callable[..., Chat]


def _tell(factory: sessionmaker[Session], biz: Business, **fields: Any) -> None:
    with write_session(factory) as session:
        row = session.get_one(Tenant, biz.tenant.id)
        apply_tenant_fields(session, row, TenantFields(**fields))
        for name in ("info", "faq", "required_fields"):
            setattr(biz.tenant, name, getattr(row, name))


def test_a_fact_the_business_never_gave_is_not_invented(
    factory: sessionmaker[Session], monday: Monday, start_chat: StartChat
) -> None:
    biz, now = monday()
    _tell(factory, biz, info={"parking": {"en": "Free parking behind the building."}})
    chat = start_chat(biz, now)
    reply = chat.say("where are you located?")
    assert "don't have that information" in reply.text
    assert reply.state["awaiting"] == "confirm_transfer"
    assert chat.say("yes please").transfer


def test_facts_in_the_callers_language_and_prices_never_guessed(
    factory: sessionmaker[Session], monday: Monday, start_chat: StartChat
) -> None:
    biz, now = monday()
    _tell(factory, biz, info={"address": {"en": "1 Main St", "es": "Calle Mayor 1"}})
    chat = start_chat(biz, now)
    assert chat.say("¿dónde están?").text.startswith("Calle Mayor 1")
    # The test business stored no prices: none is said.
    priced = chat.say("¿cuánto cuesta un corte?")
    assert "no tengo el precio" in priced.text and "$" not in priced.text
    assert priced.state["awaiting"] == "confirm_transfer"


def test_a_question_mid_booking_is_answered_and_the_booking_carries_on(
    factory: sessionmaker[Session], monday: Monday, start_chat: StartChat
) -> None:
    biz, now = monday()
    _tell(factory, biz, info={"parking": {"en": "Free parking behind the building."}})
    chat = start_chat(biz, now)
    assert chat.say("I'd like a haircut").state["awaiting"] == "time"
    answered = chat.say("is there parking?")
    assert answered.text.startswith("Free parking behind the building.")
    assert "when would you like" in answered.text.lower()
    assert answered.state["awaiting"] == "time" and answered.state["goal"] == "book"
    assert chat.say("tomorrow at 10am").state["awaiting"] == "choice"


def test_faq_hit_and_miss(factory: sessionmaker[Session], monday: Monday,
                          start_chat: StartChat) -> None:
    biz, now = monday()
    _tell(factory, biz, faq=[{"question": {"en": "Do you sell gift cards?"},
                              "answer": {"en": "Yes, at the front desk."}}])
    chat = start_chat(biz, now)
    hit = chat.say("do you guys sell gift certificates?")
    assert hit.text.startswith("Yes, at the front desk.")
    assert hit.state["awaiting"] == "anything_else"
    miss = chat.say("do you have wifi for customers?")
    assert "Yes, at the front desk." not in miss.text
    assert miss.state["awaiting"] == "confirm_transfer"


def test_a_service_not_offered_names_those_that_are(
    monday: Monday, start_chat: StartChat
) -> None:
    biz, now = monday()
    chat = start_chat(biz, now)
    reply = chat.say("Hi, I'd like to book a massage")
    assert "don't offer" in reply.text
    assert "coloring" in reply.text and "haircut" in reply.text
    assert not reply.transfer and reply.state["awaiting"] == "anything_else"


def test_a_required_date_of_birth_is_asked_checked_and_kept(
    factory: sessionmaker[Session], monday: Monday, start_chat: StartChat
) -> None:
    biz, now = monday()
    _tell(factory, biz, required_fields=["date_of_birth"])
    chat = start_chat(biz, now, caller_phone="+12125550123")
    chat.say("I'd like a haircut tomorrow at 10am")
    assert "name" in chat.say("yes").text.lower()
    asked = chat.say("Jordan Lee")
    assert "date of birth" in asked.text and asked.state["awaiting"] == "date_of_birth"
    # A date that does not exist, and one in the future, are asked again; asked again
    # once too often, a person takes over (as for any question that gets nowhere).
    again = chat.say("February 30th, 1990")
    assert again.state["awaiting"] == "date_of_birth" and "full date of birth" in again.text
    assert chat.say(f"March 3rd, {now.year + 1}").transfer
    chat = start_chat(biz, now, caller_phone="+12125550124")
    chat.say("I'd like a haircut tomorrow at 11am")
    chat.say("yes")
    chat.say("Sam Patel")
    readback = chat.say("March 3rd, 1985")
    assert readback.state["awaiting"] == "confirm"
    assert chat.say("yes").outcome == "booked"
    with factory() as session:
        appt = session.scalars(select(Appointment).where(
            Appointment.start_at == biz.at(now.date() + timedelta(days=1), 11))).one()
    assert appt.intake == {"date_of_birth": "1985-03-03"}


def test_the_book_tool_refuses_without_a_required_detail(
    factory: sessionmaker[Session], monday: Monday
) -> None:
    biz, now = monday()
    _tell(factory, biz, required_fields=["insurance"])
    tools = Tools(ToolContext(factory, biz.tenant, __import__("uuid").uuid4(), "chat",
                              clock=lambda: now))
    args = {"service_id": str(biz.haircut.id),
            "start": biz.at(now.date() + timedelta(days=1), 10).isoformat(),
            "customer_name": "Alex Smith", "customer_phone": "+12125550199"}
    refused = tools.call("book", args)
    assert getattr(refused, "code", None) == "invalid_input"
    assert "insurance" in getattr(refused, "note", "")
    booked = tools.call("book", {**args, "insurance": "Sanitas"})
    assert booked.appointment.id  # type: ignore[union-attr]
    with factory() as session:
        assert session.get_one(Appointment, booked.appointment.id).intake == {  # type: ignore[union-attr]
            "insurance": "Sanitas"}
