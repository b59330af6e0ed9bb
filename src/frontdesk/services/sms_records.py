"""The SMS channel's own writes: keyword turns with their consent effect, queued replies.

A carrier keyword (STOP, START, HELP) or a reminder reply (C, X) is answered without the
agent; its turn is still recorded, keyed by the provider's message id, in the same
transaction as what it changes (an opt-out, an opt-in, a confirmation's
``confirmed_at``), so a retried delivery finds it and changes nothing. Providers that do
not take the reply in the webhook's answer (Telnyx) get it through the outbox.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.services import conversations as records
from frontdesk.services.appointment_outcomes import confirm_in
from frontdesk.services.customers import find_by_phone
from frontdesk.services.lookup import get_scoped
from frontdesk.services.notices.outbox import enqueue
from frontdesk.store.db import write_session
from frontdesk.store.models import Appointment, ConversationTurn, OutboxMessage, Tenant

log = logging.getLogger(__name__)

CHANNEL = "sms"
REPLY_PURPOSE = "reply"
# Texts that are the conversation's own words (its replies, the codes it sends): they
# never make the agent's question stale.
_OWN_PURPOSES = (REPLY_PURPOSE, "verification_code")


class Consent(StrEnum):
    OPT_OUT = "opt_out"  # no more texts or calls to this number
    OPT_IN = "opt_in"  # texts again


def record_keyword_turn(
    factory: sessionmaker[Session],
    tenant: Tenant,
    conversation_id: uuid.UUID,
    rows: list[dict[str, Any]],
    *,
    consent: Consent | None = None,
    phone: str | None = None,
    confirm: uuid.UUID | None = None,
    now: datetime | None = None,
) -> bool:
    """Append the turn's rows (its user row carries the request key), apply ``consent``
    to ``phone`` and mark the appointment ``confirm`` confirmed, in one transaction.
    False when a concurrent delivery of the same message recorded it first (the key is
    unique per conversation)."""
    try:
        with write_session(factory) as session:
            row = records.get_conversation(session, tenant, conversation_id)
            records.append_turns(session, row, rows)
            row.turn_count += sum(1 for r in rows if r.get("role") == "user")
            if consent is Consent.OPT_OUT:
                records.opt_out(session, tenant, phone)
            elif consent is Consent.OPT_IN and phone:
                _opt_in(session, tenant, phone)
            if confirm is not None:
                confirm_in(session, get_scoped(session, Appointment, tenant.id, confirm),
                           now or datetime.now(UTC))
        return True
    except IntegrityError:
        log.info("sms turn in %s: a concurrent delivery recorded it first", conversation_id)
        return False


def _opt_in(session: Session, tenant: Tenant, phone: str) -> None:
    customer = find_by_phone(session, tenant, phone)
    if customer is not None:
        customer.do_not_call, customer.sms_consent = False, True
        customer.updated_at = datetime.now(UTC)


def queue_reply(factory: sessionmaker[Session], tenant_id: uuid.UUID, *, to: str,
                from_number: str, text: str, message_id: str,
                customer_id: uuid.UUID | None = None) -> None:
    """Queue ``text`` to ``to`` from the business's ``from_number``, once per inbound
    ``message_id`` (a retried webhook queues nothing more)."""
    with write_session(factory) as session:
        enqueue(
            session,
            tenant_id=tenant_id,
            channel=CHANNEL,
            purpose=REPLY_PURPOSE,
            recipient=to,
            payload={"body": text, "from": from_number},
            dedupe_key=f"sms-reply:{message_id}",
            customer_id=customer_id,
        )


def texted_since_last_reply(factory: sessionmaker[Session], tenant: Tenant,
                            conversation_id: uuid.UUID, phone: str) -> bool:
    """Whether the business texted ``phone`` something else (a reminder, a confirmation,
    a campaign's follow-up) after the conversation's last reply: the customer's next
    text then answers that, not the question the agent asked before it."""
    with factory() as session:
        replied = session.scalar(select(func.max(ConversationTurn.created_at)).where(
            ConversationTurn.conversation_id == conversation_id,
            ConversationTurn.role == "assistant"))
        if replied is None:
            return False
        later = session.scalar(select(OutboxMessage.id).where(
            OutboxMessage.tenant_id == tenant.id,
            OutboxMessage.channel == CHANNEL,
            OutboxMessage.recipient == phone,
            OutboxMessage.purpose.not_in(_OWN_PURPOSES),
            OutboxMessage.sent_at.is_not(None),
            OutboxMessage.sent_at > replied,
        ).limit(1))
        return later is not None
