"""Erase a customer's personal data on request (a privacy request), keep the history.

What goes (ADR 0037): the customer's name, email, phone and notes; the words of every
conversation with them (turn texts become "[erased]", tool arguments and results are
dropped, the caller's number and the dialogue state cleared, an SMS thread's id, which
is the phone number, replaced); the bodies of messages sent to them, whose recipient is
cleared too (pending ones are cancelled: nobody is left to send them to); their phone on
campaign leads (pending leads stop) and meeting invitations; their phone verifications.
What stays: appointments (anonymous: they still hold the time, count in the insights and
keep ``customer_id`` pointing at the anonymous record; their free-text notes go),
campaign attempts and outcomes, and every list: ``do_not_call`` stays as it was, and the
server-wide do-not-call list keeps an entry that was there (a refusal to be called must
outlive the erasure) but never gains one.

All of it happens in one transaction; erasing an erased customer changes nothing.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from frontdesk.services.conversation_analysis_rules import scrubbed
from frontdesk.services.lookup import locked_scoped
from frontdesk.store.models import (
    Appointment,
    CampaignLead,
    Conversation,
    ConversationFeedback,
    ConversationTurn,
    Customer,
    MeetingParticipant,
    OutboundCall,
    OutboxMessage,
    OutboxStatus,
    PhoneVerification,
    Tenant,
)

ERASED = "[erased]"
_LEAD_ERASED = "erased"  # a lead's status: never called again
_OPEN_LEADS = ("pending", "calling")


def erase_customer(
    session: Session, tenant: Tenant, customer_id: uuid.UUID, *, now: datetime | None = None
) -> Customer:
    """Erase the customer's personal data (see the module); the anonymous record."""
    customer = locked_scoped(session, Customer, tenant.id, customer_id)
    if customer.erased_at is not None:
        return customer
    now = now or datetime.now(UTC)
    phone, email = customer.phone_e164, customer.email
    _erase_conversations(session, tenant, customer.id, phone)
    _erase_messages(session, tenant, customer.id, phone, email, now)
    _erase_elsewhere(session, tenant, customer.id, phone)
    session.execute(update(Appointment).where(
        Appointment.tenant_id == tenant.id, Appointment.customer_id == customer.id,
    ).values(notes=None))
    customer.name = customer.email = customer.phone_e164 = customer.notes = None
    # With no number or address left, no consent to text or call it can stand.
    customer.sms_consent = customer.call_consent = False
    customer.erased_at = customer.updated_at = now
    session.flush()
    return customer


def blank_words(session: Session, conversation_ids: list[uuid.UUID], marker: str, *,
                tool_text: bool) -> None:
    """What was said in these conversations becomes ``marker`` (readers expect text in a
    caller's or agent's turn) and tool calls lose their arguments and results; with
    ``tool_text``, a tool turn's text goes too. Shared by erasure and retention."""
    session.execute(update(ConversationTurn).where(
        ConversationTurn.conversation_id.in_(conversation_ids),
        ConversationTurn.text.is_not(None), ConversationTurn.role.in_(("user", "assistant")),
    ).values(text=marker))
    cleared: dict[str, None] = {"tool_args": None, "tool_result": None}
    if tool_text:
        cleared["text"] = None
    session.execute(update(ConversationTurn).where(
        ConversationTurn.conversation_id.in_(conversation_ids), ConversationTurn.role == "tool",
    ).values(**cleared))
    # The post-call analysis repeats what was said (a summary, the caller's words for a
    # time) and staff's feedback may name the caller: they go with the words.
    for conversation_id, analysis in session.execute(select(
            Conversation.id, Conversation.analysis).where(
            Conversation.id.in_(conversation_ids), Conversation.analysis.is_not(None))):
        session.execute(update(Conversation).where(Conversation.id == conversation_id).values(
            analysis=scrubbed(analysis, marker), updated_at=Conversation.updated_at))
    session.execute(update(ConversationFeedback).where(
        ConversationFeedback.conversation_id.in_(conversation_ids),
        ConversationFeedback.reason.is_not(None)).values(reason=marker))


def _erase_conversations(session: Session, tenant: Tenant, customer_id: uuid.UUID,
                         phone: str | None) -> None:
    theirs = [Conversation.customer_id == customer_id]
    if phone:  # an SMS or call that never got linked to the record is theirs too
        theirs.append(Conversation.caller_phone == phone)
    ids = list(session.scalars(select(Conversation.id).where(
        Conversation.tenant_id == tenant.id, or_(*theirs))))
    if not ids:
        return
    blank_words(session, ids, ERASED, tool_text=False)
    for conversation in session.scalars(select(Conversation).where(Conversation.id.in_(ids))):
        conversation.caller_phone = None
        conversation.state = {}
        conversation.recent = None  # rebuilt from the erased turns when next read
        if phone and phone in conversation.external_id:  # "phone|business number" (SMS)
            conversation.external_id = f"erased:{conversation.id}"


def _erase_messages(session: Session, tenant: Tenant, customer_id: uuid.UUID,
                    phone: str | None, email: str | None, now: datetime) -> None:
    to_them = [OutboxMessage.customer_id == customer_id]
    to_them += [OutboxMessage.recipient == r for r in (phone, email) if r]
    where = (OutboxMessage.tenant_id == tenant.id, or_(*to_them))
    session.execute(update(OutboxMessage).where(
        *where, OutboxMessage.status == OutboxStatus.PENDING.value,
    ).values(status=OutboxStatus.CANCELLED.value, last_error="customer erased"))
    session.execute(update(OutboxMessage).where(*where).values(
        payload={"erased": True}, recipient=ERASED))


def _erase_elsewhere(session: Session, tenant: Tenant, customer_id: uuid.UUID,
                     phone: str | None) -> None:
    for lead in session.scalars(select(CampaignLead).where(
            CampaignLead.tenant_id == tenant.id, CampaignLead.customer_id == customer_id)):
        lead.phone_e164 = f"erased-{lead.id.hex[:12]}"  # unique per campaign, as phones are
        if lead.status in _OPEN_LEADS:
            lead.status, lead.next_attempt_at = _LEAD_ERASED, None
    session.execute(update(MeetingParticipant).where(
        MeetingParticipant.tenant_id == tenant.id, MeetingParticipant.customer_id == customer_id,
    ).values(name=ERASED, phone_e164=None, email=None))
    if phone:
        session.execute(delete(PhoneVerification).where(
            PhoneVerification.tenant_id == tenant.id, PhoneVerification.phone_e164 == phone))
        session.execute(update(OutboundCall).where(
            OutboundCall.tenant_id == tenant.id, OutboundCall.to_e164 == phone,
        ).values(to_e164=ERASED))
