"""The whole path: a signed inbound Twilio call books, and the confirmation SMS reaches
the carrier exactly once — through an outage, and despite a replayed webhook."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.config import Settings
from frontdesk.delivery.worker import deliver_due
from frontdesk.senders.sms_twilio import TwilioSmsSender
from tests.channels.conftest import appointments, opening
from tests.channels.test_twilio_voice import TwilioStandIn, salon, with_twilio
from tests.conftest import Business, next_weekday, serving
from tests.standins.base import Recorder
from tests.standins.twilio_api import twilio_app

__all__ = ["salon"]  # the fixture, reused

SID, TOKEN = "AC" + "2" * 32, "carrier-token"


def test_a_call_books_and_the_confirmation_is_texted_once(
    client: TestClient, salon: Business, factory: sessionmaker[Session]
) -> None:
    with_twilio(client.app)  # type: ignore[arg-type]
    call = TwilioStandIn(client, caller="+12125550199")
    day = next_weekday(salon.tz, 3)
    call.ring()
    call.say(opening(day, "en"), SequenceNumber="1")
    call.say("yes", SequenceNumber="2")
    call.say("My name is Robin Diaz", SequenceNumber="3")
    action = call.action
    done = call.say("yes", SequenceNumber="4")
    # Twilio retries the very same webhook (same URL, same form): the same answer, no turn.
    params = call.params(SpeechResult="yes", Confidence="0.91", SequenceNumber="4")
    assert call.twiml(action, params) == done
    [booked] = appointments(factory, salon)
    assert booked.start_at == salon.at(day, 10)

    carrier = Recorder(fail_first=3, fail_status=503)  # the carrier is down for a while
    with serving(twilio_app(SID, TOKEN, carrier)) as base:
        sender = TwilioSmsSender.from_settings(
            Settings(twilio_account_sid=SID, twilio_auth_token=TOKEN, twilio_api_base=base))
        now = datetime.now(UTC)
        for minute in range(6):
            deliver_due(factory, {"sms": sender}, now=now + timedelta(minutes=minute))
    texts = [m for m in carrier.sent if m.get("to") == "+12125550199"]
    assert len(texts) == 1, carrier.sent
    assert "Reply C to confirm" in texts[0]["body"]
    assert carrier.requests == 4  # three failures, one success, nothing after
