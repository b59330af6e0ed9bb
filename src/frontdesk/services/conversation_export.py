"""Conversations with every turn (tool calls included), redacted, for learning from them.

One record per conversation, the same JSON whether it is read from the database (``frontdesk
export``) or over the API (``GET /api/v1/conversations/export``): redacted here, on the
server, so raw personal data never leaves through this path (ADR 0066). The record also
carries what a model needs to read the tool calls: the business's services and staff by
id (not personal data).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from frontdesk.errors import NotFound
from frontdesk.nlu.redact import Redactor, Vocabulary
from frontdesk.services.conversation_feedback import Rating, judged, verdict
from frontdesk.store.models import (
    Conversation,
    ConversationTurn,
    Customer,
    Resource,
    Service,
    Tenant,
)

# The turns a dialogue is made of; call events ("call") are the door's, not the dialogue's.
DIALOGUE_ROLES = ("user", "assistant", "tool")


@dataclass(frozen=True, slots=True)
class ExportFilter:
    """Which conversations: ``since``/``until`` bound ``started_at`` ([since, until), aware)."""

    outcomes: tuple[str, ...] = ()
    language: str | None = None
    channel: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    feedback: Rating | None = None  # staff's verdict (conversation_feedback.judged)


def tenants_for(session: Session, slug: str | None) -> list[Tenant]:
    """One business by slug, or every business (the CLI's ``--tenant``)."""
    query = select(Tenant).order_by(Tenant.slug)
    if slug is not None:
        query = query.where(Tenant.slug == slug)
    found = list(session.scalars(query))
    if slug is not None and not found:
        raise NotFound(f"No business with the slug {slug!r}.", slug=slug)
    return found


def _query(tenant: Tenant, where: ExportFilter) -> Select[Any]:
    query = select(Conversation).where(Conversation.tenant_id == tenant.id)
    if where.outcomes:
        query = query.where(Conversation.outcome.in_(where.outcomes))
    if where.language is not None:
        query = query.where(Conversation.language == where.language)
    if where.channel is not None:
        query = query.where(Conversation.channel == where.channel)
    if where.since is not None:
        query = query.where(Conversation.started_at >= where.since)
    if where.until is not None:
        query = query.where(Conversation.started_at < where.until)
    if where.feedback is not None:
        query = query.where(judged(where.feedback))
    # Oldest first, the id breaking ties: pages never repeat or skip a conversation.
    return query.order_by(Conversation.started_at, Conversation.id)


class Exporter:
    """Redacted records of one business's conversations; what every conversation shares
    (customer names, services, staff) is read once."""

    def __init__(self, session: Session, tenant: Tenant) -> None:
        self.session, self.tenant = session, tenant
        self.tz = ZoneInfo(tenant.timezone)
        services = list(session.scalars(select(Service).where(Service.tenant_id == tenant.id)
                                        .order_by(Service.name)))
        staff = list(session.scalars(select(Resource).where(Resource.tenant_id == tenant.id)
                                     .order_by(Resource.name)))
        names = session.scalars(select(Customer.name).where(
            Customer.tenant_id == tenant.id, Customer.name.is_not(None)))
        keep = [tenant.name, *(s.name for s in services), *(r.name for r in staff)]
        for s in services:
            keep += [w for words in (s.spoken_names or {}).values() for w in words]
        self.vocab = Vocabulary.build(names=names, keep=keep)
        self.business = {
            "slug": tenant.slug, "name": tenant.name, "timezone": tenant.timezone,
            "country": tenant.country, "persona": tenant.persona,
            "services": [{"id": str(s.id), "name": s.name,
                          "duration_minutes": s.duration_minutes} for s in services],
            "staff": [{"id": str(r.id), "name": r.name} for r in staff],
        }

    def page(self, where: ExportFilter, *, limit: int, offset: int = 0) -> list[dict[str, Any]]:
        rows = self.session.scalars(_query(self.tenant, where).limit(limit).offset(offset))
        return [self.record(c) for c in rows]

    def one(self, conversation_id: uuid.UUID) -> dict[str, Any]:
        found = self.session.get(Conversation, conversation_id)
        if found is None or found.tenant_id != self.tenant.id:
            raise NotFound(f"No conversation with id {conversation_id} in this business.",
                           conversation_id=str(conversation_id))
        return self.record(found)

    def record(self, c: Conversation) -> dict[str, Any]:
        turns = list(self.session.scalars(
            select(ConversationTurn)
            .where(ConversationTurn.conversation_id == c.id,
                   ConversationTurn.role.in_(DIALOGUE_ROLES))
            .order_by(ConversationTurn.seq)))
        customer = self.session.get(Customer, c.customer_id) if c.customer_id else None
        started = c.started_at.astimezone(self.tz)
        r = Redactor(self.vocab, region=self.tenant.country or "US", today=started.date())
        learn(r, c, customer, turns)
        return {
            "id": str(c.id), "channel": c.channel, "language": c.language,
            "outcome": c.outcome, "caller_verified": c.caller_verified,
            "caller_phone": r.value(c.caller_phone, "caller_phone") if c.caller_phone else None,
            "started_at": started.isoformat(),
            "ended_at": c.ended_at.astimezone(self.tz).isoformat() if c.ended_at else None,
            "turn_count": c.turn_count, "feedback": verdict(self.session, c.id),
            "success": (c.analysis or {}).get("success"),
            "business": self.business,
            "turns": [{
                "seq": t.seq, "role": t.role,
                "text": r.text(t.text) if t.text else t.text,
                "tool_name": t.tool_name,
                "tool_args": r.value(t.tool_args) if t.tool_args is not None else None,
                "tool_result": r.value(t.tool_result) if t.tool_result is not None else None,
                "engine": t.engine, "fallback_reason": t.fallback_reason,
                "latency_ms": round(t.latency_ms, 2) if t.latency_ms is not None else None,
            } for t in turns],
        }


def learn(r: Redactor, c: Conversation, customer: Customer | None,
          turns: Sequence[ConversationTurn]) -> None:
    """Everything known to be this conversation's personal data, before any of it is
    redacted: so "Jordan" in the first line becomes the same ``<NAME_1>`` that the
    booking's ``customer_name`` does at the end."""
    if customer is not None:
        r.learn(name=customer.name, phone=customer.phone_e164, email=customer.email)
    r.learn(phone=c.caller_phone)
    state = c.state or {}
    r.learn(name=state.get("name") if isinstance(state.get("name"), str) else None,
            phone=state.get("phone") if isinstance(state.get("phone"), str) else None)
    intake = state.get("intake")
    if isinstance(intake, dict):
        r.learn_from_value(intake, None)
    for t in turns:
        if t.tool_args:
            r.learn_from_value(t.tool_args)
        if t.tool_result:
            r.learn_from_value(t.tool_result)
        if t.role == "user" and t.text:
            r.learn_from_text(t.text)


def tenant_of(session: Session, conversation_id: uuid.UUID) -> Tenant:
    """The business a conversation belongs to (the CLI, which serves every business)."""
    found = session.get(Conversation, conversation_id)
    if found is None:
        raise NotFound(f"No conversation with id {conversation_id}.",
                       conversation_id=str(conversation_id))
    return session.get_one(Tenant, found.tenant_id)
