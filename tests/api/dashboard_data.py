"""Rows the dashboard's API reads, written straight to the store: conversations with
turns, campaign calls, messages — the history a real business accumulates."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from frontdesk.services.customers import CustomerFields, create_customer
from frontdesk.store.db import write_session
from frontdesk.store.models import (
    Campaign,
    CampaignAttempt,
    CampaignLead,
    Conversation,
    ConversationTurn,
    MeetingRequest,
    OutboxMessage,
    Tenant,
)
from tests.conftest import Business

NOW = datetime.now(UTC).replace(microsecond=0)


def customer(factory: sessionmaker[Session], biz: Business, phone: str, name: str | None,
             **fields: Any) -> uuid.UUID:
    with write_session(factory) as session:
        tenant = session.get_one(Tenant, biz.tenant.id)
        return create_customer(session, tenant, CustomerFields(phone=phone, name=name,
                                                               **fields)).id


def conversation(factory: sessionmaker[Session], biz: Business, *, customer_id: uuid.UUID | None,
                 channel: str = "phone", started: datetime, minutes: int | None = 3,
                 outcome: str | None = "booked", language: str = "en",
                 said: tuple[str, ...] = ("Hi", "Hello, how can I help?"),
                 caller_phone: str | None = None) -> uuid.UUID:
    with write_session(factory) as session:
        row = Conversation(
            tenant_id=biz.tenant.id, channel=channel, external_id=str(uuid.uuid4()),
            language=language, caller_phone=caller_phone, customer_id=customer_id,
            outcome=outcome, state={"name": "secret"}, turn_count=len(said) // 2 or 1,
            started_at=started,
            ended_at=started + timedelta(minutes=minutes) if minutes is not None else None)
        session.add(row)
        session.flush()
        for seq, text in enumerate(said, start=1):
            session.add(ConversationTurn(
                conversation_id=row.id, seq=seq, role="user" if seq % 2 else "assistant",
                text=text, language=language, created_at=started + timedelta(seconds=seq)))
        session.add(ConversationTurn(conversation_id=row.id, seq=len(said) + 1, role="tool",
                                     tool_name="book", tool_args={"phone": caller_phone},
                                     created_at=started + timedelta(seconds=30)))
        return row.id


def campaign_call(factory: sessionmaker[Session], biz: Business, customer_id: uuid.UUID,
                  phone: str, *, started: datetime, outcome: str,
                  tags: list[str] | None = None, status: str = "pending") -> uuid.UUID:
    with write_session(factory) as session:
        request = MeetingRequest(tenant_id=biz.tenant.id, title="Check-up", duration_minutes=30,
                                 timezone=biz.tenant.timezone, hard_constraints={},
                                 soft_constraints={})
        session.add(request)
        session.flush()
        campaign = Campaign(tenant_id=biz.tenant.id, meeting_request_id=request.id,
                            name="Spring check-ups")
        session.add(campaign)
        session.flush()
        lead = CampaignLead(tenant_id=biz.tenant.id, campaign_id=campaign.id,
                            customer_id=customer_id, phone_e164=phone,
                            timezone=biz.tenant.timezone, tags=tags or [], status=status,
                            attempts=1, last_outcome=outcome)
        session.add(lead)
        session.flush()
        session.add(CampaignAttempt(tenant_id=biz.tenant.id, campaign_id=campaign.id,
                                    lead_id=lead.id, number=1, started_at=started,
                                    ended_at=started + timedelta(minutes=1), outcome=outcome))
        return campaign.id


def message(factory: sessionmaker[Session], biz: Business, customer_id: uuid.UUID,
            recipient: str, *, created: datetime, body: str = "See you Tuesday",
            status: str = "sent") -> uuid.UUID:
    with write_session(factory) as session:
        row = OutboxMessage(tenant_id=biz.tenant.id, channel="sms", purpose="reminder",
                            recipient=recipient, payload={"body": body},
                            customer_id=customer_id, dedupe_key=str(uuid.uuid4()),
                            status=status, created_at=created,
                            sent_at=created if status == "sent" else None)
        session.add(row)
        session.flush()
        return row.id
