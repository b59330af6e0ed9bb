"""A shutdown under a live streaming call (``Closing``): the reply under way is heard to
its end, then the closing line, then the call ends; the caller is no longer listened to;
with the real agent the line is recorded and a business with a number takes the caller.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.conversation.call_lines import line
from frontdesk.store.db import write_session
from frontdesk.store.models import Conversation, ConversationTurn, Tenant
from frontdesk.voice.agent_side import AgentSide
from frontdesk.voice.live_calls import LiveCalls
from frontdesk.voice.pipeline import CallerAudio, Closing, EndCall, MarkPlayed, StreamingCall
from frontdesk.voice.vad import EnergyVAD
from tests.conftest import Business
from tests.voice.fakes import ScriptedSide, TextRecognizer, TextVoice, speech
from tests.voice.test_agent_side import phone_side
from tests.voice.test_pipeline import make_call, silence, spoken


def test_closing_when_idle_says_the_line_then_ends() -> None:
    side = ScriptedSide()
    call = make_call(side)
    call.start()
    call.handle(MarkPlayed("r1c0"))
    call.handle(MarkPlayed("r1c1"))
    out = call.handle(Closing())
    assert spoken(out) == [("r2c0", "Sorry, we must go.")]
    assert not call.ended
    assert call.handle(MarkPlayed("r2c0")) == [EndCall()]
    assert call.ended and side.closings == 1


def test_a_reply_under_way_is_heard_out_before_the_closing_line() -> None:
    side = ScriptedSide()
    call = make_call(side)
    call.start()  # the greeting: two clauses, marks r1c0 and r1c1 outstanding
    assert call.handle(Closing()) == []  # nothing cut
    assert call.handle(MarkPlayed("r1c0")) == []
    assert spoken(call.handle(MarkPlayed("r1c1"))) == [("r2c0", "Sorry, we must go.")]
    assert call.handle(MarkPlayed("r2c0")) == [EndCall()]
    assert side.heard_calls == []  # the greeting was heard whole


def test_while_closing_the_caller_is_not_listened_to() -> None:
    side = ScriptedSide()
    call = make_call(side)
    call.start()
    call.handle(Closing())
    assert call.handle(CallerAudio(speech("wait, book me a haircut"))) == []  # no barge-in
    silence(call, 600)
    assert side.answered == []
    assert call.handle(Closing()) == []  # asked twice: said once


def test_live_calls_close_every_call_and_every_later_one() -> None:
    live = LiveCalls()
    asked: list[str] = []
    with live.carrying(lambda: asked.append("first")):
        assert len(live) == 1 and not live.wait_ended(0)
        assert live.close_all() == 1
        with live.carrying(lambda: asked.append("late")):  # connected during the shutdown
            pass
    assert asked == ["first", "late"]
    assert len(live) == 0 and live.wait_ended(0)


def _side(factory: sessionmaker[Session], biz: Business, call_sid: str) -> AgentSide:
    return phone_side(factory, biz, call_sid)


def _last_turn(factory: sessionmaker[Session], side: AgentSide) -> tuple[str, str | None]:
    with factory() as session:
        last = session.scalars(select(ConversationTurn).where(
            ConversationTurn.conversation_id == side.conversation.id)
            .order_by(ConversationTurn.seq.desc()).limit(1)).one()
        return last.role, last.text


def test_the_agent_records_the_goodbye_and_ends_the_conversation(
    factory: sessionmaker[Session], biz: Business,
) -> None:
    side = _side(factory, biz, "CA-closing-1")
    call = StreamingCall(side, TextRecognizer(), TextVoice(), EnergyVAD(), lang="es")
    said = side.closing("es")
    assert said.hang_up and said.text == line("closing", "en")  # the conversation's language
    assert _last_turn(factory, side) == ("assistant", line("closing", "en"))
    with factory() as session:
        conversation = session.get_one(Conversation, side.conversation.id)
        assert conversation.ended_at is not None and conversation.outcome == "abandoned"
    assert side.handed_over == [] and not call.ended


def test_a_business_with_a_number_gets_the_caller_put_through(
    factory: sessionmaker[Session], biz: Business,
) -> None:
    with write_session(factory) as session:
        session.get_one(Tenant, biz.tenant.id).fallback_phone = "+12125550111"
    side = _side(factory, biz, "CA-closing-2")
    said = side.closing("en")
    assert said.text == line("closing_transfer", "en") and said.hang_up
    assert side.handed_over == ["+12125550111"]  # Telnyx's door transfers to it
    with factory() as session:  # Twilio's stream-ended webhook dials on this outcome
        assert session.get_one(Conversation, side.conversation.id).outcome == "transferred"
