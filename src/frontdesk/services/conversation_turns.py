"""The agent's record of a conversation, turn by turn: open or load it, read its history,
append a turn with what it changed, answer a repeated request from the record, close it.

The brain keeps its dialogue state here between turns, so any process can carry on a
conversation; it never reads or writes the store itself. ``Conversation`` is re-exported
because ``Agent.open`` hands doors the conversation row they hold for a call or chat.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.errors import Conflict
from frontdesk.outreach import Outcome
from frontdesk.services import campaign_outcomes, conversation_analysis, request_keys
from frontdesk.services import conversations as records
from frontdesk.services.conversations import RECENT_MESSAGES
from frontdesk.services.request_keys import one_copy_at_a_time
from frontdesk.store.db import write_session
from frontdesk.store.models import Conversation, ConversationTurn, Tenant

__all__ = [
    "AlreadyAnswered",
    "Answer",
    "CampaignOutcome",
    "RECENT_MESSAGES",
    "Conversation",
    "ConversationRecord",
    "TurnChange",
    "answer_for_request",
    "close",
    "history",
    "load",
    "one_copy_at_a_time",
    "open_conversation",
    "save_turn",
]


@dataclass(frozen=True, slots=True)
class ConversationRecord:
    """A conversation as it stood when read."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    channel: str
    external_id: str
    language: str
    caller_phone: str | None
    caller_verified: bool  # the door vouches for caller_phone
    state: dict[str, Any]  # the dialogue state, as the brain stored it
    turn_count: int
    outcome: str | None
    # The last RECENT_MESSAGES things said, (role, text) in order, and how many were said
    # in all: a turn needs these, never the whole history (its cost stays flat).
    recent: list[tuple[str, str]]
    messages: int


@dataclass(frozen=True, slots=True)
class Answer:
    """The reply a request got, and the conversation as it stands now."""

    text: str
    language: str | None
    state: dict[str, Any]
    outcome: str | None


@dataclass(frozen=True, slots=True)
class CampaignOutcome:
    """What a person we contacted for a campaign decided, kept on the lead (and on the
    call's attempt) in the same transaction as the turn that heard it."""

    outcome: Outcome
    lead_id: uuid.UUID
    on_call: bool  # a call the dialer placed; else a text back to the follow-up
    callback_at: datetime | None = None
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class TurnChange:
    """What one turn changed on the conversation."""

    state: dict[str, Any]
    language: str
    customer_id: str | None = None
    appointment_id: str | None = None
    decided: bool = False  # the brain answered a caller (a greeting decides nothing)
    outcome: str | None = None
    end: bool = False
    opt_out_phone: str | None = None  # the caller asked never to be contacted again
    campaign: CampaignOutcome | None = None


class AlreadyAnswered(Conflict):
    """Another copy of this request was answered and recorded first."""


def open_conversation(
    factory: sessionmaker[Session],
    tenant: Tenant,
    channel: str,
    external_id: str,
    *,
    caller_phone: str | None = None,
    caller_verified: bool = False,
    language: str | None = None,
) -> Conversation:
    """The conversation with this door id, created if new (``conversations``)."""
    conversation, _ = records.open_conversation(
        factory, tenant, channel, external_id, caller_phone=caller_phone,
        caller_verified=caller_verified, language=language,
    )
    return conversation


def load(
    factory: sessionmaker[Session], tenant: Tenant, conversation_id: uuid.UUID
) -> ConversationRecord:
    """The conversation as it stands: one row, whatever its length (its recent window is
    rebuilt from the turns only for a conversation from before that column)."""
    with factory() as session:
        row = records.get_conversation(session, tenant, conversation_id)
        return _record(row, records.recent_of(session, row))


def history(factory: sessionmaker[Session], conversation_id: uuid.UUID) -> list[tuple[str, str]]:
    """What the caller and the agent said so far, in order: (role, text). Every turn of
    it: for tools and comparisons, not for answering a turn (``load`` has the window)."""
    with factory() as session:
        return [
            (t.role, t.text or "")
            for t in records.turns(session, conversation_id)
            if t.role in ("user", "assistant")
        ]


def answer_for_request(
    factory: sessionmaker[Session], tenant: Tenant, conversation_id: uuid.UUID, request_key: str
) -> Answer | None:
    """The recorded reply to the request with this key, if it was answered."""
    with factory() as session:
        conversation = records.get_conversation(session, tenant, conversation_id)
        answer = request_keys.reply_to(session, conversation_id, request_key)
        if answer is None:
            return None
        return Answer(
            answer.text or "", answer.language, dict(conversation.state), conversation.outcome
        )


def save_turn(
    factory: sessionmaker[Session],
    conversation_id: uuid.UUID,
    rows: list[dict[str, Any]],
    change: TurnChange,
    *,
    now: datetime,
    request_key: str | None = None,
    refine_analysis: bool = False,
) -> None:
    """Append a turn's rows (caller, tools, agent) and what it changed, in one transaction.
    A turn that ends the conversation stores its analysis (``refine_analysis``: an LLM
    rewords it, see ``conversation_analysis``).

    Raises ``AlreadyAnswered`` when a copy of the same request (``request_key``) raced
    this one from another process and was recorded first: its answer is the answer, and
    any booking it made carries the same idempotency key, so nothing doubled.
    """
    try:
        _save(factory, conversation_id, rows, change, now, refine_analysis)
    except IntegrityError:
        if request_key:
            with factory() as session:
                if request_keys.reply_to(session, conversation_id, request_key):
                    raise AlreadyAnswered(
                        "This request was already answered in this conversation."
                    ) from None
        # Two different turns raced for the same sequence number: append again.
        _save(factory, conversation_id, rows, change, now, refine_analysis)


def close(
    factory: sessionmaker[Session],
    tenant: Tenant,
    conversation_id: uuid.UUID,
    *,
    now: datetime,
    outcome: Callable[[dict[str, Any]], str],
    refine_analysis: bool = False,
) -> None:
    """The call or chat is over. One with no outcome yet gets ``outcome(state)``.
    ``refine_analysis``: an LLM rewords its analysis (``conversation_analysis``)."""
    with write_session(factory) as session:
        row = records.get_conversation(session, tenant, conversation_id)
        ending = row.ended_at is None
        if ending:
            row.ended_at = now
        if row.outcome is None:
            row.outcome = outcome(row.state)
        if ending:
            conversation_analysis.on_ended(session, tenant, row, refine=refine_analysis)


def close_with_line(
    factory: sessionmaker[Session],
    tenant: Tenant,
    conversation_id: uuid.UUID,
    *,
    text: str,
    lang: str,
    now: datetime,
    outcome: Callable[[dict[str, Any]], str],
    refine_analysis: bool = False,
) -> None:
    """The agent's last words (the call is closed by us, not by the dialogue): appended
    to the transcript, and the conversation ended as ``close`` does."""
    with write_session(factory) as session:
        row = session.get_one(Conversation, conversation_id, with_for_update=True)
        if row.tenant_id != tenant.id:
            return
        records.append_turns(session, row, [{"role": "assistant", "text": text,
                                             "language": lang, "engine": "rules"}])
        ending = row.ended_at is None
        if ending:
            row.ended_at = now
        if row.outcome is None:
            row.outcome = outcome(row.state)
        if ending:
            conversation_analysis.on_ended(session, tenant, row, refine=refine_analysis)


def _save(
    factory: sessionmaker[Session],
    conversation_id: uuid.UUID,
    rows: list[dict[str, Any]],
    change: TurnChange,
    now: datetime,
    refine_analysis: bool = False,
) -> None:
    with write_session(factory) as session:
        # Locked (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers): the
        # recent window is extended from the row as it stands and the next seq read after
        # any save before, so saves racing in one conversation neither drop each other's
        # messages from the window nor collide on seq (same statement count).
        row = session.get_one(Conversation, conversation_id, with_for_update=True)
        records.append_turns(session, row, rows)
        row.state = change.state
        row.language = change.language
        row.turn_count += sum(1 for r in rows if r["role"] == "user")
        if change.customer_id:
            row.customer_id = uuid.UUID(change.customer_id)
        if change.appointment_id:
            row.appointment_id = uuid.UUID(change.appointment_id)
        if change.decided and change.outcome:
            row.outcome = change.outcome
        if change.decided and change.end:
            row.ended_at = now
        elif change.decided:
            row.ended_at = None  # spoke again after an end: the conversation goes on
            if row.outcome == "abandoned":
                row.outcome = None
        if change.opt_out_phone:
            records.opt_out(session, session.get_one(Tenant, row.tenant_id), change.opt_out_phone)
        if change.campaign is not None:
            _campaign_outcome(session, conversation_id, change.campaign)
        if change.decided and change.end:
            conversation_analysis.on_ended(session, session.get_one(Tenant, row.tenant_id),
                                           row, refine=refine_analysis)


def _campaign_outcome(session: Session, conversation_id: uuid.UUID,
                      said: CampaignOutcome) -> None:
    attempt = (campaign_outcomes.attempt_for_conversation(session, conversation_id)
               if said.on_call else None)
    if attempt is not None:
        campaign_outcomes.record(session, attempt, said.outcome, callback_at=said.callback_at,
                                 detail=said.detail)
    elif not said.on_call:
        campaign_outcomes.lead_replied(session, said.lead_id, said.outcome,
                                       callback_at=said.callback_at)


def _record(conversation: Conversation, recent: dict[str, Any]) -> ConversationRecord:
    return ConversationRecord(
        id=conversation.id,
        tenant_id=conversation.tenant_id,
        channel=conversation.channel,
        external_id=conversation.external_id,
        language=conversation.language,
        caller_phone=conversation.caller_phone,
        caller_verified=conversation.caller_verified,
        state=dict(conversation.state or {}),
        turn_count=conversation.turn_count,
        outcome=conversation.outcome,
        recent=[(str(role), str(text)) for role, text in recent["window"]],
        messages=int(recent["messages"]),
    )


def record_heard(factory: sessionmaker[Session], conversation_id: uuid.UUID, planned: str,
                 spoken: str) -> bool:
    """The caller heard only ``spoken`` of the agent's reply ``planned`` (they talked over
    it, or hung up): the transcript and the brain's recent window say what was heard, not
    what was planned. False when the latest reply is not ``planned`` (nothing changed)."""
    if spoken == planned:
        return False
    with write_session(factory) as session:
        conversation = session.get(Conversation, conversation_id, with_for_update=True)
        if conversation is None:
            return False
        last = session.scalars(
            select(ConversationTurn)
            .where(ConversationTurn.conversation_id == conversation_id,
                   ConversationTurn.role == "assistant")
            .order_by(ConversationTurn.seq.desc()).limit(1)).first()
        if last is None or last.text != planned:
            return False
        last.text = spoken
        recent = records.recent_of(session, conversation)
        window = [list(pair) for pair in recent["window"]]
        for pair in reversed(window):
            if pair[0] == "assistant":
                if pair[1] == planned:
                    pair[1] = spoken
                break
        conversation.recent = {"messages": recent["messages"], "window": window}
        return True


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile (``fraction`` 0..1) of a non-empty list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))]


def record_voice_timings(factory: sessionmaker[Session], conversation_id: uuid.UUID,
                         latencies_ms: list[float]) -> dict[str, Any] | None:
    """Keep a streamed call's voice-to-voice figures on its conversation (issue 15)."""
    if not latencies_ms:
        return None
    stats: dict[str, Any] = {
        "turns": len(latencies_ms),
        "p50_ms": round(percentile(latencies_ms, 0.5)),
        "p95_ms": round(percentile(latencies_ms, 0.95)),
        "max_ms": round(max(latencies_ms)),
    }
    with write_session(factory) as session:
        conversation = session.get(Conversation, conversation_id)
        if conversation is not None:
            conversation.voice_stats = stats
    return stats
