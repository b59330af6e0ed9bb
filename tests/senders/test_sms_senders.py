"""Twilio and Telnyx senders, over real HTTP against stand-ins that speak their APIs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.config import Settings
from frontdesk.delivery.worker import deliver_due
from frontdesk.senders.base import OutgoingMessage, PermanentSendError, Sender, TransientSendError
from frontdesk.senders.sms_telnyx import TelnyxSmsSender
from frontdesk.senders.sms_twilio import TwilioSmsSender
from frontdesk.services.booking import BookingRequest, book
from frontdesk.services.customers import CustomerFields
from frontdesk.store.db import write_session
from frontdesk.store.models import OutboxMessage, TenantPhoneNumber
from tests.conftest import Business, next_weekday, serving
from tests.standins.base import Recorder
from tests.standins.telnyx_api import telnyx_app
from tests.standins.twilio_api import twilio_app

SID, TOKEN, TELNYX_KEY = "AC" + "1" * 32, "twilio-test-token", "KEY0123456789"
OUR_NUMBER, CUSTOMER = "+12125550100", "+12125550123"


@dataclass
class Provider:
    name: str
    sender: Sender
    recorder: Recorder

    def provider_ids(self) -> list[str]:
        key = "sid" if self.name == "twilio" else "id"
        return [m[key] for m in self.recorder.sent]


@pytest.fixture(params=["twilio", "telnyx"])
def provider(request: pytest.FixtureRequest) -> Iterator[Provider]:
    recorder = Recorder()
    if request.param == "twilio":
        with serving(twilio_app(SID, TOKEN, recorder)) as base:
            settings = Settings(twilio_account_sid=SID, twilio_auth_token=TOKEN,
                                twilio_api_base=base)
            yield Provider("twilio", TwilioSmsSender.from_settings(settings), recorder)
    else:
        with serving(telnyx_app(TELNYX_KEY, recorder)) as base:
            settings = Settings(telnyx_api_key=TELNYX_KEY, telnyx_api_base=base)
            yield Provider("telnyx", TelnyxSmsSender.from_settings(settings), recorder)


def _message(recipient: str = CUSTOMER, key: str = "row-1") -> OutgoingMessage:
    return OutgoingMessage(key, "sms", recipient, {"body": "Hello"}, sender=OUR_NUMBER)


def _book_with_confirmation(factory: sessionmaker[Session], biz: Business) -> None:
    with write_session(factory) as session:
        session.add(TenantPhoneNumber(tenant_id=biz.tenant.id, number_e164=OUR_NUMBER))
    start = biz.at(next_weekday(biz.tz, 1), 10)
    book(factory, biz.tenant, BookingRequest(
        biz.haircut.id, start, biz.ana.id, customer=CustomerFields(phone=CUSTOMER, name="Jo")))


def _confirmation(factory: sessionmaker[Session]) -> OutboxMessage:
    with factory() as session:
        return session.scalars(
            select(OutboxMessage).where(OutboxMessage.purpose == "confirmation")).one()


def test_missing_credentials_fail_at_start_with_the_setting_to_fix() -> None:
    with pytest.raises(ValueError, match="FRONTDESK_TWILIO_ACCOUNT_SID"):
        TwilioSmsSender.from_settings(Settings(twilio_auth_token=""))
    with pytest.raises(ValueError, match="FRONTDESK_TELNYX_API_KEY"):
        TelnyxSmsSender.from_settings(Settings(telnyx_api_key=""))


def test_a_send_reaches_the_provider_and_returns_its_id(provider: Provider) -> None:
    provider_id = provider.sender.send(_message())
    [sent] = provider.recorder.sent
    assert provider.provider_ids() == [provider_id]
    assert sent["to"] == CUSTOMER and sent["from"] == OUR_NUMBER
    assert (sent.get("body") or sent.get("text")) == "Hello"
    if provider.name == "twilio":
        assert provider_id.startswith("SM")


def test_the_worker_delivers_a_confirmation_and_records_the_providers_id(
    factory: sessionmaker[Session], make_business: Callable[..., Business], provider: Provider
) -> None:
    _book_with_confirmation(factory, make_business())
    report = deliver_due(factory, {"sms": provider.sender})
    row = _confirmation(factory)
    assert row.id in report.sent and row.status == "sent"
    assert row.provider == provider.name
    assert provider.provider_ids() == [row.provider_message_id]
    assert "Reply C to confirm" in provider.recorder.sent[0].get(
        "body", provider.recorder.sent[0].get("text", ""))


def test_an_outage_of_three_5xx_delivers_exactly_once_after_retries(
    factory: sessionmaker[Session], make_business: Callable[..., Business], provider: Provider
) -> None:
    _book_with_confirmation(factory, make_business())
    provider.recorder.fail_first = 3
    now = datetime.now(UTC)
    for _ in range(6):  # more passes than needed: a delivered message is never sent again
        deliver_due(factory, {"sms": provider.sender}, now=now)
        now += timedelta(minutes=10)  # past every backoff so far, long before any reminder
    row = _confirmation(factory)
    assert row.status == "sent" and row.attempts == 4
    assert provider.recorder.requests == 4
    assert len(provider.recorder.sent) == 1
    assert provider.provider_ids() == [row.provider_message_id]


def test_5xx_is_transient_and_an_invalid_number_is_permanent(provider: Provider) -> None:
    provider.recorder.fail_first = 1
    with pytest.raises(TransientSendError):
        provider.sender.send(_message())
    with pytest.raises(PermanentSendError):
        provider.sender.send(_message(recipient="12345"))
    assert provider.recorder.sent == []


def test_an_unreachable_provider_is_transient() -> None:
    senders: list[Sender] = [
        TwilioSmsSender(SID, TOKEN, api_base="http://127.0.0.1:9", timeout_s=2),
        TelnyxSmsSender(TELNYX_KEY, api_base="http://127.0.0.1:9", timeout_s=2),
    ]
    for sender in senders:
        with pytest.raises(TransientSendError):
            sender.send(_message())


def test_bad_credentials_are_permanent() -> None:
    recorder = Recorder()
    with serving(twilio_app(SID, TOKEN, recorder)) as base:
        with pytest.raises(PermanentSendError, match="20003"):
            TwilioSmsSender(SID, "wrong", api_base=base).send(_message())


def test_telnyx_retries_carry_the_same_idempotency_key_and_send_once() -> None:
    recorder = Recorder()
    with serving(telnyx_app(TELNYX_KEY, recorder)) as base:
        sender = TelnyxSmsSender(TELNYX_KEY, api_base=base)
        first = sender.send(_message(key="row-7"))
        again = sender.send(_message(key="row-7"))  # a retry after a lost answer
    assert first == again
    assert [m["idempotency_key"] for m in recorder.sent] == ["row-7"]
