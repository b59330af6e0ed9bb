"""The outbound conversation on a campaign call: the opening disclosure, the meeting
request's offers, and each answer's outcome on the attempt, the lead and the customer."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.conversation.agent import Agent, Reply
from frontdesk.services import do_not_call
from frontdesk.store.models import Appointment, Conversation, Tenant
from tests.conftest import Business
from tests.conversation.campaign_calls import (
    CampaignSetUp,
    as_utc,
    attempts,
    customer,
    first_monday,
    inside_hard,
    lead,
    participants,
    place_call,
    set_up_campaign,
    utc,
)

NY = ZoneInfo("America/New_York")
LA = ZoneInfo("America/Los_Angeles")


class Call:
    """A campaign call as the voice door holds it: greeted, then answered turn by turn."""

    def __init__(self, factory: sessionmaker[Session], business: Business, setup: CampaignSetUp,
                 now: datetime) -> None:
        self.factory, self.tenant, self.setup = factory, business.tenant, setup
        self.agent = Agent(factory, clock=lambda: now)
        self.id = place_call(factory, setup, now)
        self.opening = self.agent.greet(self.tenant, self.id, outbound=True)

    def say(self, text: str) -> Reply:
        return self.agent.turn(self.tenant, self.id, text, request_key=uuid.uuid4().hex)

    def row(self) -> Conversation:
        with self.factory() as session:
            return session.get_one(Conversation, self.id)


@pytest.fixture
def call(factory: sessionmaker[Session],
         make_business: Callable[..., Business]) -> Callable[..., Call]:
    def start(*, lead_tz: str = "America/New_York", hour: int = 10, **options: object) -> Call:
        business = make_business()
        now = datetime.combine(first_monday(business.tz), time(hour), tzinfo=business.tz)
        setup = set_up_campaign(factory, business, now=now, lead_tz=lead_tz,
                                **options)  # type: ignore[arg-type]
        return Call(factory, business, setup, now)

    return start


# --- the opening ---------------------------------------------------------------------------


def test_the_call_opens_with_who_on_whose_behalf_why_and_how_to_opt_out(
        call: Callable[..., Call]) -> None:
    text = call().opening.text
    assert text.startswith("Hi Alex, this is an automated assistant calling on behalf of "
                           "Salon about your annual check-up.")
    assert "say 'stop calling me' and we won't call again" in text
    assert "I can offer" in text  # then concrete times for the meeting


def test_a_spanish_lead_hears_the_disclosure_in_spanish(call: Callable[..., Call]) -> None:
    opening = call(language="es", title="su revisión anual").opening
    assert opening.lang == "es"
    assert opening.text.startswith("Hola Alex, le llama un asistente automático en nombre de "
                                   "Salon por su revisión anual.")
    assert "diga 'no me llamen más' y no volveremos a llamarle" in opening.text
    assert "Le puedo ofrecer" in opening.text


def test_a_call_with_no_campaign_states_a_generic_purpose(
        factory: sessionmaker[Session], biz: Business) -> None:
    agent = Agent(factory)
    for lang, purpose, hint in (("en", "about your appointments with us", "stop calling me"),
                                ("es", "por sus citas con nosotros", "no me llamen más")):
        conversation = agent.open(biz.tenant, "phone", f"CA-{lang}", caller_phone="+12125550188",
                                  caller_verified=True, lang=lang)
        text = agent.greet(biz.tenant, conversation.id, outbound=True).text
        assert ("automated assistant" if lang == "en" else "asistente automático") in text
        assert "Salon" in text and purpose in text and hint in text


# --- offering the meeting's times, and booking one -----------------------------------------


def test_offers_lie_inside_the_hard_constraints_and_favour_the_soft_ones(
        call: Callable[..., Call], factory: sessionmaker[Session]) -> None:
    talk = call()
    offered = talk.opening.state["offered"]
    assert len(offered) == 3
    hard = talk.setup.hard
    for start in offered:
        begins = utc(start)
        assert inside_hard(begins, begins + timedelta(minutes=30), hard), start
        assert begins.astimezone(NY).hour < 12  # mornings are preferred, and there are some
    assert len({utc(s).astimezone(NY).date() for s in offered}) == 3  # different days


def test_picking_an_offer_books_it_and_the_lead_is_booked(
        call: Callable[..., Call], factory: sessionmaker[Session]) -> None:
    talk = call()
    first = utc(talk.opening.state["offered"][0])
    read_back = talk.say("The first one, please")
    assert "Shall I book it?" in read_back.text and "Alex Smith" in read_back.text
    booked = talk.say("Yes")
    assert booked.outcome == "booked" and booked.appointment_id
    with factory() as session:
        appointment = session.get_one(Appointment, uuid.UUID(booked.appointment_id))
        assert utc(appointment.start_at.isoformat()) == first
        assert appointment.customer_id == talk.setup.customer_id  # the lead, not a new one
    [attempt] = attempts(factory, talk.setup)
    assert attempt.outcome == "booked"
    assert lead(factory, talk.setup).status == "booked"
    assert talk.row().outcome == "booked"


# --- what the person answers ---------------------------------------------------------------


@pytest.mark.parametrize(("words", "language"), [
    ("I'm not interested, thanks", "en"), ("No me interesa, gracias", "es")])
def test_not_interested_is_declined(call: Callable[..., Call], factory: sessionmaker[Session],
                                    words: str, language: str) -> None:
    talk = call(language=language)
    reply = talk.say(words)
    assert reply.end and reply.outcome == "declined"
    assert reply.text.startswith("No problem" if language == "en" else "Sin problema")
    [attempt] = attempts(factory, talk.setup)
    assert attempt.outcome == "declined"
    assert lead(factory, talk.setup).status == "declined"
    assert talk.row().outcome == "declined"


@pytest.mark.parametrize(("words", "language"), [
    ("Sorry, you've got the wrong number", "en"), ("Número equivocado", "es")])
def test_a_wrong_number_ends_the_lead(call: Callable[..., Call], factory: sessionmaker[Session],
                                      words: str, language: str) -> None:
    talk = call(language=language)
    reply = talk.say(words)
    assert reply.end and reply.outcome == "wrong_number"
    assert attempts(factory, talk.setup)[0].outcome == "wrong_number"
    assert lead(factory, talk.setup).status == "wrong_number"
    assert talk.row().outcome == "wrong_number"


@pytest.mark.parametrize(("words", "language"), [
    ("Can you call me back tomorrow at 3?", "en"), ("Llámeme mañana a las 3", "es")])
def test_a_callback_is_at_the_time_asked_in_the_leads_own_zone(
        call: Callable[..., Call], factory: sessionmaker[Session], words: str,
        language: str) -> None:
    # Monday 13:00 in New York (the business) is 10:00 in Los Angeles (the lead).
    talk = call(lead_tz="America/Los_Angeles", hour=13, language=language)
    reply = talk.say(words)
    assert reply.end and reply.outcome == "callback"
    [attempt] = attempts(factory, talk.setup)
    assert attempt.outcome == "callback_requested"
    assert attempt.callback_at is not None
    tuesday = talk.setup.hard.window_start.astimezone(LA).date() + timedelta(days=1)
    wanted = datetime.combine(tuesday, time(15), tzinfo=LA)
    assert as_utc(attempt.callback_at) == wanted
    after = lead(factory, talk.setup)
    assert after.status == "pending" and after.next_attempt_at is not None
    assert as_utc(after.next_attempt_at) == wanted
    assert ("3 PM" if language == "en" else "las 3") in reply.text


@pytest.mark.parametrize(("words", "language"), [
    ("Stop calling me", "en"), ("No me llamen más", "es")])
def test_stop_calling_me_opts_out_and_the_number_goes_on_the_do_not_call_list(
        call: Callable[..., Call], factory: sessionmaker[Session], words: str,
        language: str) -> None:
    talk = call(language=language)
    reply = talk.say(words)
    assert reply.end and reply.outcome == "opted_out"
    assert attempts(factory, talk.setup)[0].outcome == "opted_out"
    assert lead(factory, talk.setup).status == "opted_out"
    person = customer(factory, talk.setup)
    assert person.do_not_call and not person.call_consent
    with factory() as session:
        tenant = session.get_one(Tenant, talk.tenant.id)
        assert do_not_call.block_reason(session, tenant, person.phone_e164 or "") == "do_not_call"


# --- when nothing offered suits --------------------------------------------------------------


def test_a_no_to_the_offers_asks_for_availability_and_keeps_it(
        call: Callable[..., Call], factory: sessionmaker[Session]) -> None:
    talk = call()
    asked = talk.say("No, none of those work for me")
    assert asked.state["awaiting"] == "availability" and "When are you free" in asked.text
    offered = talk.say("I'm free Thursday morning")
    [participant] = participants(factory, talk.setup)
    assert participant.customer_id == talk.setup.customer_id and participant.availability
    for window in participant.availability:
        start, end = utc(window["start"]), utc(window["end"])
        assert start.astimezone(NY).weekday() == 3 and inside_hard(start, end, talk.setup.hard)
    # ... and the times offered now lie inside what they said
    assert offered.state["awaiting"] == "choice" and offered.state["offered"]
    for start in offered.state["offered"]:
        assert any(utc(w["start"]) <= utc(start) < utc(w["end"])
                   for w in participant.availability)


def test_with_nothing_to_offer_the_persons_windows_are_stored_and_they_are_called_then(
        call: Callable[..., Call], factory: sessionmaker[Session]) -> None:
    talk = call(with_service=False)  # a request with only a person: no slot to book
    assert "When are you free" in talk.opening.text
    reply = talk.say("I'm free Tuesday after 1 or Thursday morning")
    assert reply.end and reply.outcome == "callback"
    [participant] = participants(factory, talk.setup)
    windows = [(utc(w["start"]), utc(w["end"])) for w in participant.availability]
    assert windows and all(inside_hard(a, b, talk.setup.hard) for a, b in windows)
    # The first Tuesday is excluded: Thursday morning is what remains (10:00, the earliest).
    thursday = talk.setup.hard.window_start.astimezone(NY).date() + timedelta(days=3)
    assert windows[0][0] == datetime.combine(thursday, time(10), tzinfo=NY)
    attempt = attempts(factory, talk.setup)[0]
    assert attempt.outcome == "callback_requested"
    assert attempt.callback_at is not None
    assert as_utc(attempt.callback_at) == windows[0][0]


def test_an_unrelated_question_is_answered_by_the_ordinary_policy(
        call: Callable[..., Call], factory: sessionmaker[Session]) -> None:
    talk = call()
    reply = talk.say("What are your hours?")
    assert not reply.end and "open" in reply.text.lower()
    with factory() as session:
        assert session.scalars(select(Appointment)).first() is None

