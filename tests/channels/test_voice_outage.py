"""A call while the database is away: the caller hears an apology, in English and
Spanish, and the line hangs up; never a problem document (which Twilio would read out as
its own error) and never silence (a Telnyx call left ringing)."""

from __future__ import annotations

import socket
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from twilio.request_validator import RequestValidator

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.conversation.call_lines import line as call_line
from frontdesk.store.db import make_engine
from tests.channels.telnyx_line import Line, telnyx_line

TOKEN = "outage-twilio-token"
PUBLIC = "https://desk.example.com"


@pytest.fixture
def database_away() -> Iterator[Engine]:
    """An engine on a PostgreSQL port where nothing listens."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    engine = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:{port}/frontdesk")
    yield engine
    engine.dispose()


def _twilio_post(http: TestClient, path: str, **extra: str) -> tuple[int, str, str]:
    params = {"AccountSid": "AC" + "0" * 32, "CallSid": "CA" + "1" * 32,
              "Direction": "inbound", "From": "+12125550142", "To": "+12125550100", **extra}
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC + path, params)
    response = http.post(path, data=params, headers={"X-Twilio-Signature": signature})
    return response.status_code, response.headers["content-type"], response.text


def test_twilio_callers_hear_an_apology_and_the_line_hangs_up(database_away: Engine) -> None:
    app = create_app(Settings(environment="test", llm_base_url="", twilio_auth_token=TOKEN,
                              public_base_url=PUBLIC), engine=database_away)
    with TestClient(app) as http:
        for path in ("/webhooks/twilio/voice", "/webhooks/twilio/voice/gather?turn=2"):
            status, kind, document = _twilio_post(http, path, SpeechResult="a haircut")
            assert status == 200 and kind.startswith("application/xml"), document
            verbs = list(ET.fromstring(document))
            assert [v.tag for v in verbs] == ["Say", "Say", "Hangup"]
            assert [v.text for v in verbs[:2]] == [call_line("trouble", "en"),
                                                   call_line("trouble", "es")]
            assert [v.get("language") for v in verbs[:2]] == ["en-US", "es-US"]
        # What nobody hears stays a plain 503 problem (Twilio retries nothing spoken).
        status, kind, _ = _twilio_post(http, "/webhooks/twilio/voice/status",
                                       CallStatus="completed")
        assert status == 503 and kind == "application/problem+json"


@pytest.fixture
def telnyx(database_away: Engine) -> Iterator[Line]:
    yield from telnyx_line(database_away)


def test_telnyx_callers_are_answered_told_and_hung_up_on(telnyx: Line) -> None:
    assert telnyx.send("call.initiated", state="parked") == {"status": "outage"}
    assert telnyx.actions() == ["answer"]
    assert telnyx.send("call.answered", state="answered") == {"status": "outage"}
    assert telnyx.actions() == ["answer", "speak"]
    english = telnyx.commands[-1]["body"]
    assert english["payload"] == call_line("trouble", "en") and english["language"] == "en-US"
    assert telnyx.send("call.speak.ended") == {"status": "outage"}
    spanish = telnyx.commands[-1]["body"]
    assert spanish["payload"] == call_line("trouble", "es") and spanish["language"] == "es-US"
    # Words said over the apology start no turn (the state says we are closing).
    assert telnyx.say("hello?") == {"status": "ignored"}
    assert telnyx.send("call.speak.ended") == {"status": "outage"}
    assert telnyx.actions() == ["answer", "speak", "speak", "hangup"]
    assert telnyx.send("call.hangup") == {"status": "ignored"}
    assert telnyx.actions() == ["answer", "speak", "speak", "hangup"]


def test_a_repeated_telnyx_event_answers_the_call_once(telnyx: Line) -> None:
    body = telnyx.event("call.initiated", "evt-1")
    assert telnyx.deliver(body) == telnyx.deliver(body) == {"status": "outage"}
    # Both carried the same command_id, which Telnyx (and its stand-in) acts on once.
    assert [c["body"]["command_id"] for c in telnyx.commands] == ["evt-1:answer"]
