"""Long histories on the OpenAI-compatible door (ADR 0008, 0025).

A continuing client costs one turn however long its history; a long history we never
saw is caught up in one pass that rebuilds the dialogue state and acts on nothing: the
next reply is the one turn-by-turn chatting gives, and nothing is booked or texted twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.store.models import Conversation, ConversationTurn, OutboxMessage
from tests.channels.conftest import appointments, say_date
from tests.channels.test_openai_compat import VoicePlatform, call_until_booked, sdk
from tests.conftest import Business, next_weekday


def browsing(day: date, turns: int) -> list[str]:
    """A caller who shops around for a long while and books nothing (yet)."""
    when = say_date(day, "en")
    cycle = [f"Hi, I'd like a haircut on {when} at 10am", f"what about {when} at 2pm?",
             "what are your hours?", f"and on {when} at 11am?"]
    return [cycle[i % len(cycle)] for i in range(turns)]


def call(call_id: str) -> dict[str, Any]:
    return {"metadata": {"call_id": call_id}}


def _conversation(factory: sessionmaker[Session], external_id: str) -> Conversation:
    with factory() as session:
        row = session.scalars(select(Conversation).where(
            Conversation.external_id == external_id)).one()
        session.expunge(row)
        return row


def _count(factory: sessionmaker[Session], model: Any) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    sent: list[str] = []

    def count(conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        sent.append(sql)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_a_40_turn_history_sent_at_once_gets_the_turn_by_turn_reply(
        client: TestClient, biz: Business, factory: sessionmaker[Session]) -> None:
    day = next_weekday(biz.tz, 2)
    chatted = VoicePlatform(sdk(client, biz.api_key), extra_body=call("turn-by-turn"))
    for text in browsing(day, 40):
        chatted.say(text)
    next_words = "The first one"
    expected = chatted.say(next_words)
    expected_state = _conversation(factory, "oa:turn-by-turn").state

    unseen = VoicePlatform(sdk(client, biz.api_key), extra_body=call("seen-elsewhere"))
    unseen.history = [*chatted.history[:-1]]  # all 41 caller messages, the last unanswered
    reply = unseen.send()

    assert reply == expected
    caught_up = _conversation(factory, "oa:seen-elsewhere")
    # When the agent last spoke is each conversation's own instant; the rest must agree.
    assert caught_up.state.pop("replied_at") and expected_state.pop("replied_at")
    assert caught_up.state == expected_state
    assert caught_up.turn_count == 41
    assert caught_up.recent == _conversation(factory, "oa:turn-by-turn").recent
    assert appointments(factory, biz) == []

    # The platform retries that request: answered from the record, nothing appended.
    rows = _count(factory, ConversationTurn)
    assert unseen.send() == expected
    assert _count(factory, ConversationTurn) == rows


def test_catching_up_never_books_or_texts_again(
        client: TestClient, biz: Business, factory: sessionmaker[Session]) -> None:
    """A history in which the caller booked (and was texted a confirmation): sent whole
    under a new identity, its past "yes" books nothing and sends nothing."""
    day = next_weekday(biz.tz, 2)
    first = VoicePlatform(sdk(client, biz.api_key), extra_body=call("first-system"))
    call_until_booked(first, factory, biz, day)
    first.say("No, thanks")
    booked, sent = appointments(factory, biz), _count(factory, OutboxMessage)
    assert len(booked) == 1

    elsewhere = VoicePlatform(sdk(client, biz.api_key), extra_body=call("second-system"))
    elsewhere.history = [*first.history, {"role": "user", "content": "What are your hours?"}]
    reply = elsewhere.send()

    assert reply.strip()
    assert [a.id for a in appointments(factory, biz)] == [b.id for b in booked]
    assert _count(factory, OutboxMessage) == sent
    record = _conversation(factory, "oa:second-system")
    said = sum(1 for m in elsewhere.history if m["role"] == "user")
    assert record.turn_count == said
    with factory() as session:
        rows = list(session.scalars(select(ConversationTurn).where(
            ConversationTurn.conversation_id == record.id).order_by(ConversationTurn.seq)))
    assert not [r for r in rows if r.role == "tool" and r.tool_name == "book"]
    # The record keeps what the caller heard then (the history's words), not ours.
    heard = [m["content"] for m in first.history if m["role"] == "assistant"][1:]
    assert [r.text for r in rows if r.role == "assistant"][:-1] == heard


def test_a_continuing_client_costs_one_turn_however_long(
        client: TestClient, biz: Business, factory: sessionmaker[Session],
        engine: Engine) -> None:
    day = next_weekday(biz.tz, 2)
    platform = VoicePlatform(sdk(client, biz.api_key), extra_body=call("long-call"))
    script = browsing(day, 44)
    costs: dict[int, int] = {}
    for k, text in enumerate(script, start=1):
        with statements(engine) as sent:
            platform.say(text)
        costs[k] = len(sent)
    # Same phase of the script, 36 turns apart: the same statements.
    assert costs[8] == costs[44] and costs[7] == costs[43], costs
