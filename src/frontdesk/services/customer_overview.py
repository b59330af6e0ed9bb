"""The customer list a person works from: who they are, when we last spoke, how it went,
what is booked next — filtered and sorted for "contact these".

A page costs three queries whatever its size: the customers with their last contact,
last outcome and next appointment (outer joins on grouped subqueries, so the filters and
the sorting happen in the database), then their conversations counted by channel and
their campaign tags, for that page's ids only.

A *contact* is a conversation with the customer (any channel, either direction) or a
campaign call to them; a campaign call that reached a conversation counts once, with the
campaign's outcome (``callback_requested``, ``no_answer``...), which says more than the
conversation's. The *last outcome* is the latest contact's.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Select, exists, func, or_, select, union_all
from sqlalchemy.orm import Session

from frontdesk.services.customers import find_by_phone
from frontdesk.store.models import (
    Appointment,
    AppointmentStatus,
    CampaignAttempt,
    CampaignLead,
    Conversation,
    Customer,
    DoNotCallEntry,
    Tenant,
)

Sort = Literal["created", "name", "last_contact", "next_appointment"]


@dataclass(frozen=True, slots=True)
class CustomerQuery:
    """Which customers, in what order. ``contains``: in the name, email or phone number;
    ``phone``: exactly this number (any format); ``no_show_since``: missed an
    appointment starting at or after this time; ``resource_id``: only customers with an
    appointment (any state) on this staff member's calendar — what a staff member sees."""

    contains: str | None = None
    phone: str | None = None
    not_contacted_days: int | None = None
    last_outcome: str | None = None
    no_show_since: datetime | None = None
    tag: str | None = None
    sort: Sort = "created"
    resource_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class CustomerOverview:
    customer: Customer
    last_contact_at: datetime | None
    last_outcome: str | None
    next_appointment_at: datetime | None
    on_do_not_call_list: bool  # the server-wide list, beside the record's own flag
    conversations_by_channel: dict[str, int] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)


def list_overviews(
    session: Session, tenant: Tenant, where: CustomerQuery, *, now: datetime, limit: int,
    offset: int = 0,
) -> list[CustomerOverview]:
    query = _filtered(session, tenant, where, now)
    if query is None:
        return []
    rows = session.execute(query.limit(limit).offset(offset)).all()
    ids = [row[0].id for row in rows]
    channels = _channels(session, ids)
    tags = _tags(session, ids)
    return [
        CustomerOverview(customer, last_at, outcome, next_at, bool(listed),
                         channels.get(customer.id, {}), tags.get(customer.id, []))
        for customer, last_at, outcome, next_at, listed in rows
    ]


def _filtered(session: Session, tenant: Tenant, where: CustomerQuery,
              now: datetime) -> Select[Any] | None:
    last = _last_contacts(tenant)
    upcoming = (
        select(Appointment.customer_id, func.min(Appointment.start_at).label("start_at"))
        .where(Appointment.tenant_id == tenant.id,
               Appointment.status == AppointmentStatus.BOOKED.value,
               Appointment.start_at >= now)
        .group_by(Appointment.customer_id)
        .subquery()
    )
    query = (
        select(Customer, last.c.at, last.c.outcome, upcoming.c.start_at,
               DoNotCallEntry.phone_e164)
        .outerjoin(last, last.c.customer_id == Customer.id)
        .outerjoin(upcoming, upcoming.c.customer_id == Customer.id)
        .outerjoin(DoNotCallEntry, DoNotCallEntry.phone_e164 == Customer.phone_e164)
        .where(Customer.tenant_id == tenant.id)
    )
    if where.phone:
        found = find_by_phone(session, tenant, where.phone)
        if found is None:
            return None
        query = query.where(Customer.id == found.id)
    if where.contains:
        query = query.where(_contains(where.contains))
    if where.not_contacted_days is not None:
        since = now - timedelta(days=where.not_contacted_days)
        query = query.where(or_(last.c.at.is_(None), last.c.at < since))
    if where.last_outcome is not None:
        query = query.where(last.c.outcome == where.last_outcome)
    if where.no_show_since is not None:
        query = query.where(exists().where(
            Appointment.customer_id == Customer.id,
            Appointment.status == AppointmentStatus.NO_SHOW.value,
            Appointment.start_at >= where.no_show_since))
    if where.tag is not None:
        query = query.where(Customer.id.in_(tagged(session, tenant, where.tag)))
    if where.resource_id is not None:
        query = query.where(on_calendar(Customer.id, tenant.id, where.resource_id))
    order: dict[Sort, list[Any]] = {
        "created": [Customer.created_at],
        "name": [Customer.name.is_(None), func.lower(Customer.name)],
        "last_contact": [last.c.at.is_(None), last.c.at.desc()],
        "next_appointment": [upcoming.c.start_at.is_(None), upcoming.c.start_at],
    }
    return query.order_by(*order[where.sort], Customer.id)


def _last_contacts(tenant: Tenant) -> Any:
    """Each customer's latest contact: (customer_id, at, outcome)."""
    dialled = select(CampaignAttempt.conversation_id).where(
        CampaignAttempt.tenant_id == tenant.id, CampaignAttempt.conversation_id.is_not(None))
    contacts = union_all(
        select(Conversation.customer_id.label("customer_id"),
               Conversation.started_at.label("at"), Conversation.outcome.label("outcome"))
        .where(Conversation.tenant_id == tenant.id, Conversation.customer_id.is_not(None),
               Conversation.id.not_in(dialled)),
        select(CampaignLead.customer_id, CampaignAttempt.started_at, CampaignAttempt.outcome)
        .join(CampaignLead, CampaignLead.id == CampaignAttempt.lead_id)
        .where(CampaignAttempt.tenant_id == tenant.id),
    ).subquery()
    ranked = select(
        contacts.c.customer_id, contacts.c.at, contacts.c.outcome,
        func.row_number().over(partition_by=contacts.c.customer_id,
                               order_by=contacts.c.at.desc()).label("rank"),
    ).subquery()
    return (select(ranked.c.customer_id, ranked.c.at, ranked.c.outcome)
            .where(ranked.c.rank == 1).subquery())


def _contains(text: str) -> Any:
    like = f"%{text}%"
    matches = [Customer.name.ilike(like), Customer.email.ilike(like)]
    digits = re.sub(r"\D", "", text)
    if digits:  # "(212) 555-01" finds +1212555019x
        matches.append(Customer.phone_e164.like(f"%{digits}%"))
    return or_(*matches)


def tagged(session: Session, tenant: Tenant, tag: str) -> set[uuid.UUID]:
    """Customers who carried ``tag`` (any case) as a lead. Tags are a JSON list: read in
    Python, the same on SQLite and PostgreSQL (also "call these"'s ``tag`` filter)."""
    wanted = tag.strip().lower()
    return {customer_id for customer_id, lead_tags in session.execute(
        select(CampaignLead.customer_id, CampaignLead.tags).where(
            CampaignLead.tenant_id == tenant.id))
        if any(str(t).strip().lower() == wanted for t in lead_tags or [])}


def _channels(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, int]]:
    counts: dict[uuid.UUID, dict[str, int]] = defaultdict(dict)
    if ids:
        for customer_id, channel, count in session.execute(
            select(Conversation.customer_id, Conversation.channel, func.count())
            .where(Conversation.customer_id.in_(ids))
            .group_by(Conversation.customer_id, Conversation.channel)
        ):
            if customer_id is not None:
                counts[customer_id][channel] = count
    return counts


def _tags(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    found: dict[uuid.UUID, list[str]] = defaultdict(list)
    if ids:
        for customer_id, lead_tags in session.execute(
            select(CampaignLead.customer_id, CampaignLead.tags)
            .where(CampaignLead.customer_id.in_(ids)).order_by(CampaignLead.created_at)
        ):
            for tag in lead_tags or []:
                if str(tag) not in found[customer_id]:
                    found[customer_id].append(str(tag))
    return found


def on_calendar(customer_id: Any, tenant_id: uuid.UUID, resource_id: uuid.UUID) -> Any:
    """The customer (a column or a value) has an appointment, in any state, on this staff
    member's calendar: whom a staff member sees (ADR 0044)."""
    return exists().where(Appointment.tenant_id == tenant_id,
                          Appointment.customer_id == customer_id,
                          Appointment.resource_id == resource_id)


def sees_customer(session: Session, tenant: Tenant, resource_id: uuid.UUID,
                  customer_id: uuid.UUID) -> bool:
    """Whether a staff member with this calendar has the customer among theirs (the rule
    of ``CustomerQuery.resource_id``, for one customer)."""
    return bool(session.scalar(select(on_calendar(customer_id, tenant.id, resource_id))))
