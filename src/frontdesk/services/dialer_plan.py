"""When each lead of a campaign may be called, stored so the dialer only asks "who is due".

The decision is the pure core's (``frontdesk.outreach``): the lead's local calling
window, public holidays of the number's country, the server's and the business's
do-not-call lists, recorded consent, attempts and backoff. Here it is fed from the
database and its answer kept on the lead: ``next_attempt_at`` when a call is allowed, or
the refusal as the lead's status (``do_not_call``, ``no_consent``, ...) when none ever
is. Choosing the next leads is then one indexed query, and each chosen lead is checked
once more at the instant it is claimed (the lists may have changed since).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import Session

from frontdesk.outreach import (
    Attempt,
    ContactPolicy,
    Lead,
    Refusal,
    RefusalReason,
    check_contact_at,
    next_contact_time,
)
from frontdesk.services.do_not_call import blocked_numbers
from frontdesk.store.models import Campaign, CampaignLead, Customer

PENDING = "pending"
CALLING = "calling"  # claimed by a dialer; its outcome moves it on


@dataclass(frozen=True, slots=True)
class Planned:
    scheduled: int
    refused: dict[str, int]


def policy_for(campaign: Campaign) -> ContactPolicy:
    """The campaign's rules in the core's terms (the default window: 08:00-21:00)."""
    return ContactPolicy(max_attempts=campaign.max_attempts,
                         ai_voice_requires_consent=campaign.require_consent)


def lead_facts(lead: CampaignLead, opted_out: bool, attempts: tuple[Attempt, ...] = (),
               callback_at: datetime | None = None) -> Lead:
    """The core's view of a lead (``attempts``: its calls so far, for the backoff and the
    attempt limit; the claim, which has ``next_attempt_at`` for those, passes none)."""
    region = phonenumbers.region_code_for_number(phonenumbers.parse(lead.phone_e164))
    consent = (datetime.combine(lead.consent_at, time(0), tzinfo=UTC)
               if lead.consent_at is not None else None)
    return Lead(phone=lead.phone_e164, timezone=ZoneInfo(lead.timezone),
                country=region if region and region != "ZZ" else None,
                consent_at=consent, attempts=attempts, callback_at=callback_at,
                opted_out=opted_out)


def plan_pending(session: Session, campaign: Campaign, now: datetime) -> Planned:
    """Give every pending lead not yet tried its first allowed instant, or its refusal."""
    rows = session.execute(
        select(CampaignLead, Customer.do_not_call)
        .join(Customer, Customer.id == CampaignLead.customer_id)
        .where(CampaignLead.campaign_id == campaign.id, CampaignLead.status == PENDING,
               CampaignLead.attempts == 0)
    ).all()
    server_list = blocked_numbers(session, (lead.phone_e164 for lead, _ in rows))
    policy = policy_for(campaign)
    refused: dict[str, int] = {}
    scheduled = 0
    for lead, opted_out in rows:
        answer = next_contact_time(lead_facts(lead, bool(opted_out)), policy, now,
                                   dnc=server_list)
        if isinstance(answer, Refusal):
            lead.status = answer.reason.value
            lead.next_attempt_at = None
            refused[lead.status] = refused.get(lead.status, 0) + 1
        else:
            lead.next_attempt_at = answer
            scheduled += 1
    session.flush()
    return Planned(scheduled, refused)


def claim_due(
    session: Session, campaign: Campaign, now: datetime, limit: int
) -> list[CampaignLead]:
    """Up to ``limit`` leads due by ``now``, soonest first, claimed for a call: locked while
    this transaction runs (other dialers skip them) and marked ``calling`` with the attempt
    counted when it commits. Each is checked once more at ``now``: one no longer allowed
    gets its refusal (or a later time) instead of a call."""
    leads = list(session.scalars(
        select(CampaignLead)
        .where(CampaignLead.campaign_id == campaign.id, CampaignLead.status == PENDING,
               CampaignLead.next_attempt_at <= now)
        .order_by(CampaignLead.next_attempt_at, CampaignLead.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ))
    if not leads:
        return []
    opted = {customer_id: flag for customer_id, flag in session.execute(
        select(Customer.id, Customer.do_not_call).where(
            Customer.id.in_([lead.customer_id for lead in leads])))}
    server_list = blocked_numbers(session, (lead.phone_e164 for lead in leads))
    policy = policy_for(campaign)
    ready: list[CampaignLead] = []
    for lead in leads:
        if lead.attempts >= campaign.max_attempts:  # the limit, whatever the schedule says
            lead.status, lead.next_attempt_at = RefusalReason.MAX_ATTEMPTS.value, None
            continue
        facts = lead_facts(lead, bool(opted.get(lead.customer_id)))
        if check_contact_at(facts, policy, now, server_list) is None:
            # Claimed in this transaction: the attempt counts from now, so no other
            # dialer (here or in another process) can take the lead once it commits.
            lead.status, lead.next_attempt_at = CALLING, None
            lead.attempts += 1
            ready.append(lead)
            continue
        answer = next_contact_time(facts, policy, now, dnc=server_list)
        if isinstance(answer, Refusal):
            lead.status, lead.next_attempt_at = answer.reason.value, None
        else:
            lead.next_attempt_at = answer
    session.flush()
    return ready
