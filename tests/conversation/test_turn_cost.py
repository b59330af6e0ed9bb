"""A turn's cost does not grow with the conversation: it reads the conversation's row (its
dialogue state and recent window), never the whole history (ADR 0025).

Counts, not times: the SQL statements a turn sends and the ORM rows it loads are the same
at turn 60 as at turn 5 of one conversation.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event, update
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.conversation.agent import Agent
from frontdesk.services.conversation_turns import (
    RECENT_MESSAGES,
    TurnChange,
    history,
    save_turn,
)
from frontdesk.store.db import write_session
from frontdesk.store.models import Conversation
from tests.conftest import Business
from tests.conversation.conftest import Chat

Monday = Callable[..., tuple[Business, datetime]]
StartChat = Callable[..., Chat]

# A caller who keeps asking: each pair of turns leaves the state where it found it, so
# turn 5 and turn 60 (or 6 and 61: same phase) are the same work on a longer record.
CYCLE = ["Do you have a haircut tomorrow at 10am?", "what about tomorrow at 2pm?",
         "what are your hours?", "ok thanks"]


@dataclass
class Cost:
    statements: int = 0
    rows: int = 0
    selects_of_turns: int = 0
    unbounded_selects_of_turns: int = 0  # without a LIMIT


@contextmanager
def counting(factory: sessionmaker[Session]) -> Iterator[Cost]:
    """Statements sent (before_cursor_execute) and ORM rows loaded while inside."""
    cost = Cost()
    engine = factory.kw["bind"]

    def statement(conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        cost.statements += 1
        if sql.lstrip().upper().startswith("SELECT") and "FROM conversation_turns" in sql:
            cost.selects_of_turns += 1
            if "LIMIT" not in sql.upper():
                cost.unbounded_selects_of_turns += 1

    def loaded(session: Session, instance: object) -> None:
        cost.rows += 1

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(factory, "loaded_as_persistent", loaded)
    try:
        yield cost
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(factory, "loaded_as_persistent", loaded)


def _turn_costs(factory: sessionmaker[Session], chat: Chat, turns: int,
                measure: set[int], key: bool = False) -> dict[int, Cost]:
    costs: dict[int, Cost] = {}
    for k in range(1, turns + 1):
        text = CYCLE[(k - 1) % len(CYCLE)]
        with counting(factory) as cost:
            chat.say(text, key=f"k{k}" if key else None)
        if k in measure:
            costs[k] = cost
    return costs


def test_statements_and_rows_do_not_grow_with_the_conversation(
    factory: sessionmaker[Session], monday: Monday, start_chat: StartChat
) -> None:
    biz, now = monday()
    chat = start_chat(biz, now, greet=True)
    costs = _turn_costs(factory, chat, 61, {5, 9, 57, 61}, key=True)
    # Same phase of the cycle, 52 turns (over 100 recorded rows) apart: the same work.
    assert costs[57].statements == costs[5].statements, costs
    assert costs[61].statements == costs[9].statements, costs
    assert costs[57].rows == costs[5].rows and costs[61].rows == costs[9].rows, costs
    assert costs[61].rows < 20, costs  # a handful of rows, not the record
    # The record's turns are read only to find a request key and the next seq: never all.
    assert costs[61].selects_of_turns <= 3, costs
    replies = [r.text for r in chat.replies]
    assert replies[4] == replies[56] and replies[8] == replies[60], "the cycle repeats"


def test_the_recent_window_is_the_end_of_the_history(
    factory: sessionmaker[Session], monday: Monday, start_chat: StartChat
) -> None:
    """What a turn hands the brain is exactly what the full history's tail would be."""
    biz, now = monday()
    chat = start_chat(biz, now, greet=True)
    for k in range(1, 31):
        chat.say(CYCLE[k % len(CYCLE)])
        with factory() as session:
            recent = session.get_one(Conversation, chat.conversation_id).recent
        said = history(factory, chat.conversation_id)  # type: ignore[arg-type]
        assert recent is not None
        assert recent["messages"] == len(said)
        assert [tuple(m) for m in recent["window"]] == said[-RECENT_MESSAGES:]


def test_a_conversation_from_before_the_window_is_rebuilt_once(
    factory: sessionmaker[Session], monday: Monday, start_chat: StartChat
) -> None:
    biz, now = monday()
    chat = start_chat(biz, now, greet=True)
    for k in range(20):
        chat.say(CYCLE[k % len(CYCLE)])
    with write_session(factory) as session:  # as migration 0010 leaves an old conversation
        session.execute(update(Conversation).where(Conversation.id == chat.conversation_id)
                        .values(recent=None))
    twin = start_chat(biz, now, greet=True)  # the same words, never without its window
    for k in range(20):
        twin.say(CYCLE[k % len(CYCLE)])

    with counting(factory) as first:
        rebuilt = chat.say(CYCLE[20 % len(CYCLE)])
    with counting(factory) as second:
        chat.say(CYCLE[21 % len(CYCLE)])
    twin.say(CYCLE[20 % len(CYCLE)])
    with counting(factory) as steady:
        twin.say(CYCLE[21 % len(CYCLE)])

    assert rebuilt.text == twin.replies[-2].text
    assert first.rows > steady.rows  # the one read of the whole record ...
    assert second.statements == steady.statements and second.rows == steady.rows  # ... once
    with factory() as session:
        recent = session.get_one(Conversation, chat.conversation_id).recent
    said = history(factory, chat.conversation_id)  # type: ignore[arg-type]
    assert recent is not None and recent["messages"] == len(said)
    assert [tuple(m) for m in recent["window"]] == said[-RECENT_MESSAGES:]


def test_a_replayed_transfer_is_still_a_transfer(
    factory: sessionmaker[Session], monday: Monday, start_chat: StartChat
) -> None:
    biz, now = monday()
    chat = start_chat(biz, now)
    first = chat.say("Can I talk to a real person please?", key="human-1")
    assert first.transfer and first.outcome == "transferred"
    again = chat.say("Can I talk to a real person please?", key="human-1")
    assert again.replayed and again.text == first.text
    assert again.transfer and again.transfer_to == first.transfer_to and again.end


def test_an_agent_turn_reads_no_history(
    factory: sessionmaker[Session], monday: Monday, start_chat: StartChat
) -> None:
    """No statement of a turn selects the record's turns in full (no request key: the
    only reads of conversation_turns left are the next seq)."""
    biz, now = monday()
    chat = start_chat(biz, now)
    assert isinstance(chat.agent, Agent)
    costs = _turn_costs(factory, chat, 12, {11, 12})
    assert costs[11].selects_of_turns == 1, costs  # max(seq) when appending
    # Turn 12 ("ok thanks") ends the conversation: its analysis also reads the latest
    # tool turns, a bounded number (ADR 0065), never the record in full.
    assert costs[12].selects_of_turns == 2, costs
    assert costs[12].unbounded_selects_of_turns == 1, costs


def test_saves_racing_in_one_conversation_keep_every_message_in_the_window(
    factory: sessionmaker[Session], monday: Monday, start_chat: StartChat
) -> None:
    """The window is extended from the locked row: concurrent saves drop nothing."""
    biz, now = monday()
    chat = start_chat(biz, now)
    cid = chat.conversation_id
    assert isinstance(cid, uuid.UUID)

    def save(i: int) -> None:
        rows = [{"role": "user", "text": f"u{i}"}, {"role": "assistant", "text": f"a{i}"}]
        save_turn(factory, cid, rows, TurnChange(state={}, language="en"), now=now)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(save, range(16)))
    with factory() as session:
        recent = session.get_one(Conversation, cid).recent
    said = history(factory, cid)
    assert recent is not None and recent["messages"] == len(said) == 32
    assert [tuple(m) for m in recent["window"]] == said[-RECENT_MESSAGES:]
