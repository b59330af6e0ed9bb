"""The business's conversations, newest first, filtered and a page at a time.

One query per page: each conversation row comes with its customer's name by an outer
join, so a page of 100 is one round trip, not 101.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import Session

from frontdesk.errors import NotFound
from frontdesk.services.conversation_feedback import judged
from frontdesk.services.customer_overview import on_calendar
from frontdesk.store.models import (
    Conversation,
    ConversationOutcome,
    ConversationTurn,
    Customer,
    Tenant,
)

# What a person reads in a transcript: who said what, and the call's own events (not the
# tool calls and results the engine keeps beside them).
TRANSCRIPT_ROLES = ("user", "assistant", "call")
# What the post-call analysis said (ADR 0065): "not_analysed" is a conversation with no
# stored analysis (live, or ended before analyses were kept and not backfilled).
Result = Literal["succeeded", "failed", "not_analysed"]
RESULTS: tuple[Result, ...] = ("succeeded", "failed", "not_analysed")


@dataclass(frozen=True, slots=True)
class ConversationFilter:
    """Which conversations: ``since``/``until`` bound ``started_at`` ([since, until));
    ``live``: True for those not ended yet, False for ended ones, None for both;
    ``resource_id``: only with customers who have an appointment on this staff member's
    calendar (what a staff member sees, as on the customers page); ``result``: what its
    stored analysis said; ``rated``: staff's verdict on it (``conversation_feedback.judged``)."""

    channel: str | None = None
    outcome: str | None = None
    language: str | None = None
    customer_id: uuid.UUID | None = None
    since: datetime | None = None
    until: datetime | None = None
    live: bool | None = None
    resource_id: uuid.UUID | None = None
    result: Result | None = None
    rated: Literal["good", "bad"] | None = None


@dataclass(frozen=True, slots=True)
class ConversationRow:
    conversation: Conversation
    customer_name: str | None

    @property
    def transferred(self) -> bool:
        return self.conversation.outcome == ConversationOutcome.TRANSFERRED.value

    @property
    def duration_s(self) -> int | None:
        """Seconds from start to end; None while it goes on."""
        c = self.conversation
        return None if c.ended_at is None else int((c.ended_at - c.started_at).total_seconds())

    @property
    def success(self) -> bool | None:
        """The stored analysis's verdict; None when not analysed."""
        found = (self.conversation.analysis or {}).get("success")
        return found if isinstance(found, bool) else None

    @property
    def summary(self) -> str | None:
        found = (self.conversation.analysis or {}).get("summary")
        return found if isinstance(found, str) else None


def _result(result: Result) -> ColumnElement[bool]:
    if result == "not_analysed":
        return Conversation.analysis.is_(None)
    succeeded: ColumnElement[bool] = Conversation.analysis["success"].as_boolean()
    return succeeded == (true() if result == "succeeded" else false())


def list_conversations(
    session: Session, tenant: Tenant, where: ConversationFilter, *, limit: int, offset: int = 0
) -> list[ConversationRow]:
    query = (
        select(Conversation, Customer.name)
        .outerjoin(Customer, Customer.id == Conversation.customer_id)
        .where(Conversation.tenant_id == tenant.id)
    )
    for column, value in (
        (Conversation.channel, where.channel),
        (Conversation.outcome, where.outcome),
        (Conversation.language, where.language),
        (Conversation.customer_id, where.customer_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if where.since is not None:
        query = query.where(Conversation.started_at >= where.since)
    if where.until is not None:
        query = query.where(Conversation.started_at < where.until)
    if where.resource_id is not None:
        query = query.where(on_calendar(Conversation.customer_id, tenant.id, where.resource_id))
    if where.live is True:
        query = query.where(Conversation.ended_at.is_(None))
    elif where.live is False:
        query = query.where(Conversation.ended_at.is_not(None))
    if where.result is not None:
        query = query.where(_result(where.result))
    if where.rated is not None:
        query = query.where(judged(where.rated))
    # The id breaks ties, so paging never repeats or skips rows started at one instant.
    query = query.order_by(Conversation.started_at.desc(), Conversation.id.desc())
    rows = session.execute(query.limit(limit).offset(offset))
    return [ConversationRow(conversation, name) for conversation, name in rows]


@dataclass(frozen=True, slots=True)
class Transcript:
    row: ConversationRow
    turns: list[ConversationTurn]


def transcript(session: Session, tenant: Tenant, conversation_id: uuid.UUID) -> Transcript:
    """One conversation of the business with what was said, in order."""
    found = session.execute(
        select(Conversation, Customer.name)
        .outerjoin(Customer, Customer.id == Conversation.customer_id)
        .where(Conversation.id == conversation_id, Conversation.tenant_id == tenant.id)
    ).first()
    if found is None:
        raise NotFound(f"No conversation with id {conversation_id} in this business.",
                       conversation_id=str(conversation_id))
    said = list(session.scalars(
        select(ConversationTurn)
        .where(ConversationTurn.conversation_id == conversation_id,
               ConversationTurn.role.in_(TRANSCRIPT_ROLES))
        .order_by(ConversationTurn.seq)))
    return Transcript(ConversationRow(found[0], found[1]), said)
