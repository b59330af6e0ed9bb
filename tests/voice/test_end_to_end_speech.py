"""A phone call with real speech, end to end, through Twilio's Media Streams protocol.

A simulated Twilio (``media_stream_caller.StreamCaller``) rings the signed voice
webhook of a streaming business on a real uvicorn server, opens the stream the answer
names, and speaks espeak-ng audio at the telephone's pace; the server hears it with
faster-whisper (tiny.en), the agent books, and the audio it sends back is transcribed
again to check what the caller heard. A second call talks over the agent's answer and
must get ``clear`` and the rest of the answer dropped.
"""

from __future__ import annotations

import asyncio
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Callable

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from twilio.request_validator import RequestValidator

from frontdesk.channels import twilio_twiml
from frontdesk.conversation.personas import greeting_line, persona_for
from frontdesk.media_stream_caller import StreamCaller, Turn
from frontdesk.speech.base import SpeechUnavailable
from frontdesk.speech.espeak import EspeakTextToSpeech
from frontdesk.speech.faster_whisper_stt import FasterWhisperSpeechToText
from frontdesk.store.db import write_session
from frontdesk.store.models import (
    Appointment,
    Conversation,
    ConversationTurn,
    Tenant,
    TenantPhoneNumber,
)
from frontdesk.voice import mulaw
from frontdesk.voice.pipeline import clauses
from frontdesk.voice.resample import Resampler
from frontdesk.voice.vad import EnergyVAD
from tests.conftest import Business, serving, with_settings
from tests.speech.conftest import similarity

TOKEN = "e2e-twilio-token"
NUMBER = "+12125550100"
CALLER = "+12125550142"


@pytest.fixture(scope="module")
def whisper() -> FasterWhisperSpeechToText:
    try:
        return FasterWhisperSpeechToText()
    except SpeechUnavailable as exc:
        pytest.skip(f"faster-whisper or its model is absent (the speech extra): {exc}")


@pytest.fixture(scope="module")
def espeak() -> EspeakTextToSpeech:
    if not shutil.which("espeak-ng"):
        pytest.skip("espeak-ng is not installed (Debian package espeak-ng; .ci/run installs it)")
    return EspeakTextToSpeech()


def caller_audio(espeak: EspeakTextToSpeech, text: str) -> bytes:
    """What a caller saying ``text`` sounds like on the line: 8 kHz μ-law."""
    pcm = Resampler(espeak.sample_rate).feed(b"".join(espeak.synthesize(text, "en")))
    return mulaw.encode(pcm)


def heard(whisper: FasterWhisperSpeechToText, audio: bytes) -> str:
    """What a person would make of the agent's audio: transcribed from the line."""
    return whisper.transcribe(mulaw.decode(audio), 8000, "en")


def ring(base: str, call_sid: str) -> str:
    """Twilio's first webhook for the call; the stream URL its answer names."""
    params = {"AccountSid": "AC" + "0" * 32, "ApiVersion": "2010-04-01", "CallSid": call_sid,
              "CallStatus": "ringing", "Direction": "inbound", "From": CALLER, "To": NUMBER}
    signature = RequestValidator(TOKEN).compute_signature(base + twilio_twiml.VOICE_PATH, params)
    answer = httpx.post(base + twilio_twiml.VOICE_PATH, data=params,
                        headers={"X-Twilio-Signature": signature})
    assert answer.status_code == 200, answer.text
    stream = ET.fromstring(answer.text).find("Connect/Stream")
    assert stream is not None, answer.text
    return stream.get("url", "")


@pytest.fixture
def line(client: TestClient, biz: Business, factory: sessionmaker[Session],
         whisper: FasterWhisperSpeechToText,
         espeak: EspeakTextToSpeech) -> Callable[[], str]:
    """A streaming business on a real server; returns its base URL once serving."""
    with write_session(factory) as session:
        tenant = session.get_one(Tenant, biz.tenant.id)
        tenant.voice_mode = "stream"
        session.add(TenantPhoneNumber(tenant_id=tenant.id, number_e164=NUMBER))
    client.app.state.speech = lambda lang: (whisper, espeak, EnergyVAD())  # type: ignore[attr-defined]
    return lambda: ""


def next_line(reply: str, when: str) -> str:
    """What the caller answers to the agent's question (phrased so that tiny.en hears
    espeak-ng right: it turns a bare "Alex Smith" into nothing, "a haircut" into
    "America")."""
    asked = reply.lower()
    if "service" in asked:
        return "I would like a haircut, please."
    if "name" in asked:
        return "My name is John Smith."
    if "which works" in asked or "which one" in asked:
        return "The first one, please."
    if any(word in asked for word in ("which day", "what day", "when", "what time",
                                      "days ahead", "that day")):
        return f"On {when}."
    return "Yes, please."


def transcript(factory: sessionmaker[Session], call_sid: str) -> list[tuple[str, str]]:
    with factory() as session:
        return [(role, text or "") for role, text in session.execute(
            select(ConversationTurn.role, ConversationTurn.text).join(Conversation)
            .where(Conversation.external_id == call_sid).order_by(ConversationTurn.seq))]


def _last_reply(factory: sessionmaker[Session], call_sid: str) -> str:
    with factory() as session:
        return str(session.scalars(
            select(ConversationTurn.text).join(Conversation)
            .where(Conversation.external_id == call_sid, ConversationTurn.role == "assistant")
            .order_by(ConversationTurn.seq.desc()).limit(1)).one())


def test_a_caller_books_by_voice_and_hears_the_confirmation(
    client: TestClient, biz: Business, factory: sessionmaker[Session],
    whisper: FasterWhisperSpeechToText, espeak: EspeakTextToSpeech,
    line: Callable[[], str],
) -> None:
    call_sid = "CA" + "e2e0" * 8
    with serving(client.app) as base:  # type: ignore[arg-type]
        with_settings(client.app, twilio_auth_token=TOKEN,  # type: ignore[arg-type]
                      public_base_url=base)
        url = ring(base, call_sid)
        assert url.startswith("ws://127.0.0.1:")

        async def converse() -> tuple[str, list[float]]:
            caller = StreamCaller(call_sid)
            latencies: list[float] = []
            async with caller.connected(url):
                greeting = heard(whisper, await caller.hear_out())
                assert similarity(greeting, _last_reply(factory, call_sid)) > 0.6, greeting
                # Lines tiny.en hears right in espeak-ng's voice at 8 kHz (it makes "book a
                # haircut" "welcome Erica", "Tuesday at 10 am" "to make them").
                when = "Monday at 10 o'clock"
                line = "I would like a haircut, please."
                for _ in range(8):
                    result = await caller.say(Turn(caller_audio(espeak, line)))
                    assert result.latency_ms is not None, "\n".join(
                        map(repr, transcript(factory, call_sid)))
                    latencies.append(result.latency_ms)
                    reply = _last_reply(factory, call_sid)
                    if "all set" in reply.lower():
                        return heard(whisper, result.reply), latencies
                    line = next_line(reply, when)
            raise AssertionError(f"never booked; last reply: {reply!r}")

        confirmation, latencies = asyncio.run(converse())
    with factory() as session:
        booked = session.scalars(select(Appointment)).all()
        stats = session.scalars(select(Conversation.voice_stats)
                                .where(Conversation.external_id == call_sid)).one()
    assert len(booked) == 1
    start = booked[0].start_at.astimezone(biz.tz)
    # On Monday as asked (at 10, or the first of the times offered around it).
    assert start.weekday() == 0 and 9 <= start.hour <= 11, start
    # The audio the caller got back is the booking's confirmation: Whisper's reading of
    # it (tiny.en on espeak-ng over a phone line is rough: "you're all there, ...
    # tomorrow at 7am") matches the confirmation said, and better than any other line.
    said = [text for role, text in transcript(factory, call_sid) if role == "assistant"]
    scores = {text: similarity(confirmation, text) for text in said}
    assert max(scores, key=lambda text: scores[text]) == said[-1], (confirmation, scores)
    assert scores[said[-1]] >= 0.5 and "all set" in said[-1].lower(), (confirmation, scores)
    assert all(0 < ms < 10_000 for ms in latencies), latencies
    assert stats is None or stats["turns"] == len(latencies)  # recorded once the call ends


def test_talking_over_the_answer_clears_it_and_keeps_only_what_was_heard(
    client: TestClient, biz: Business, factory: sessionmaker[Session],
    whisper: FasterWhisperSpeechToText, espeak: EspeakTextToSpeech,
    line: Callable[[], str],
) -> None:
    call_sid = "CA" + "e2e1" * 8
    with serving(client.app) as base:  # type: ignore[arg-type]
        with_settings(client.app, twilio_auth_token=TOKEN,  # type: ignore[arg-type]
                      public_base_url=base)
        url = ring(base, call_sid)

        async def interrupt() -> StreamCaller:
            caller = StreamCaller(call_sid)
            async with caller.connected(url):
                # Half a second into the greeting the caller starts talking.
                await caller.say(Turn(caller_audio(espeak, "Sorry, what are your hours?"),
                                      interrupt_after_s=0.5))
            return caller

        caller = asyncio.run(interrupt())
    assert caller.result.clears >= 1  # the carrier was told to drop the rest
    with factory() as session:
        tenant = session.get_one(Tenant, biz.tenant.id)
        planned = greeting_line(persona_for(tenant.persona), tenant.name, tenant.greeting, "en")
        said = session.scalars(
            select(ConversationTurn.text).join(Conversation)
            .where(Conversation.external_id == call_sid, ConversationTurn.role == "assistant")
            .order_by(ConversationTurn.seq)).all()
    assert len(clauses(planned)) >= 2, planned
    # The transcript keeps only the clauses whose marks came back before the caller cut
    # in: a beginning of the greeting, never the whole of it.
    assert said[0] != planned and planned.startswith(said[0]), (said[0], planned)
    # ... and the caller's question was heard and answered after the interruption.
    assert len(said) >= 2 and said[1] and said[1] != said[0], said
