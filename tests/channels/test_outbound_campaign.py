"""A campaign's calls and texts end to end through the real webhooks: the dialer queues
the call, the outbox places it with Twilio's SDK against the Calls stand-in, Twilio's
signed webhooks play the person answering; a missed call's follow-up text is answered
through the SMS webhook by the same agent, with the campaign in mind."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.services import campaign_dialing, campaign_outcomes, follow_ups
from frontdesk.store.models import Appointment, OutboxMessage
from tests.channels.conftest import say_date
from tests.channels.test_sms_webhooks import message_text, sms_client, twilio_post
from tests.channels.test_twilio_outbound import OUTBOUND_VOICE, Desk, desk
from tests.channels.test_twilio_voice import NUMBER, TwilioStandIn, conversation, said, verbs
from tests.conftest import Business
from tests.conversation.campaign_calls import (
    LEAD_PHONE,
    CampaignSetUp,
    as_utc,
    attempts,
    customer,
    first_monday,
    inside_hard,
    lead,
    place_call,
    set_up_campaign,
)

__all__ = ["desk", "sms_client"]  # fixtures used here

NY = ZoneInfo("America/New_York")


def _now(business: Business) -> datetime:
    """A Monday morning a few weeks ahead: inside the lead's calling window."""
    return datetime.combine(first_monday(business.tz), time(10), tzinfo=business.tz)


def _call(desk: Desk, factory: sessionmaker[Session], **options: object
          ) -> tuple[CampaignSetUp, TwilioStandIn]:
    """Start the campaign, let the dialer queue and the outbox place its call, and play
    Twilio answering it (a person)."""
    now = _now(desk.business)
    setup = set_up_campaign(factory, desk.business, now=now, **options)  # type: ignore[arg-type]
    assert campaign_dialing.queue_due(factory, setup.campaign_id, now=now).calls == 1
    assert len(desk.deliver().sent) == 1
    [sent] = desk.recorder.sent
    assert sent["form"]["To"] == LEAD_PHONE
    twilio = TwilioStandIn(desk.client, caller=NUMBER, called=LEAD_PHONE, call_sid=sent["sid"])
    twilio.twiml(OUTBOUND_VOICE, twilio.params(
        Direction="outbound-api", CallStatus="in-progress", AnsweredBy="human"))
    return setup, twilio


def test_a_person_who_is_not_interested_is_declined_on_the_attempt_and_the_lead(
        desk: Desk, factory: sessionmaker[Session]) -> None:
    setup, twilio = _call(desk, factory)
    opening = said(twilio.last)
    for part in ("automated assistant", "on behalf of Salon", "about your annual check-up",
                 "say 'stop calling me'"):
        assert part in opening
    assert ET.fromstring(twilio.last).find("Gather") is not None
    reply = twilio.say("I'm not interested, thank you", Direction="outbound-api")
    assert [v.tag for v in verbs(reply)] == ["Say", "Hangup"]
    assert twilio.status("completed", 5, duration="31").status_code == 204
    [attempt] = attempts(factory, setup)
    assert attempt.outcome == "declined"  # the carrier's "completed" changes nothing
    assert lead(factory, setup).status == "declined"
    row = conversation(factory, twilio.call_sid)
    assert row is not None and row.outcome == "declined"


def test_a_spanish_lead_who_says_stop_is_never_called_again(
        desk: Desk, factory: sessionmaker[Session]) -> None:
    setup, twilio = _call(desk, factory, language="es", title="su revisión anual")
    opening = said(twilio.last)
    for part in ("asistente automático", "en nombre de Salon", "por su revisión anual",
                 "diga 'no me llamen más'"):
        assert part in opening
    say = ET.fromstring(twilio.last).find(".//Say")
    assert say is not None and say.get("language") == "es-US"
    twilio.say("No me llamen más, por favor", Direction="outbound-api")
    twilio.status("completed", 5, duration="12")
    assert attempts(factory, setup)[0].outcome == "opted_out"
    assert lead(factory, setup).status == "opted_out"
    assert customer(factory, setup).do_not_call
    # A direct call to the number is refused before Twilio is asked.
    response = desk.client.post("/api/v1/calls", json={"to": LEAD_PHONE},
                                headers={"Authorization": f"Bearer {desk.business.api_key}"})
    assert response.status_code == 409 and response.json()["reason"] == "do_not_call"


def test_a_person_books_one_of_the_offered_times(
        desk: Desk, factory: sessionmaker[Session]) -> None:
    setup, twilio = _call(desk, factory)
    twilio.say("The second one", Direction="outbound-api")
    assert "Shall I book it?" in said(twilio.last)
    twilio.say("Yes please", Direction="outbound-api")
    assert "You're all set" in said(twilio.last)
    twilio.say("No, that's all, thanks", Direction="outbound-api")
    twilio.status("completed", 7, duration="80")
    with factory() as session:
        [appointment] = session.scalars(select(Appointment)).all()
    assert appointment.customer_id == setup.customer_id
    assert inside_hard(as_utc(appointment.start_at), as_utc(appointment.end_at), setup.hard)
    assert attempts(factory, setup)[0].outcome == "booked"
    assert lead(factory, setup).status == "booked"


# --- the SMS follow-up's reply ----------------------------------------------------------------


@pytest.fixture
def texted(sms_client: TestClient, factory: sessionmaker[Session],
           make_business: Callable[..., Business]) -> tuple[TestClient, Business, CampaignSetUp]:
    """A lead who opted in to texts was called, nobody answered, and the follow-up went."""
    business = make_business()
    now = _now(business)
    setup = set_up_campaign(factory, business, now=now, sms_opt_in=True)
    conversation_id = place_call(factory, setup, now)
    assert campaign_outcomes.call_ended(factory, conversation_id, "no-answer")
    with factory() as session:
        [text] = session.scalars(select(OutboxMessage).where(
            OutboxMessage.purpose == follow_ups.PURPOSE)).all()
        assert text.recipient == LEAD_PHONE and "Reply with a time" in text.payload["body"]
    assert lead(factory, setup).status == "pending"
    return sms_client, business, setup


def test_a_texted_time_is_offered_inside_the_request_and_booked(
        texted: tuple[TestClient, Business, CampaignSetUp],
        factory: sessionmaker[Session]) -> None:
    client, business, setup = texted
    thursday = setup.hard.window_start.astimezone(NY).date() + timedelta(days=3)
    offer = message_text(twilio_post(client, f"{say_date(thursday, 'en')} at 10am works",
                                     sender=LEAD_PHONE))
    assert "I can offer" in offer and "10 AM" in offer, offer
    done = message_text(twilio_post(client, "Yes", sender=LEAD_PHONE))
    assert "You're all set" in done, done
    with factory() as session:
        [appointment] = session.scalars(select(Appointment)).all()
    assert as_utc(appointment.start_at) == datetime.combine(thursday, time(10), tzinfo=NY)
    assert appointment.customer_id == setup.customer_id
    assert lead(factory, setup).status == "booked"


def test_a_texted_time_outside_the_request_gets_times_inside_it(
        texted: tuple[TestClient, Business, CampaignSetUp]) -> None:
    client, _, setup = texted
    monday = setup.hard.window_start.astimezone(NY).date() + timedelta(days=7)
    # Mondays are not allowed: the windows read from the words hold nothing.
    reply = message_text(twilio_post(client, f"{say_date(monday, 'en')} at 10am",
                                     sender=LEAD_PHONE))
    assert "When are you free" in reply, reply


def test_a_texted_no_in_spanish_declines(
        texted: tuple[TestClient, Business, CampaignSetUp],
        factory: sessionmaker[Session]) -> None:
    client, _, setup = texted
    reply = message_text(twilio_post(client, "No me interesa, gracias", sender=LEAD_PHONE))
    assert reply.startswith("Sin problema"), reply
    after = lead(factory, setup)
    assert after.status == "declined" and after.next_attempt_at is None


def test_a_texted_callback_sets_the_next_call(
        texted: tuple[TestClient, Business, CampaignSetUp],
        factory: sessionmaker[Session]) -> None:
    client, _, setup = texted
    reply = message_text(twilio_post(client, "Call me back tomorrow at 3", sender=LEAD_PHONE))
    assert "call you back" in reply, reply
    after = lead(factory, setup)
    assert after.status == "pending" and after.last_outcome == "callback_requested"
    tomorrow = datetime.now(NY).date() + timedelta(days=1)
    assert after.next_attempt_at is not None
    assert as_utc(after.next_attempt_at) >= datetime.combine(tomorrow, time(15), tzinfo=NY)


def test_a_texted_stop_calling_me_opts_the_lead_out(
        texted: tuple[TestClient, Business, CampaignSetUp],
        factory: sessionmaker[Session]) -> None:
    client, _, setup = texted
    twilio_post(client, "Please stop calling me", sender=LEAD_PHONE)
    assert lead(factory, setup).status == "opted_out"
    assert customer(factory, setup).do_not_call
