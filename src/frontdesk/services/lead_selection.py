"""Leads from the business's own customers ("call these"): a filter instead of a file.

Who qualifies: customers with a phone number, not opted out (``do_not_call``), with call
consent on record unless the caller says otherwise, and — when ``not_contacted_days`` is
given — with no conversation on any channel in that many days; when ``last_outcome`` is
given, whose latest campaign call ended so (the latest lead of theirs that has an
outcome); when ``tag`` is, who carried that tag as a lead of an earlier campaign (the
new lead carries it too). Customers already in the campaign are left as they are. A
customer's record does not say when consent was given, so the lead's ``consent_at`` is
the day the record last changed: the consent was on record by then.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from frontdesk.services.customer_overview import tagged
from frontdesk.services.lead_import import ImportReport, zone_of
from frontdesk.store.models import Campaign, CampaignLead, Conversation, Customer, Tenant


@dataclass(frozen=True, slots=True)
class CustomerFilter:
    not_contacted_days: int | None = None
    call_consent_only: bool = True
    last_outcome: str | None = None
    tag: str | None = None
    limit: int = 1000
    # Exactly these customers (the dashboard's "contact these": the people on screen),
    # still held to the rules above.
    customer_ids: tuple[uuid.UUID, ...] | None = None


def add_customers(session: Session, tenant: Tenant, campaign: Campaign,
                  chosen: CustomerFilter, now: datetime) -> ImportReport:
    query = select(Customer).where(
        Customer.tenant_id == tenant.id,
        Customer.phone_e164.is_not(None),
        Customer.do_not_call.is_(False),
        ~exists().where(CampaignLead.campaign_id == campaign.id,
                        CampaignLead.customer_id == Customer.id),
    )
    if chosen.call_consent_only:
        query = query.where(Customer.call_consent.is_(True))
    if chosen.not_contacted_days is not None:
        since = now - timedelta(days=chosen.not_contacted_days)
        query = query.where(~exists().where(Conversation.customer_id == Customer.id,
                                            Conversation.started_at >= since))
    if chosen.last_outcome is not None:
        latest = (select(CampaignLead.last_outcome)
                  .where(CampaignLead.customer_id == Customer.id,
                         CampaignLead.last_outcome.is_not(None))
                  .order_by(CampaignLead.updated_at.desc(), CampaignLead.id.desc())
                  .limit(1).correlate(Customer).scalar_subquery())
        query = query.where(latest == chosen.last_outcome)
    if chosen.customer_ids is not None:
        query = query.where(Customer.id.in_(list(chosen.customer_ids)))
    tags: list[str] = []
    if chosen.tag is not None:
        query = query.where(Customer.id.in_(tagged(session, tenant, chosen.tag)))
        tags = [chosen.tag.strip()]
    query = query.order_by(Customer.created_at, Customer.id).limit(chosen.limit)
    report = ImportReport()
    for customer in session.scalars(query):
        phone = customer.phone_e164
        assert phone is not None  # filtered above
        zone = customer.timezone or zone_of(phone, tenant, 0, report)
        session.add(CampaignLead(
            tenant_id=tenant.id, campaign_id=campaign.id, customer_id=customer.id,
            phone_e164=phone, timezone=zone, language=customer.language,
            consent_at=customer.updated_at.date() if customer.call_consent else None,
            tags=list(tags), status="pending", attempts=0,
            sms_opt_in=customer.sms_consent))
        report.imported += 1
        report.linked_customers += 1
    session.flush()
    return report
