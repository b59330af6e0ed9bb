"""A streaming call with the real agent behind it: the rules engine books a haircut from
(stand-in) speech, and a reply the caller talks over is kept in the transcript as heard."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.conversation.agent import Agent
from frontdesk.store.models import Appointment, ConversationTurn, Tenant
from frontdesk.voice.agent_side import AgentSide
from frontdesk.voice.pipeline import (
    CallerAudio,
    ClearAudio,
    Command,
    EndCall,
    MarkPlayed,
    SendAudio,
    SendMark,
    StreamingCall,
)
from frontdesk.voice.vad import EnergyVAD
from tests.channels.conftest import opening
from tests.conftest import Business, next_weekday
from tests.voice.fakes import SILENT_FRAME, TextRecognizer, TextVoice, hear, speech


def phone_side(factory: sessionmaker[Session], biz: Business, call_sid: str) -> AgentSide:
    """The agent's side of a new phone call to ``biz`` from a verified caller."""
    agent = Agent(factory)
    with factory() as session:
        tenant = session.get_one(Tenant, biz.tenant.id)
        session.expunge(tenant)
    conversation = agent.open(tenant, "phone", call_sid, caller_phone="+12125550142",
                              caller_verified=True)
    return AgentSide(agent, factory, tenant, conversation)


def _call(factory: sessionmaker[Session], biz: Business,
          call_sid: str) -> tuple[StreamingCall, AgentSide]:
    side = phone_side(factory, biz, call_sid)
    return StreamingCall(side, TextRecognizer(), TextVoice(), EnergyVAD()), side


def _played(call: StreamingCall, out: list[Command]) -> str:
    """Play what we were sent, as the carrier would, acknowledging each mark; the text
    the caller heard."""
    heard, audio = [], b""
    pending = list(out)
    while pending:
        command = pending.pop(0)
        if isinstance(command, SendAudio):
            audio += command.mulaw
        elif isinstance(command, SendMark):
            heard.append(hear(audio))
            audio = b""
            pending += call.handle(MarkPlayed(command.name))
    return " ".join(heard)


def _say(call: StreamingCall, text: str) -> str:
    out = call.handle(CallerAudio(speech(text)))
    for _ in range(25):  # 500 ms of quiet ends the turn
        out += call.handle(CallerAudio(SILENT_FRAME))
    return _played(call, out)


def test_a_haircut_is_booked_by_voice(factory: sessionmaker[Session], biz: Business) -> None:
    call, side = _call(factory, biz, "CA-stream-book")
    greeting = _played(call, call.start())
    assert "thanks for calling" in greeting.lower()
    day = next_weekday(biz.tz, 1)
    heard = _say(call, opening(day, "en"))
    for _ in range(6):
        lowered = heard.lower()
        if "name" in lowered:
            heard = _say(call, "Alex Smith")
        elif "shall i book" in lowered or "book it" in lowered:
            heard = _say(call, "yes please")
        elif "all set" in lowered or "anything else" in lowered:
            break
        else:
            raise AssertionError(f"unexpected reply: {heard}")
    with factory() as session:
        booked = session.scalars(select(Appointment)).all()
    assert len(booked) == 1 and booked[0].start_at.astimezone(biz.tz).hour == 10
    assert side.turns >= 2
    assert "all set" in heard.lower()


def test_a_reply_talked_over_is_kept_as_heard(factory: sessionmaker[Session],
                                              biz: Business) -> None:
    call, side = _call(factory, biz, "CA-stream-barge")
    out = call.start()
    marks = [c.name for c in out if isinstance(c, SendMark)]
    assert len(marks) >= 2, out  # the greeting is spoken in clauses
    first = out.index(SendMark(marks[0]))
    first_clause = hear(b"".join(c.mulaw for c in out[:first] if isinstance(c, SendAudio)))
    call.handle(MarkPlayed(marks[0]))  # the first clause reached the caller
    interrupted = call.handle(CallerAudio(speech("sorry, can I book a haircut")))
    assert ClearAudio() in interrupted
    with factory() as session:
        said = session.scalars(
            select(ConversationTurn.text)
            .where(ConversationTurn.conversation_id == side.conversation.id,
                   ConversationTurn.role == "assistant")
            .order_by(ConversationTurn.seq)).all()
        recent = session.get_one(type(side.conversation), side.conversation.id).recent
    assert said and said[-1] == first_clause  # what was heard, not the whole greeting
    assert recent is not None and recent["window"][-1][1] == said[-1]
    call.handle(CallerAudio(SILENT_FRAME))
    assert EndCall() not in interrupted
