"""Telnyx Call Control: signed webhooks in, REST commands out to a local stand-in."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.channels import telnyx_voice
from frontdesk.conversation import call_lines
from frontdesk.store.db import write_session
from frontdesk.store.models import Conversation, ConversationTurn, Tenant, TenantPhoneNumber
from tests.channels.conftest import Transcript, answer_for, appointments, opening, stored_state
from tests.channels.telnyx_line import CALLER, FALLBACK, NUMBER, Line, telnyx_line
from tests.conftest import Business, next_weekday


@pytest.fixture
def business(biz: Business, factory: sessionmaker[Session]) -> Business:
    with write_session(factory) as session:
        tenant = session.get_one(Tenant, biz.tenant.id)
        tenant.fallback_phone = FALLBACK
        session.add(TenantPhoneNumber(tenant_id=tenant.id, number_e164=NUMBER))
    return biz


@pytest.fixture
def line(engine: Engine, business: Business) -> Iterator[Line]:
    yield from telnyx_line(engine)


def connect(line: Line) -> str:
    """Ring and answer; return the greeting."""
    assert line.send("call.initiated", state="parked") == {"status": "ok"}
    assert line.actions() == ["answer"]
    assert line.commands[0]["body"] == {"command_id": line.commands[0]["body"]["command_id"]}
    line.send("call.answered", state="answered")
    assert line.actions() == ["answer", "transcription_start", "gather_using_speak"]
    listening = line.commands[1]["body"]
    assert listening == {
        "transcription_engine": "Google",
        "transcription_engine_config": {"transcription_engine": "Google", "language": "en",
                                        "interim_results": False},
        "transcription_tracks": "inbound", "command_id": listening["command_id"],
        "client_state": listening["client_state"]}
    greeting = line.commands[-1]["body"]
    assert greeting["voice"] and greeting["language"] == "en-US"
    assert greeting["minimum_digits"] == 1  # keys still work beside speech
    return str(greeting["payload"])


def conversation_turns(factory: sessionmaker[Session], call_id: str) -> list[ConversationTurn]:
    with factory() as session:
        row = session.scalars(select(Conversation).where(
            Conversation.external_id == call_id)).one()
        return list(session.scalars(select(ConversationTurn).where(
            ConversationTurn.conversation_id == row.id)))


def user_turns(factory: sessionmaker[Session], call_id: str) -> list[str]:
    return [t.text or "" for t in conversation_turns(factory, call_id) if t.role == "user"]


def book_by_voice(line: Line, business: Business, factory: sessionmaker[Session],
                  lang: str) -> Transcript:
    """A caller who speaks (``call.transcription``) until the agent says goodbye."""
    day = next_weekday(business.tz, 2)
    log = Transcript()
    log.add("agent", connect(line))
    text = opening(day, lang)
    for _ in range(10):
        assert line.say(text) == {"status": "ok"}, log
        log.add("caller", text)
        log.add("agent", line.commands[-1]["body"]["payload"])
        # Each transcript stopped the prompt that was waiting for keys before answering.
        answer_at = len(line.commands) - 1
        assert "gather_stop" in line.actions()[answer_at - 3:answer_at], line.actions()
        if line.commands[-1]["action"] == "speak":
            break
        state = stored_state(factory, business, channel="phone", external_id=line.call_id)
        text = answer_for(state, day, lang)
    else:
        pytest.fail(f"the call did not end after 10 turns:\n{log}")
    booked = appointments(factory, business)
    assert len(booked) == 1, log
    assert booked[0].start_at == business.at(day, 10), log
    assert booked[0].source == "phone"
    return log


def test_a_spoken_call_books_an_appointment(line: Line, business: Business,
                                            factory: sessionmaker[Session]) -> None:
    log = book_by_voice(line, business, factory, "en")
    # the goodbye is spoken (transcription stopped first), then the call is hung up
    goodbye = line.commands[-1]
    assert telnyx_voice.decode_state(goodbye["body"]["client_state"]) == {"then": "hangup"}
    assert line.actions()[-2] == "transcription_stop"
    assert line.send("call.speak.ended", status="completed") == {"status": "ok"}  # no numbers
    line.send("call.hangup", hangup_cause="normal_clearing")
    actions = line.actions()
    assert actions[:3] == ["answer", "transcription_start", "gather_using_speak"], actions
    assert set(actions[3:-3]) == {"gather_stop", "gather_using_speak"}, actions
    assert actions[-3:] == ["transcription_stop", "speak", "hangup"], actions
    assert all(c["call_control_id"] == line.call_id for c in line.commands)
    assert len({c["body"]["command_id"] for c in line.commands}) == len(line.commands)
    with factory() as session:
        row = session.scalars(select(Conversation).where(
            Conversation.external_id == line.call_id)).one()
        assert row.caller_phone == CALLER and row.ended_at is not None
        assert row.outcome == "booked", log


def test_a_spanish_caller_is_heard_in_spanish(line: Line, business: Business,
                                             factory: sessionmaker[Session]) -> None:
    log = book_by_voice(line, business, factory, "es")
    restart = line.actions().index("transcription_stop")
    assert line.actions()[restart:restart + 3] == [
        "transcription_stop", "transcription_start", "gather_using_speak"], log
    config = line.commands[restart + 1]["body"]["transcription_engine_config"]
    assert config["language"] == "es"
    assert line.commands[restart + 2]["body"]["language"] == "es-US"
    assert line.actions().count("transcription_start") == 2  # switched once, not every turn


def test_keys_still_answer_a_prompt(line: Line, business: Business,
                                    factory: sessionmaker[Session]) -> None:
    connect(line)
    line.send("call.gather.ended", digits="0", status="valid")
    assert user_turns(factory, line.call_id) == ["0"]
    assert line.actions()[-1] in ("gather_using_speak", "speak")
    assert "gather_stop" not in line.actions()  # a gather that ended needs no stopping


def test_a_repeated_transcription_runs_one_turn(line: Line, business: Business,
                                                factory: sessionmaker[Session]) -> None:
    connect(line)
    body = line.transcription("I'd like a haircut", event_id=str(uuid.uuid4()))
    assert line.post(body).json() == {"status": "ok"}
    turns_before = len(conversation_turns(factory, line.call_id))
    requests_before = line.recorder.requests
    replay = line.post(body)  # Telnyx delivers the same event again, freshly signed
    assert replay.status_code == 200 and replay.json() == {"status": "duplicate"}
    assert len(conversation_turns(factory, line.call_id)) == turns_before
    assert line.recorder.requests == requests_before  # not even a repeated command
    assert user_turns(factory, line.call_id) == ["I'd like a haircut"]


def test_interim_and_empty_results_are_not_turns(line: Line, business: Business,
                                                 factory: sessionmaker[Session]) -> None:
    connect(line)
    before = line.actions()
    assert line.deliver(line.transcription("I'd like a", final=False)) == {"status": "ignored"}
    assert line.deliver(line.transcription("   ")) == {"status": "ignored"}
    assert line.actions() == before
    assert user_turns(factory, line.call_id) == []


def test_the_stopped_prompt_is_not_taken_for_silence(line: Line, business: Business) -> None:
    connect(line)
    line.say("I'd like a haircut")
    before = line.actions()
    # Telnyx reports the gather we stopped: no re-prompt, no second answer.
    assert line.send("call.gather.ended", status="cancelled") == {"status": "ok"}
    assert line.actions() == before


def test_words_after_the_goodbye_start_no_turn(line: Line, business: Business,
                                               factory: sessionmaker[Session]) -> None:
    connect(line)
    line.send("call.gather.ended", status="timeout")
    line.send("call.gather.ended", status="timeout")  # second silence: goodbye
    assert line.actions()[-2:] == ["transcription_stop", "speak"]
    before = line.actions()
    assert line.say("wait, I want a haircut") == {"status": "ignored"}
    assert line.actions() == before and user_turns(factory, line.call_id) == []


def test_a_transcription_for_an_unknown_call_is_ignored(line: Line, business: Business) -> None:
    assert line.say("hello") == {"status": "ignored"}
    assert line.recorder.requests == 0


def test_a_retry_after_a_failed_command_acts_once(line: Line, business: Business,
                                                  factory: sessionmaker[Session]) -> None:
    connect(line)
    body = line.event("call.gather.ended", digits="0", status="valid")
    line.recorder.fail_first = line.recorder.requests + 1  # the answer's command fails
    failed = line.post(body)
    assert failed.status_code == 502, failed.text
    assert user_turns(factory, line.call_id) == ["0"]
    assert line.post(body).json() == {"status": "ok"}  # Telnyx retries: sent now
    assert line.actions()[-1] in ("gather_using_speak", "speak")
    assert user_turns(factory, line.call_id) == ["0"]  # the agent replayed its answer


def test_a_transcription_retried_after_a_failure_is_one_turn(
        line: Line, business: Business, factory: sessionmaker[Session]) -> None:
    connect(line)
    body = line.transcription("I'd like a haircut")
    line.recorder.fail_first = line.recorder.requests + 1  # Telnyx down for gather_stop
    failed = line.post(body)
    assert failed.status_code == 502, failed.text
    assert line.post(body).json() == {"status": "ok"}
    assert line.actions()[-2:] == ["gather_stop", "gather_using_speak"]
    assert user_turns(factory, line.call_id) == ["I'd like a haircut"]


@pytest.mark.parametrize("tamper", ["forged", "missing", "stale", "other_body"])
def test_a_bad_signature_is_refused_and_changes_nothing(
        line: Line, business: Business, factory: sessionmaker[Session], tamper: str) -> None:
    body = line.event("call.initiated")
    if tamper == "forged":
        headers = Line(line.http, Ed25519PrivateKey.generate(), line.recorder).sign(body)
    elif tamper == "missing":
        headers = {"content-type": "application/json"}
    elif tamper == "stale":
        headers = line.sign(body, at=int(time.time()) - 600)
    else:
        headers = line.sign(line.event("call.initiated"))
    response = line.post(body, headers)
    assert response.status_code == 403, response.text
    assert response.json()["code"] == "bad_signature"
    assert line.recorder.requests == 0
    with factory() as session:
        assert session.scalars(select(Conversation)).first() is None


def test_a_forged_transcription_is_refused(line: Line, business: Business,
                                           factory: sessionmaker[Session]) -> None:
    connect(line)
    body = line.transcription("cancel all my appointments")
    headers = Line(line.http, Ed25519PrivateKey.generate(), line.recorder).sign(body)
    assert line.post(body, headers).status_code == 403
    assert user_turns(factory, line.call_id) == []


def test_asking_for_a_person_transfers_to_the_fallback_number(
        line: Line, business: Business) -> None:
    connect(line)
    line.say("I want to speak to a person")
    if line.commands[-1]["action"] == "gather_using_speak":  # the agent may confirm first
        line.say("Yes")
    handover = line.commands[-1]
    assert handover["action"] == "speak", line.actions()
    assert line.actions()[-2] == "transcription_stop"  # nothing of the transfer is heard
    then = telnyx_voice.decode_state(handover["body"]["client_state"])
    assert then == {"then": "transfer", "to": FALLBACK}
    line.send("call.speak.ended", status="completed")
    transfer = line.commands[-1]
    assert transfer["action"] == "transfer" and transfer["body"]["to"] == FALLBACK


def test_silence_reprompts_then_says_goodbye(line: Line, business: Business) -> None:
    connect(line)
    line.send("call.gather.ended", status="timeout")
    assert line.commands[-1]["action"] == "gather_using_speak"
    line.send("call.gather.ended", status="timeout")
    assert line.commands[-1]["action"] == "speak"


def test_a_call_to_an_unknown_number_is_ignored(line: Line, business: Business) -> None:
    assert line.send("call.initiated", to="+12125559999") == {"status": "ignored"}
    assert line.recorder.requests == 0


def test_events_parse_speech_or_digits() -> None:
    assert telnyx_voice.heard({"speech": "hello"}) == "hello"
    assert telnyx_voice.heard({"speech": {"result": "hola"}}) == "hola"
    assert telnyx_voice.heard({"digits": "12"}) == "12"
    assert telnyx_voice.heard({"digits": "", "speech": ""}) == ""
    final = {"transcription_data": {"confidence": 0.9, "is_final": True, "transcript": " hi "}}
    assert telnyx_voice.transcript(final) == "hi"
    assert telnyx_voice.transcript({"transcription_data": {"transcript": "hi"}}) == "hi"
    assert telnyx_voice.transcript(
        {"transcription_data": {"is_final": False, "transcript": "hi"}}) is None
    assert telnyx_voice.transcript({"transcription_data": "hi"}) is None
    assert telnyx_voice.transcript({}) is None
    state = telnyx_voice.encode_state({"then": "hangup"})
    assert telnyx_voice.decode_state(state) == {"then": "hangup"}
    assert telnyx_voice.decode_state("not base64!") == {}


def test_the_line_is_worded_as_on_every_phone_door(line: Line, business: Business) -> None:
    """The re-prompt and the goodbye come from the conversation layer, as for Twilio."""
    connect(line)
    line.send("call.gather.ended", status="timeout")
    assert line.commands[-1]["body"]["payload"] == call_lines.line("reprompt", "en")
    line.send("call.gather.ended", status="timeout")
    assert line.commands[-1]["body"]["payload"] == call_lines.line("silent_goodbye", "en")
