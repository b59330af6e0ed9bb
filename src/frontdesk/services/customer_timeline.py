"""Everything that happened with one customer, newest first, one page at a time.

Four kinds of entry, merged by time: an appointment's events (booked, confirmed,
cancelled, completed, no-show), a conversation (calls, chats, texts) with its transcript
and call events, a message sent to them (with its delivery state) and a campaign call.

Paging: ``before`` an instant, at most ``limit`` entries. Each source is asked for its
``limit`` latest entries before that instant (a handful of queries per page, whatever
the history's length), the union is sorted and cut (never between two entries of one
instant); the oldest entry's time is the next page's ``before``. A moved appointment
shows through its "rescheduled" message: the appointment row keeps no history of its
times.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from frontdesk.services.conversation_list import TRANSCRIPT_ROLES
from frontdesk.services.lookup import get_scoped
from frontdesk.store.models import (
    Appointment,
    AppointmentStatus,
    Campaign,
    CampaignAttempt,
    CampaignLead,
    Conversation,
    ConversationTurn,
    Customer,
    OutboxMessage,
    Tenant,
)

# The appointments one page looks at: a customer with more has them paged by the others.
_APPOINTMENTS_PER_PAGE = 500


@dataclass(frozen=True, slots=True)
class AppointmentEvent:
    event: str  # booked | confirmed | cancelled | completed | no_show
    appointment: Appointment


@dataclass(frozen=True, slots=True)
class ConversationEntry:
    conversation: Conversation
    turns: list[ConversationTurn] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CampaignCall:
    attempt: CampaignAttempt
    campaign_name: str


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime
    item: AppointmentEvent | ConversationEntry | OutboxMessage | CampaignCall


@dataclass(frozen=True, slots=True)
class Timeline:
    customer: Customer
    entries: list[TimelineEntry]
    next_before: datetime | None  # the next page's ``before``; None: nothing older


def customer_timeline(
    session: Session, tenant: Tenant, customer_id: uuid.UUID, *, before: datetime | None,
    limit: int,
) -> Timeline:
    customer = get_scoped(session, Customer, tenant.id, customer_id)
    ask = limit + 1  # one more than a page: is there anything older?
    entries = (
        _appointment_events(session, customer, before)
        + _conversations(session, customer, before, ask)
        + _messages(session, customer, before, ask)
        + _campaign_calls(session, customer, before, ask)
    )
    entries.sort(key=lambda e: e.at, reverse=True)
    if len(entries) <= limit:
        return Timeline(customer, entries, None)
    return Timeline(customer, *_cut(entries, limit))


def _cut(entries: list[TimelineEntry], limit: int) -> tuple[list[TimelineEntry], datetime]:
    """The first page and the next page's ``before``. The next page asks for what is
    strictly older, so entries sharing the boundary's instant (a booking's notices are
    written together) must all be on this page or all on the next: the page ends before
    them, or, when they alone fill it, takes every one of them."""
    boundary = entries[limit].at  # the first instant left for later pages
    page = [e for e in entries[:limit] if e.at > boundary]
    if not page:
        page = [e for e in entries if e.at >= boundary]
    return page, page[-1].at


def _appointment_events(session: Session, customer: Customer,
                        before: datetime | None) -> list[TimelineEntry]:
    rows = session.scalars(
        select(Appointment).where(Appointment.tenant_id == customer.tenant_id,
                                  Appointment.customer_id == customer.id)
        .order_by(Appointment.created_at.desc()).limit(_APPOINTMENTS_PER_PAGE))
    found: list[TimelineEntry] = []
    for a in rows:
        events = [("booked", a.created_at), ("confirmed", a.confirmed_at),
                  ("cancelled", a.cancelled_at)]
        if a.status in (AppointmentStatus.COMPLETED.value, AppointmentStatus.NO_SHOW.value):
            events.append((a.status, a.updated_at))  # marked then; no column of its own
        found += [TimelineEntry(at, AppointmentEvent(event, a)) for event, at in events
                  if at is not None and (before is None or at < before)]
    return found


def _conversations(session: Session, customer: Customer, before: datetime | None,
                   limit: int) -> list[TimelineEntry]:
    query = select(Conversation).where(Conversation.tenant_id == customer.tenant_id,
                                       Conversation.customer_id == customer.id)
    if before is not None:
        query = query.where(Conversation.started_at < before)
    rows = list(session.scalars(query.order_by(Conversation.started_at.desc()).limit(limit)))
    turns: dict[uuid.UUID, list[ConversationTurn]] = defaultdict(list)
    if rows:
        for turn in session.scalars(
            select(ConversationTurn)
            .where(ConversationTurn.conversation_id.in_([c.id for c in rows]),
                   ConversationTurn.role.in_(TRANSCRIPT_ROLES))
            .order_by(ConversationTurn.seq)
        ):
            turns[turn.conversation_id].append(turn)
    return [TimelineEntry(c.started_at, ConversationEntry(c, turns[c.id])) for c in rows]


def _messages(session: Session, customer: Customer, before: datetime | None,
              limit: int) -> list[TimelineEntry]:
    theirs = [OutboxMessage.customer_id == customer.id,
              OutboxMessage.appointment_id.in_(select(Appointment.id).where(
                  Appointment.customer_id == customer.id))]
    query = select(OutboxMessage).where(OutboxMessage.tenant_id == customer.tenant_id,
                                        or_(*theirs))
    if before is not None:
        query = query.where(OutboxMessage.created_at < before)
    rows = session.scalars(query.order_by(OutboxMessage.created_at.desc()).limit(limit))
    return [TimelineEntry(m.created_at, m) for m in rows]


def _campaign_calls(session: Session, customer: Customer, before: datetime | None,
                    limit: int) -> list[TimelineEntry]:
    query = (select(CampaignAttempt, Campaign.name)
             .join(CampaignLead, CampaignLead.id == CampaignAttempt.lead_id)
             .join(Campaign, Campaign.id == CampaignAttempt.campaign_id)
             .where(CampaignAttempt.tenant_id == customer.tenant_id,
                    CampaignLead.customer_id == customer.id))
    if before is not None:
        query = query.where(CampaignAttempt.started_at < before)
    rows = session.execute(query.order_by(CampaignAttempt.started_at.desc()).limit(limit))
    return [TimelineEntry(a.started_at, CampaignCall(a, name)) for a, name in rows]
