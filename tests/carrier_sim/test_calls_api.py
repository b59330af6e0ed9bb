"""The simulated carrier speaks Twilio's Calls API to the product's own placer (the
``twilio`` SDK), and plays each call with webhooks Twilio's validator accepts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import pytest
from fastapi import FastAPI, Request, Response
from twilio.request_validator import RequestValidator

from frontdesk.carrier_sim import DEMO_ACCOUNT_SID, Kind, Person, SimulatedCarrier
from frontdesk.telephony.twilio_calls import CallRejected, TwilioCallPlacer
from tests.conftest import serving

TOKEN = "sim-test-token"
BUSINESS = "+12125550100"
LEAD = "+13125550142"
ASK = (
    '<?xml version="1.0" encoding="UTF-8"?><Response>'
    '<Gather input="speech dtmf" action="/webhooks/twilio/voice/gather?turn=1" method="POST">'
    "<Say>Would Tuesday at 10 work?</Say></Gather>"
    '<Redirect method="POST">/webhooks/twilio/voice/gather?turn=1&amp;silence=1</Redirect>'
    "</Response>"
)
BYE = "<Response><Say>You are booked. Goodbye.</Say><Hangup/></Response>"


def _business(posts: list[dict[str, Any]]) -> FastAPI:
    """Stands for the front desk's voice webhooks: records every post, with whether its
    signature verifies with Twilio's own validator over the URL requested."""
    app = FastAPI()

    async def record(request: Request) -> dict[str, str]:
        form = {k: v[-1] for k, v in parse_qs((await request.body()).decode()).items()}
        posts.append({
            "path": request.url.path, "query": request.url.query, "form": form,
            "signed": RequestValidator(TOKEN).validate(
                str(request.url), form, request.headers.get("X-Twilio-Signature", "")),
            "forged": RequestValidator("another-token").validate(
                str(request.url), form, request.headers.get("X-Twilio-Signature", "")),
        })
        return form

    @app.post("/webhooks/twilio/voice")
    async def voice(request: Request) -> Response:
        await record(request)
        return Response(ASK, media_type="application/xml")

    @app.post("/webhooks/twilio/voice/gather")
    async def gather(request: Request) -> Response:
        await record(request)
        return Response(BYE, media_type="application/xml")

    @app.post("/webhooks/twilio/voice/status")
    async def status(request: Request) -> Response:
        await record(request)
        return Response(status_code=204)

    return app


@contextmanager
def _call(person: Person) -> Iterator[tuple[SimulatedCarrier, list[dict[str, Any]], str]]:
    """One call placed by the product's placer through the carrier, played to its end."""
    posts: list[dict[str, Any]] = []
    with serving(_business(posts)) as business:
        carrier = SimulatedCarrier(DEMO_ACCOUNT_SID, TOKEN, people={LEAD: person}).start()
        placer = TwilioCallPlacer(DEMO_ACCOUNT_SID, TOKEN, public_base_url=business,
                                  api_base=carrier.url)
        sid = placer.place(LEAD, BUSINESS)
        carrier.stop()  # waits for the call to be played out
        yield carrier, posts, sid


def _statuses(posts: list[dict[str, Any]]) -> list[str]:
    return [p["form"]["CallStatus"] for p in posts if p["path"].endswith("/status")]


def test_a_person_who_books_answers_the_outbound_webhook_and_says_their_line() -> None:
    with _call(Person(Kind.BOOKS, ring_s=0)) as (carrier, posts, sid):
        (call,) = carrier.calls()
    assert sid.startswith("CA") and call.sid == sid and call.error is None
    assert all(p["signed"] for p in posts) and not any(p["forged"] for p in posts)
    voice = next(p for p in posts if p["path"] == "/webhooks/twilio/voice")
    assert voice["query"] == "direction=outbound"
    assert voice["form"]["Direction"] == "outbound-api"
    assert (voice["form"]["From"], voice["form"]["To"]) == (BUSINESS, LEAD)
    assert voice["form"]["AnsweredBy"] == "human"
    assert voice["form"]["CallSid"] == sid and voice["form"]["AccountSid"] == DEMO_ACCOUNT_SID
    gather = next(p for p in posts if p["path"] == "/webhooks/twilio/voice/gather")
    assert gather["query"] == "turn=1"
    assert gather["form"]["SpeechResult"] == "the first one works for me"
    assert _statuses(posts) == ["initiated", "ringing", "in-progress", "completed"]
    assert [p["path"].rsplit("/", 1)[-1] for p in posts].index("voice") == 3  # after answered
    assert call.status == "completed" and call.answered_by == "human"
    assert "agent: Would Tuesday at 10 work?" in call.transcript
    assert "you: the first one works for me" in call.transcript


def test_a_machine_is_announced_by_answered_by_and_says_nothing() -> None:
    with _call(Person(Kind.MACHINE, ring_s=0)) as (carrier, posts, _):
        (call,) = carrier.calls()
    voice = next(p for p in posts if p["path"] == "/webhooks/twilio/voice")
    assert voice["form"]["AnsweredBy"] == "machine_end_beep"
    assert not any(p["path"].endswith("/gather") and p["form"].get("SpeechResult")
                   for p in posts)
    assert _statuses(posts)[-1] == "completed" and call.answered_by == "machine_end_beep"


@pytest.mark.parametrize(("kind", "statuses"), [
    (Kind.NO_ANSWER, ["initiated", "ringing", "no-answer"]),
    (Kind.BUSY, ["initiated", "busy"]),
])
def test_unanswered_calls_get_only_status_callbacks(kind: Kind, statuses: list[str]) -> None:
    with _call(Person(kind, ring_s=0)) as (carrier, posts, _):
        (call,) = carrier.calls()
    assert not any(p["path"] == "/webhooks/twilio/voice" for p in posts)
    assert _statuses(posts) == statuses
    assert posts[-1]["form"]["CallDuration"] == "0" and all(p["signed"] for p in posts)
    assert call.status == statuses[-1] and call.answered_by is None


def test_the_placer_finds_a_placed_call_in_the_calls_list_filtered_by_to_and_from() -> None:
    with SimulatedCarrier(DEMO_ACCOUNT_SID, TOKEN, play=False) as carrier:
        placer = TwilioCallPlacer(DEMO_ACCOUNT_SID, TOKEN, public_base_url="http://127.0.0.1:9",
                                  api_base=carrier.url)
        before = datetime.now(UTC) - timedelta(seconds=1)
        sid = placer.place(LEAD, BUSINESS)
        placer.place("+13125550143", BUSINESS)
        assert placer.find_placed(LEAD, BUSINESS, before) == sid
        assert placer.find_placed(LEAD, "+12125550110", before) is None
        assert placer.find_placed(LEAD, BUSINESS, datetime.now(UTC) + timedelta(hours=1)) \
            is None
        (created, _) = carrier.calls()
    assert created.events == ("initiated", "ringing", "answered", "completed")
    assert created.url == "http://127.0.0.1:9/webhooks/twilio/voice?direction=outbound"
    assert created.status_callback == "http://127.0.0.1:9/webhooks/twilio/voice/status"


@pytest.mark.parametrize(("account", "token", "to", "code"), [
    (DEMO_ACCOUNT_SID, "wrong-token", LEAD, 20003),
    ("AC" + "1" * 32, TOKEN, LEAD, 20003),
    (DEMO_ACCOUNT_SID, TOKEN, "3125550142", 21211),
])
def test_refusals_are_twilio_errors_the_sdk_reads(account: str, token: str, to: str,
                                                  code: int) -> None:
    with SimulatedCarrier(DEMO_ACCOUNT_SID, TOKEN, play=False) as carrier:
        placer = TwilioCallPlacer(account, token, public_base_url="http://127.0.0.1:9",
                                  api_base=carrier.url)
        with pytest.raises(CallRejected) as refused:
            placer.place(to, BUSINESS)
        assert carrier.calls() == []
    assert refused.value.extra.get("twilio_code") == code
