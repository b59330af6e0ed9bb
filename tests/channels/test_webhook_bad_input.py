"""Webhooks with bad input: refused in words (403/413/422/503) or, when signed and real,
taken as well as they can be — never a 500 that makes a carrier retry for ever."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.store.db import write_session
from frontdesk.store.models import Conversation, ConversationTurn, TenantPhoneNumber
from tests.conftest import Business

TOKEN = "twilio-webhook-token"
PUBLIC = "https://desk.example.com"
OUR_NUMBER, CUSTOMER = "+12125550100", "+12125550123"
TELNYX_KEY = Ed25519PrivateKey.generate()
TELNYX_PUBLIC = base64.b64encode(
    TELNYX_KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def _client(engine: Engine, **settings: object) -> TestClient:
    app = create_app(Settings(environment="test", llm_base_url="", twilio_auth_token=TOKEN,
                              public_base_url=PUBLIC, telnyx_public_key=TELNYX_PUBLIC,
                              outbox_worker=False, **settings), engine=engine)
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def hooks(engine: Engine) -> Iterator[TestClient]:
    with _client(engine) as client:
        yield client


@pytest.fixture
def shop(biz: Business, factory: sessionmaker[Session]) -> Business:
    with write_session(factory) as session:
        session.add(TenantPhoneNumber(tenant_id=biz.tenant.id, number_e164=OUR_NUMBER))
    return biz


def _signed_form(path: str, params: dict[str, str]) -> dict[str, str]:
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC + path, params)
    return {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}


def _turns(factory: sessionmaker[Session]) -> list[str]:
    with factory() as session:
        return [t.text or "" for t in session.scalars(
            select(ConversationTurn).where(ConversationTurn.role == "user"))]


@pytest.mark.parametrize("path", ["/webhooks/twilio/sms", "/webhooks/twilio/voice",
                                  "/webhooks/twilio/voice/gather",
                                  "/webhooks/twilio/voice/status"])
@pytest.mark.parametrize("signature", [None, "Zm9yZ2Vk"])
def test_invalid_utf8_in_an_unsigned_form_is_403(
    hooks: TestClient, shop: Business, path: str, signature: str | None
) -> None:
    body = b"From=%2B12125550123&To=%2B12125550100&Body=\xff\xfe\xfa&CallSid=CA1"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signature:
        headers["X-Twilio-Signature"] = signature
    response = hooks.post(path, content=body, headers=headers)
    assert response.status_code == 403, response.text
    assert response.json()["code"] == "bad_signature"


def test_a_signed_text_with_nul_is_kept_without_it(
    hooks: TestClient, shop: Business, factory: sessionmaker[Session]
) -> None:
    path = "/webhooks/twilio/sms"
    params = {"MessageSid": "SM" + uuid.uuid4().hex, "From": CUSTOMER, "To": OUR_NUMBER,
              "Body": "hel\x00lo, what are your hours?", "NumMedia": "0"}
    response = hooks.post(path, content=urlencode(params), headers=_signed_form(path, params))
    assert response.status_code == 200, response.text
    assert _turns(factory) == ["hello, what are your hours?"]
    # The carrier's retry is the same message: taken once.
    again = hooks.post(path, content=urlencode(params), headers=_signed_form(path, params))
    assert again.status_code == 200 and len(_turns(factory)) == 1


def test_a_signed_telnyx_text_with_nul_is_kept_without_it(
    hooks: TestClient, shop: Business, factory: sessionmaker[Session]
) -> None:
    event = {"data": {"event_type": "message.received", "id": str(uuid.uuid4()),
                      "occurred_at": "2025-01-01T00:00:00Z", "record_type": "event",
                      "payload": {"id": str(uuid.uuid4()), "direction": "inbound",
                                  "type": "SMS", "from": {"phone_number": CUSTOMER},
                                  "to": [{"phone_number": OUR_NUMBER}],
                                  "text": "hi\x00 there"}}}
    body = json.dumps(event).encode()
    stamp = str(int(time.time()))
    signature = base64.b64encode(TELNYX_KEY.sign(stamp.encode() + b"|" + body)).decode()
    response = hooks.post("/webhooks/telnyx", content=body, headers={
        "Content-Type": "application/json", "telnyx-signature-ed25519": signature,
        "telnyx-timestamp": stamp})
    assert response.status_code == 200, response.text
    assert _turns(factory) == ["hi there"]


@pytest.mark.parametrize("call_sid", ["CA" + "f" * 300, "CA\x00f", "CA/../x", ""])
def test_a_signed_call_with_a_malformed_call_sid_is_refused(
    hooks: TestClient, shop: Business, factory: sessionmaker[Session], call_sid: str
) -> None:
    path = "/webhooks/twilio/voice"
    params = {"CallSid": call_sid, "From": CUSTOMER, "To": OUR_NUMBER, "CallStatus": "ringing"}
    response = hooks.post(path, content=urlencode(params), headers=_signed_form(path, params))
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "CallSid"
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Conversation)) == 0


def test_a_signed_telnyx_call_without_an_api_key_is_refused_in_words(
    engine: Engine, shop: Business, factory: sessionmaker[Session]
) -> None:
    event = {"data": {"record_type": "event", "event_type": "call.initiated",
                      "id": str(uuid.uuid4()), "occurred_at": "2025-01-01T12:00:00Z",
                      "payload": {"call_control_id": "v3:abc", "from": CUSTOMER,
                                  "to": OUR_NUMBER, "direction": "incoming"}}}
    body = json.dumps(event).encode()
    stamp = str(int(time.time()))
    signature = base64.b64encode(TELNYX_KEY.sign(stamp.encode() + b"|" + body)).decode()
    with _client(engine) as client:
        response = client.post("/webhooks/telnyx/voice", content=body, headers={
            "Content-Type": "application/json", "telnyx-signature-ed25519": signature,
            "telnyx-timestamp": stamp})
    assert response.status_code == 503, response.text
    problem = response.json()
    assert problem["code"] == "not_configured"
    assert "FRONTDESK_TELNYX_API_KEY" in problem["detail"]


@pytest.mark.parametrize("query", ["turn=99999999999999999999", "silence=-1", "turn=abc"])
def test_gather_counters_out_of_range_are_refused(
    hooks: TestClient, shop: Business, query: str
) -> None:
    path = "/webhooks/twilio/voice/gather"
    params = {"CallSid": "CA" + "1" * 32, "From": CUSTOMER, "To": OUR_NUMBER}
    signature = RequestValidator(TOKEN).compute_signature(f"{PUBLIC}{path}?{query}", params)
    response = hooks.post(f"{path}?{query}", content=urlencode(params), headers={
        "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature})
    assert response.status_code == 422, response.text
