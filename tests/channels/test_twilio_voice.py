"""Twilio voice webhooks, driven by a stand-in for Twilio that signs like Twilio does."""

from __future__ import annotations

import subprocess
import sys
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker
from twilio.request_validator import RequestValidator

from frontdesk.app import create_app
from frontdesk.channels import signatures, twilio_twiml, twilio_voice
from frontdesk.config import Settings
from frontdesk.services import calls
from frontdesk.services.customers import CustomerFields, create_customer
from frontdesk.store.db import write_session
from frontdesk.store.models import Conversation, ConversationTurn, Tenant, TenantPhoneNumber
from tests.channels.conftest import Transcript, answer_for, appointments, opening, stored_state
from tests.conftest import Business, next_weekday, serving, with_settings

TOKEN = "test-twilio-token"
PUBLIC = "https://desk.example.com"
NUMBER = "+12125550100"
FALLBACK = "+12125550110"
CALLER = "+12125550142"


def with_twilio(app: FastAPI, *, public: str = PUBLIC, token: str = TOKEN) -> FastAPI:
    """The app with Twilio configured."""
    with_settings(app, twilio_auth_token=token, public_base_url=public)
    return app


@pytest.fixture
def phone(client: TestClient) -> TestClient:
    with_twilio(client.app)  # type: ignore[arg-type]
    return client


@pytest.fixture
def salon(make_business: Callable[..., Business], factory: sessionmaker[Session]) -> Business:
    """A business answering NUMBER in English and Spanish, with a person to transfer to."""
    business = make_business()
    with write_session(factory) as session:
        tenant = session.get_one(Tenant, business.tenant.id)
        tenant.languages = ["en", "es"]
        tenant.fallback_phone = FALLBACK
        session.add(TenantPhoneNumber(tenant_id=tenant.id, number_e164=NUMBER))
    return business


def verbs(document: str) -> list[ET.Element]:
    root = ET.fromstring(document)
    assert root.tag == "Response", document
    return list(root)


def said(document: str) -> str:
    return " ".join(s.text or "" for s in ET.fromstring(document).iter("Say"))


@dataclass
class TwilioStandIn:
    """Twilio's side of one call: posts signed webhooks, follows the TwiML."""

    client: TestClient
    caller: str = CALLER
    called: str = NUMBER
    call_sid: str = field(default_factory=lambda: "CA" + uuid.uuid4().hex)
    action: str = ""
    last: str = ""

    def params(self, **extra: str) -> dict[str, str]:
        return {"AccountSid": "AC" + "0" * 32, "ApiVersion": "2010-04-01",
                "CallSid": self.call_sid, "CallStatus": "in-progress", "Direction": "inbound",
                "From": self.caller, "To": self.called, **extra}

    def post(self, path: str, params: dict[str, str], *,
             signature: str | None = None) -> Response:
        if signature is None:
            signature = RequestValidator(TOKEN).compute_signature(PUBLIC + path, params)
        headers = {"X-Twilio-Signature": signature} if signature else {}
        return self.client.post(path, data=params, headers=headers)

    def twiml(self, path: str, params: dict[str, str]) -> str:
        response = self.post(path, params)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/xml")
        self.last = response.text
        gather = ET.fromstring(response.text).find("Gather")
        if gather is not None:
            self.action = gather.get("action", "")
        return response.text

    def ring(self) -> str:
        return self.twiml(twilio_twiml.VOICE_PATH, self.params(CallStatus="ringing"))

    def say(self, text: str, **extra: str) -> str:
        assert self.action, "no <Gather> to answer"
        return self.twiml(self.action, self.params(SpeechResult=text, Confidence="0.91",
                                                   **extra))

    def silence(self) -> str:
        redirect = ET.fromstring(self.last).find("Redirect")
        assert redirect is not None and redirect.text, self.last
        return self.twiml(redirect.text, self.params())

    def status(self, status: str, sequence: int, duration: str = "") -> Response:
        extra = {"CallStatus": status, "SequenceNumber": str(sequence),
                 "Timestamp": "Mon, 16 Aug 2027 03:45:01 +0000"}
        if duration:
            extra["CallDuration"] = duration
        return self.post(twilio_twiml.STATUS_PATH, self.params(**extra))


def conversation(factory: sessionmaker[Session], call_sid: str) -> Conversation | None:
    with factory() as session:
        return session.scalars(select(Conversation).where(
            Conversation.external_id == call_sid)).first()


def user_turns(factory: sessionmaker[Session], conversation_id: uuid.UUID) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(ConversationTurn).where(
            ConversationTurn.conversation_id == conversation_id,
            ConversationTurn.role == "user")) or 0


def book_by_phone(twilio: TwilioStandIn, factory: sessionmaker[Session], business: Business,
                  day: date, lang: str = "en") -> Transcript:
    """Answer whatever the agent waits for until the call books (or 8 turns pass)."""
    log = Transcript()
    log.add("agent", said(twilio.last))
    text = opening(day, lang)
    for _ in range(8):
        log.add("caller", text)
        document = twilio.say(text)
        log.add("agent", said(document))
        if appointments(factory, business):
            return log
        text = answer_for(stored_state(factory, business, external_id=twilio.call_sid), day,
                          lang)
    raise AssertionError(f"no booking after 8 turns:\n{log}")


# --- the call ------------------------------------------------------------------------------


def test_signed_call_greets_then_books(phone: TestClient, salon: Business,
                                       factory: sessionmaker[Session]) -> None:
    twilio = TwilioStandIn(phone)
    greeting = twilio.ring()
    gather, redirect = verbs(greeting)
    assert gather.tag == "Gather" and redirect.tag == "Redirect"
    assert gather.get("input") == "speech dtmf" and gather.get("speechTimeout") == "auto"
    assert gather.get("language") == "en-US"
    assert gather.get("action", "").startswith(twilio_twiml.GATHER_PATH)
    say = gather.find("Say")
    assert say is not None and say.text and say.get("voice") == "Polly.Joanna"

    day = next_weekday(salon.tz, 0)
    log = book_by_phone(twilio, factory, salon, day)
    [booked] = appointments(factory, salon)
    assert booked.start_at == salon.at(day, 10), log
    row = conversation(factory, twilio.call_sid)
    assert row is not None and row.channel == "phone" and row.caller_phone == CALLER
    assert row.outcome == "booked"


def test_known_caller_hears_their_name(phone: TestClient, salon: Business,
                                       factory: sessionmaker[Session]) -> None:
    with write_session(factory) as session:
        create_customer(session, session.get_one(Tenant, salon.tenant.id),
                        CustomerFields(phone=CALLER, name="Jordan Lee", language="en"))
    assert "Jordan" in said(TwilioStandIn(phone).ring())


def test_spanish_caller_is_answered_and_heard_in_spanish(phone: TestClient, salon: Business,
                                                         factory: sessionmaker[Session]) -> None:
    twilio = TwilioStandIn(phone)
    twilio.ring()
    day = next_weekday(salon.tz, 1)
    document = twilio.say(opening(day, "es"))
    gather = ET.fromstring(document).find("Gather")
    assert gather is not None and gather.get("language") == "es-US", document
    say = gather.find("Say")
    assert say is not None and say.get("voice") == "Polly.Lupe"
    assert say.get("language") == "es-US"


def test_known_spanish_caller_is_greeted_in_spanish(phone: TestClient, salon: Business,
                                                    factory: sessionmaker[Session]) -> None:
    with write_session(factory) as session:
        create_customer(session, session.get_one(Tenant, salon.tenant.id),
                        CustomerFields(phone=CALLER, name="María García", language="es"))
    gather = ET.fromstring(TwilioStandIn(phone).ring()).find("Gather")
    assert gather is not None and gather.get("language") == "es-US"


def test_replayed_answer_is_answered_once(phone: TestClient, salon: Business,
                                         factory: sessionmaker[Session]) -> None:
    twilio = TwilioStandIn(phone)
    twilio.ring()
    day = next_weekday(salon.tz, 2)
    book_by_phone(twilio, factory, salon, day)
    row = conversation(factory, twilio.call_sid)
    assert row is not None
    before = user_turns(factory, row.id)
    # Twilio retries the last webhook (same CallSid, same SequenceNumber, same URL)...
    action = twilio.action
    first = twilio.say("Yes", SequenceNumber="7")
    twilio.action = action
    again = twilio.say("Yes", SequenceNumber="7")
    assert again == first
    assert user_turns(factory, row.id) == before + 1
    # ...and without a SequenceNumber: the URL's turn number and the form name the answer.
    twilio.action = action
    third = twilio.say("thanks")
    twilio.action = action
    assert twilio.say("thanks") == third
    assert user_turns(factory, row.id) == before + 2
    assert len(appointments(factory, salon)) == 1


def test_the_same_words_on_a_later_turn_are_a_new_turn(phone: TestClient, salon: Business,
                                                       factory: sessionmaker[Session]) -> None:
    twilio = TwilioStandIn(phone)
    twilio.ring()
    twilio.say("hello")
    twilio.say("hello")
    row = conversation(factory, twilio.call_sid)
    assert row is not None and user_turns(factory, row.id) == 2


def test_retried_incoming_call_is_greeted_once(phone: TestClient, salon: Business,
                                               factory: sessionmaker[Session]) -> None:
    twilio = TwilioStandIn(phone)
    assert twilio.ring() == twilio.ring()
    row = conversation(factory, twilio.call_sid)
    assert row is not None
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(ConversationTurn).where(
            ConversationTurn.conversation_id == row.id)) == 1


def test_asking_for_a_person_dials_the_fallback_number(phone: TestClient, salon: Business,
                                                        factory: sessionmaker[Session]) -> None:
    twilio = TwilioStandIn(phone)
    twilio.ring()
    document = twilio.say("Can I speak to a person please?")
    for _ in range(2):  # the agent may ask "shall I put you through?"
        if ET.fromstring(document).find("Dial") is not None:
            break
        document = twilio.say("Yes")
    root = ET.fromstring(document)
    dial = root.find("Dial")
    assert dial is not None and (dial.text or "").strip() == FALLBACK, document
    assert [v.tag for v in root][:2] == ["Say", "Dial"]
    assert root.find("Gather") is None
    row = conversation(factory, twilio.call_sid)
    assert row is not None and row.outcome == "transferred"


def test_two_silences_end_the_call(phone: TestClient, salon: Business,
                                   factory: sessionmaker[Session]) -> None:
    twilio = TwilioStandIn(phone)
    twilio.ring()
    reprompt = twilio.silence()
    assert ET.fromstring(reprompt).find("Gather") is not None
    assert "still there" in said(reprompt)
    goodbye = twilio.silence()
    assert [v.tag for v in verbs(goodbye)] == ["Say", "Hangup"]
    row = conversation(factory, twilio.call_sid)
    assert row is not None and row.ended_at is not None and row.outcome == "abandoned"


def test_an_answer_after_a_silence_resets_the_count(phone: TestClient, salon: Business) -> None:
    twilio = TwilioStandIn(phone)
    twilio.ring()
    twilio.silence()
    twilio.say("hello")
    assert ET.fromstring(twilio.silence()).find("Gather") is not None  # a re-prompt again


def test_unknown_number_is_not_in_service(phone: TestClient, salon: Business,
                                          factory: sessionmaker[Session]) -> None:
    twilio = TwilioStandIn(phone, called="+12125550999")
    document = twilio.ring()
    assert [v.tag for v in verbs(document)] == ["Say", "Hangup"]
    assert "not in service" in said(document)
    assert conversation(factory, twilio.call_sid) is None


# --- signatures ----------------------------------------------------------------------------


@pytest.mark.parametrize("signature", ["", "forged", "signed-for-another-url", "other-token"])
def test_bad_signature_is_refused_and_changes_nothing(phone: TestClient, salon: Business,
                                                      factory: sessionmaker[Session],
                                                      signature: str) -> None:
    twilio = TwilioStandIn(phone)
    params = twilio.params(CallStatus="ringing")
    if signature == "signed-for-another-url":
        signature = RequestValidator(TOKEN).compute_signature(
            "https://evil.example.com" + twilio_twiml.VOICE_PATH, params)
    elif signature == "other-token":
        signature = RequestValidator("not-the-token").compute_signature(
            PUBLIC + twilio_twiml.VOICE_PATH, params)
    elif signature == "forged":
        signature = "bm90IGEgc2lnbmF0dXJlIGF0IGFsbA=="
    response = twilio.post(twilio_twiml.VOICE_PATH, params, signature=signature)
    assert response.status_code == 403
    assert response.json()["code"] == "bad_signature"
    assert conversation(factory, twilio.call_sid) is None


def test_tampered_form_is_refused(phone: TestClient, salon: Business) -> None:
    twilio = TwilioStandIn(phone)
    twilio.ring()
    params = twilio.params(SpeechResult="cancel everything")
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC + twilio.action, params)
    params["SpeechResult"] = "book everything"
    assert twilio.post(twilio.action, params, signature=signature).status_code == 403


def test_without_an_auth_token_every_webhook_is_refused(client: TestClient,
                                                        salon: Business) -> None:
    with_twilio(client.app, token="")  # type: ignore[arg-type]
    twilio = TwilioStandIn(client)
    params = twilio.params()
    assert twilio.post(twilio_twiml.VOICE_PATH, params,
                       signature=RequestValidator("").compute_signature(
                           PUBLIC + twilio_twiml.VOICE_PATH, params)).status_code == 403


def test_signature_with_the_default_port_is_accepted() -> None:
    params = {"CallSid": "CA1", "To": NUMBER}
    url = "https://desk.example.com:443/webhooks/twilio/voice"
    signature = RequestValidator(TOKEN).compute_signature(url, params)
    assert signatures.twilio_valid(TOKEN, PUBLIC + "/webhooks/twilio/voice", params, signature)


# --- status callbacks ----------------------------------------------------------------------


def test_status_callbacks_are_recorded_once_and_end_the_conversation(
        phone: TestClient, salon: Business, factory: sessionmaker[Session]) -> None:
    twilio = TwilioStandIn(phone)
    twilio.ring()
    assert twilio.status("in-progress", 1).status_code == 204
    assert twilio.status("in-progress", 1).status_code == 204  # a retry
    row = conversation(factory, twilio.call_sid)
    assert row is not None and row.ended_at is None
    twilio.say("hello")  # the agent's turn must not lose the timeline
    assert twilio.status("completed", 2, duration="42").status_code == 204
    assert twilio.status("completed", 2, duration="42").status_code == 204
    with factory() as session:
        timeline = calls.timeline(session, row.id)
        ended = session.get_one(Conversation, row.id)
    assert [(e["status"], e["duration"], e["sequence"]) for e in timeline] == [
        ("in-progress", None, 1), ("completed", 42, 2)]
    assert timeline[0]["at"].startswith("2027-08-16T03:45:01")
    assert ended.ended_at is not None and ended.outcome == "abandoned"


def test_status_for_an_unknown_call_is_acknowledged(phone: TestClient, salon: Business) -> None:
    assert TwilioStandIn(phone).status("no-answer", 1).status_code == 204


def test_status_callback_needs_a_signature(phone: TestClient, salon: Business) -> None:
    twilio = TwilioStandIn(phone)
    response = twilio.post(twilio_twiml.STATUS_PATH, twilio.params(CallStatus="completed"),
                           signature="")
    assert response.status_code == 403


# --- pure TwiML ----------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "country", "voice", "language"), [
    ("en", "US", "Polly.Joanna", "en-US"),
    ("es", "US", "Polly.Lupe", "es-US"),
    ("es", "ES", "Polly.Lucia", "es-ES"),
    ("en", "ES", "Polly.Joanna", "en-US"),
    ("fr", None, "Polly.Joanna", "en-US"),
])
def test_voice_matches_language_and_country(lang: str, country: str | None, voice: str,
                                            language: str) -> None:
    assert twilio_twiml.voice_for(lang, country) == twilio_twiml.Voice(voice, language)


def test_transfer_without_a_number_apologises_and_hangs_up() -> None:
    document = twilio_twiml.transfer("One moment.", twilio_twiml.voice_for("en", "US"), None)
    assert [v.tag for v in verbs(document)] == ["Say", "Say", "Hangup"]


def test_request_key_fits_the_column() -> None:
    form = {"CallSid": "CA" + "f" * 32, "SpeechResult": "yes"}
    assert len(twilio_voice.request_key(form, 12)) <= 64
    assert len(twilio_voice.request_key({**form, "SequenceNumber": "9" * 40}, 1)) <= 64
    assert twilio_voice.request_key(form, 1) != twilio_voice.request_key(form, 2)


# --- `frontdesk call` ----------------------------------------------------------------------


def test_frontdesk_call_books_through_a_real_server(engine: Engine, salon: Business,
                                                    factory: sessionmaker[Session]) -> None:
    app = with_twilio(create_app(Settings(environment="test", llm_base_url=""), engine=engine),
                      public="")
    day = next_weekday(salon.tz, 3)
    script = "\n".join([opening(day, "en"), "", "Yes", "My name is Alex Smith", "Yes",
                        "No, thanks"]) + "\n"
    with serving(app) as base:
        done = subprocess.run(
            [sys.executable, "-m", "frontdesk", "call", "--url", base, "--to", NUMBER,
             "--from", CALLER, "--auth-token", TOKEN],
            input=script, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "agent: " in done.stdout and "[call ended]" in done.stdout, done.stdout
    [booked] = appointments(factory, salon)
    assert booked.start_at == salon.at(day, 10), done.stdout
    row = conversation(factory, next(
        c.external_id for c in _phone_conversations(factory, salon)))
    assert row is not None and row.ended_at is not None  # the status callback ended it


def test_frontdesk_call_reports_a_wrong_token(engine: Engine, salon: Business) -> None:
    app = with_twilio(create_app(Settings(environment="test", llm_base_url=""), engine=engine),
                      public="")
    with serving(app) as base:
        done = subprocess.run(
            [sys.executable, "-m", "frontdesk", "call", "--url", base, "--auth-token", "wrong"],
            input="hello\n", capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2 and "403" in done.stderr


def _phone_conversations(factory: sessionmaker[Session], business: Business
                         ) -> list[Conversation]:
    with factory() as session:
        return list(session.scalars(select(Conversation).where(
            Conversation.tenant_id == business.tenant.id, Conversation.channel == "phone")))


def test_frontdesk_sms_books_by_text_and_shows_the_confirmation(
        engine: Engine, salon: Business, factory: sessionmaker[Session]) -> None:
    app = with_twilio(create_app(Settings(environment="test", llm_base_url=""), engine=engine),
                      public="")
    day = next_weekday(salon.tz, 3)
    script = "\n".join([opening(day, "en"), "Yes", "My name is Alex Smith", "Yes"]) + "\n"
    with serving(app) as base:
        done = subprocess.run(
            [sys.executable, "-m", "frontdesk", "sms", "--url", base, "--to", NUMBER,
             "--from", "+12125550177", "--auth-token", TOKEN, "--key", salon.api_key],
            input=script, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "business: " in done.stdout, done.stdout
    [booked] = appointments(factory, salon)
    assert booked.start_at == salon.at(day, 10), done.stdout
    # The confirmation the customer's phone would get, read back from the outbox.
    assert "[text to +12125550177, confirmation" in done.stdout, done.stdout
    assert "Reply C to confirm" in done.stdout
