"""Outbound calls through Twilio with answering-machine detection.

The SDK places calls against a stand-in for Twilio's Calls API on a real server; then
the test plays Twilio answering the call: signed webhooks with ``AnsweredBy``.
"""

from __future__ import annotations

import base64
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.channels import twilio_twiml
from frontdesk.delivery.call_sender import CallSender
from frontdesk.delivery.worker import LEASE, DeliveryReport, deliver_due
from frontdesk.services import call_dials
from frontdesk.services.conversations import opt_out
from frontdesk.services.customers import CustomerFields, create_customer
from frontdesk.services.notices.claims import claim_due
from frontdesk.store.db import write_session
from frontdesk.store.models import Tenant, TenantPhoneNumber
from frontdesk.telephony.twilio_calls import TwilioCallPlacer
from tests.channels.test_twilio_voice import (
    NUMBER,
    PUBLIC,
    TOKEN,
    TwilioStandIn,
    conversation,
    said,
    verbs,
    with_twilio,
)
from tests.conftest import Business, auth, serving, with_settings
from tests.standins.base import Recorder
from tests.standins.twilio_calls import twilio_calls_app

SID = "AC" + "1" * 32
CUSTOMER = "+12125550177"
OUTBOUND_VOICE = twilio_twiml.VOICE_PATH + "?direction=outbound"


@dataclass
class Desk:
    client: TestClient
    recorder: Recorder
    business: Business
    api_base: str
    factory: sessionmaker[Session]

    def placer(self) -> TwilioCallPlacer:
        return TwilioCallPlacer(SID, TOKEN, public_base_url=PUBLIC, api_base=self.api_base)

    def deliver(self) -> DeliveryReport:
        """What the outbox worker does: place the queued calls."""
        return deliver_due(self.factory, {"call": CallSender(self.factory, self.placer())})


def with_calls(app: FastAPI, api_base: str, **settings: str) -> FastAPI:
    """The app with Twilio's account configured."""
    with_twilio(app)
    with_settings(app, twilio_account_sid=SID, twilio_api_base=api_base, **settings)
    return app


def add_customer(factory: sessionmaker[Session], business: Business, phone: str = CUSTOMER,
                 **fields: bool | str) -> None:
    with write_session(factory) as session:
        create_customer(session, session.get_one(Tenant, business.tenant.id),
                        CustomerFields(phone=phone, name="Alex Smith", **fields))  # type: ignore[arg-type]


def set_up_business(factory: sessionmaker[Session], business: Business, *,
                    languages: list[str] | None = None) -> None:
    with write_session(factory) as session:
        tenant = session.get_one(Tenant, business.tenant.id)
        tenant.languages = languages or ["en", "es"]
        session.add(TenantPhoneNumber(tenant_id=tenant.id, number_e164=NUMBER))


@pytest.fixture
def desk(client: TestClient, make_business: Callable[..., Business],
         factory: sessionmaker[Session]) -> Iterator[Desk]:
    """The app, Twilio's Calls API on a real server, and a business with a number and a
    customer who agreed to be called."""
    business = make_business()
    set_up_business(factory, business)
    add_customer(factory, business, call_consent=True)
    recorder = Recorder()
    with serving(twilio_calls_app(SID, TOKEN, recorder)) as base:
        with_calls(client.app, base)  # type: ignore[arg-type]
        yield Desk(client, recorder, business, base, factory)


def place(desk: Desk, to: str = CUSTOMER, **extra: str) -> str:
    response = desk.client.post("/api/v1/calls", json={"to": to, **extra},
                                headers=auth(desk.business))
    assert response.status_code == 202, response.text
    queued = response.json()
    assert queued["status"] == "queued" and queued["call_sid"] is None
    assert desk.recorder.requests == 0  # nothing dialled in the request
    assert len(desk.deliver().sent) == 1
    response = desk.client.get(f"/api/v1/calls/{queued['id']}", headers=auth(desk.business))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "placed" and body["call_sid"].startswith("CA")
    return str(body["call_sid"])


def answered(desk: Desk, call_sid: str, answered_by: str) -> TwilioStandIn:
    """Twilio's side of the placed call: the business calls (From) the customer (To)."""
    twilio = TwilioStandIn(desk.client, caller=NUMBER, called=CUSTOMER, call_sid=call_sid)
    twilio.twiml(OUTBOUND_VOICE, twilio.params(
        Direction="outbound-api", CallStatus="in-progress", AnsweredBy=answered_by))
    return twilio


# --- placing the call --------------------------------------------------------------------


def test_placing_a_call_sends_twilio_the_call_with_machine_detection(
        desk: Desk, factory: sessionmaker[Session]) -> None:
    call_sid = place(desk, to="(212) 555-0177", purpose="reminder")
    [sent] = desk.recorder.sent
    assert sent["sid"] == call_sid
    assert sent["authorization"] == "Basic " + base64.b64encode(
        f"{SID}:{TOKEN}".encode()).decode()
    form = sent["form"]
    assert form["To"] == CUSTOMER and form["From"] == NUMBER
    # Our reference for the call (its outbox row) rides on both URLs, signed by Twilio.
    assert form["Url"].startswith(PUBLIC + OUTBOUND_VOICE + "&ref=")
    assert form["StatusCallback"].startswith(PUBLIC + twilio_twiml.STATUS_PATH + "?ref=")
    assert form["StatusCallbackEvent"] == ["initiated", "ringing", "answered", "completed"]
    assert form["MachineDetection"] == "DetectMessageEnd"
    row = conversation(factory, call_sid)  # opened now, so unanswered calls keep a record
    assert row is not None and row.caller_phone == CUSTOMER and row.channel == "phone"


@pytest.mark.parametrize(("fields", "reason"), [
    ({"call_consent": True, "do_not_call": True}, "do_not_call"),
    ({"call_consent": False}, "no_call_consent"),
    (None, "no_customer"),
])
def test_a_customer_who_may_not_be_called_is_refused_before_twilio(
        desk: Desk, factory: sessionmaker[Session], fields: dict[str, bool] | None,
        reason: str) -> None:
    other = "+12125550188"
    if fields is not None:
        add_customer(factory, desk.business, phone=other, **fields)
    response = desk.client.post("/api/v1/calls", json={"to": other},
                                headers=auth(desk.business))
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == "call_not_permitted" and problem["reason"] == reason
    assert desk.recorder.requests == 0


def test_missing_twilio_account_is_a_clear_503(desk: Desk) -> None:
    app: FastAPI = desk.client.app  # type: ignore[assignment]
    with_settings(app, twilio_account_sid="")
    response = desk.client.post("/api/v1/calls", json={"to": CUSTOMER},
                                headers=auth(desk.business))
    assert response.status_code == 503
    problem = response.json()
    assert problem["code"] == "twilio_not_configured"
    assert problem["missing"] == ["FRONTDESK_TWILIO_ACCOUNT_SID"]
    assert desk.recorder.requests == 0


def test_a_business_without_a_number_cannot_call(desk: Desk,
                                                 make_business: Callable[..., Business],
                                                 factory: sessionmaker[Session]) -> None:
    other = make_business("clinic")
    add_customer(factory, other, call_consent=True)
    response = desk.client.post("/api/v1/calls", json={"to": CUSTOMER}, headers=auth(other))
    assert response.status_code == 422 and response.json()["code"] == "no_caller_number"
    # Nor may it borrow another business's number.
    response = desk.client.post("/api/v1/calls", json={"to": CUSTOMER, "from": NUMBER},
                                headers=auth(other))
    assert response.status_code == 422 and response.json()["code"] == "invalid_input"
    assert desk.recorder.requests == 0


def test_calls_need_an_api_key(desk: Desk) -> None:
    assert desk.client.post("/api/v1/calls", json={"to": CUSTOMER}).status_code == 401


# --- Twilio calls back: who answered -------------------------------------------------------


def test_a_machine_gets_a_voicemail_and_the_call_is_recorded_as_voicemail(
        desk: Desk, factory: sessionmaker[Session]) -> None:
    call_sid = place(desk)
    twilio = answered(desk, call_sid, "machine_end_beep")
    assert [v.tag for v in verbs(twilio.last)] == ["Say", "Hangup"]
    assert said(twilio.last) == ("Hi, this is Salon. Please call us back at (212) 555-0100. "
                                 "Thank you.")
    row = conversation(factory, call_sid)
    assert row is not None and row.outcome == "voicemail" and row.ended_at is not None
    # Twilio retries the webhook, then reports the end: the outcome stays.
    again = answered(desk, call_sid, "machine_end_beep")
    assert again.last == twilio.last
    assert twilio.status("completed", 3, duration="9").status_code == 204
    row = conversation(factory, call_sid)
    assert row is not None and row.outcome == "voicemail"


def test_a_spanish_business_leaves_its_voicemail_in_spanish(
        desk: Desk, factory: sessionmaker[Session]) -> None:
    with write_session(factory) as session:
        session.get_one(Tenant, desk.business.tenant.id).languages = ["es"]
    twilio = answered(desk, place(desk), "machine_end_silence")
    say = ET.fromstring(twilio.last).find("Say")
    assert say is not None and say.get("language") == "es-US"
    assert said(twilio.last).startswith("Hola, le llamamos de Salon.")


def test_a_person_hears_the_greeting_and_is_listened_to(
        desk: Desk, factory: sessionmaker[Session]) -> None:
    call_sid = place(desk)
    twilio = answered(desk, call_sid, "human")
    gather, redirect = verbs(twilio.last)
    assert gather.tag == "Gather" and redirect.tag == "Redirect"
    assert "Alex" in said(twilio.last)  # the customer we called is recognised
    # ... and hears who is calling, and that it is an assistant, not "thanks for calling"
    assert "automated assistant" in said(twilio.last)
    assert "thanks for calling" not in said(twilio.last).lower()
    # Their answer comes back on the gather webhook (Direction=outbound-api).
    reply = twilio.say("What are your hours?", Direction="outbound-api")
    assert "not in service" not in said(reply)
    assert ET.fromstring(reply).find("Gather") is not None, reply
    row = conversation(factory, call_sid)
    assert row is not None and row.outcome != "voicemail" and row.turn_count >= 1


def test_unknown_answer_is_treated_as_a_person(desk: Desk) -> None:
    twilio = answered(desk, place(desk), "unknown")
    assert ET.fromstring(twilio.last).find("Gather") is not None


def test_a_fax_is_hung_up_on(desk: Desk) -> None:
    twilio = answered(desk, place(desk), "fax")
    assert [v.tag for v in verbs(twilio.last)] == ["Hangup"]


# --- one request, one call: idempotency and workers that die mid-dial ------------------------


def _queue(desk: Desk, key: str | None = None) -> dict[str, object]:
    headers = auth(desk.business) | ({"Idempotency-Key": key} if key else {})
    response = desk.client.post("/api/v1/calls", json={"to": CUSTOMER}, headers=headers)
    assert response.status_code == 202, response.text
    return dict(response.json())


def _view(desk: Desk, call_id: object) -> dict[str, object]:
    response = desk.client.get(f"/api/v1/calls/{call_id}", headers=auth(desk.business))
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_a_retried_request_with_the_same_key_places_one_call(desk: Desk) -> None:
    first, again = _queue(desk, "retry-1"), _queue(desk, "retry-1")
    assert first["id"] == again["id"]
    desk.deliver()
    desk.deliver()
    assert len(desk.recorder.sent) == 1
    other = _queue(desk, "retry-2")  # a new key is a new call
    assert other["id"] != first["id"]
    desk.deliver()
    assert len(desk.recorder.sent) == 2


def _die_mid_dial(desk: Desk, *, dial: bool) -> tuple[uuid.UUID, str | None]:
    """A worker claims the call, takes the dial, maybe gets Twilio to dial, and dies
    before recording anything."""
    queued = _queue(desk)
    [claimed] = claim_due(desk.factory, datetime.now(UTC), LEASE, 10)
    assert str(claimed.id) == queued["id"]
    payload = claimed.message.payload
    taken = call_dials.begin_dial(desk.factory, claimed.id, desk.business.tenant.id,
                                  payload["to"], payload["from"])
    assert taken.owned
    sid = (desk.placer().place(payload["to"], payload["from"], reference=str(claimed.id))
           if dial else None)
    return claimed.id, sid


def _after_the_lease() -> datetime:
    return datetime.now(UTC) + LEASE + timedelta(seconds=1)


def test_a_worker_dying_after_twilio_dialled_is_not_followed_by_a_second_call(
        desk: Desk) -> None:
    call_id, sid = _die_mid_dial(desk, dial=True)
    assert desk.deliver().sent == []  # still leased to the dead worker
    report = deliver_due(desk.factory, {"call": CallSender(desk.factory, desk.placer())},
                         now=_after_the_lease())
    assert report.sent == [call_id]
    assert len(desk.recorder.sent) == 1  # found at Twilio, not dialled again
    view = _view(desk, call_id)
    assert view["status"] == "placed" and view["call_sid"] == sid
    assert conversation(desk.factory, str(sid)) is not None  # its webhooks find it


def test_a_worker_dying_before_the_request_went_out_leaves_the_call_to_the_next(
        desk: Desk) -> None:
    call_id, _ = _die_mid_dial(desk, dial=False)
    report = deliver_due(desk.factory, {"call": CallSender(desk.factory, desk.placer())},
                         now=_after_the_lease())
    assert report.sent == [call_id] and len(desk.recorder.sent) == 1


def test_twilio_failing_with_a_500_is_retried_without_a_double_call(desk: Desk) -> None:
    desk.recorder.fail_first = 1
    queued = _queue(desk)
    assert desk.deliver().retrying  # 500: it may have dialled, so the dial is kept
    later = datetime.now(UTC) + timedelta(minutes=1)
    report = deliver_due(desk.factory, {"call": CallSender(desk.factory, desk.placer())},
                         now=later)
    assert len(report.sent) == 1 and len(desk.recorder.sent) == 1
    assert _view(desk, queued["id"])["status"] == "placed"


def test_a_customer_who_opts_out_before_the_dial_is_not_called(
        desk: Desk, factory: sessionmaker[Session]) -> None:
    queued = _queue(desk)
    with write_session(factory) as session:
        opt_out(session, session.get_one(Tenant, desk.business.tenant.id), CUSTOMER)
    report = desk.deliver()
    assert report.failed and desk.recorder.requests == 0
    view = _view(desk, queued["id"])
    assert view["status"] == "failed" and "do_not_call" in str(view["error"])


def test_another_business_cannot_see_a_call(desk: Desk,
                                            make_business: Callable[..., Business]) -> None:
    queued = _queue(desk)
    other = make_business("clinic")
    response = desk.client.get(f"/api/v1/calls/{queued['id']}", headers=auth(other))
    assert response.status_code == 404


def test_a_status_callback_arriving_before_the_sender_records_the_call_still_finds_it(
        desk: Desk) -> None:
    call_id, sid = _die_mid_dial(desk, dial=True)  # Twilio dialled; nothing recorded yet
    assert sid is not None
    [sent] = desk.recorder.sent
    status_url = str(sent["form"]["StatusCallback"])
    assert status_url == f"{PUBLIC}{twilio_twiml.STATUS_PATH}?ref={call_id}"
    twilio = TwilioStandIn(desk.client, caller=NUMBER, called=CUSTOMER, call_sid=sid)
    path = status_url.removeprefix(PUBLIC)
    response = twilio.post(path, twilio.params(Direction="outbound-api", CallStatus="ringing"))
    assert response.status_code == 204
    view = _view(desk, call_id)
    assert view["status"] == "placed" and view["call_sid"] == sid
    row = conversation(desk.factory, sid)
    assert row is not None and row.caller_phone == CUSTOMER
    # A reference that is not this call's changes nothing.
    other = TwilioStandIn(desk.client, caller=NUMBER, called=CUSTOMER)
    response = other.post(path, other.params(Direction="outbound-api", CallStatus="ringing"))
    assert response.status_code == 204
    assert _view(desk, call_id)["call_sid"] == sid
    assert conversation(desk.factory, other.call_sid) is None
