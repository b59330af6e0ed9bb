"""How a campaign call ended, kept on the attempt, the lead and the customer.

Outcomes arrive from several places: the conversation (the person booked, declined,
asked to be called back, said "wrong number" or "stop calling me"), the voice door
(a machine answered: voicemail), the carrier's status callback (no answer, busy,
failed, or a completed call nobody decided anything on), the call sender (the provider
refused the call), and the dialer's sweep (no result ever came). The first outcome an
attempt gets is the one kept: a later, vaguer one (the "completed" status after a
booking) changes nothing.

Every outcome moves the lead on: a concluding one (booked, declined, wrong number,
opted out) ends it; otherwise the pure core (``frontdesk.outreach``) answers when it may
be called next, from its whole attempt history, or why never (max attempts...).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.outreach import Attempt, Outcome, Refusal, next_contact_time
from frontdesk.services import dialer_plan, do_not_call, events, follow_ups
from frontdesk.services.conversations import tell_opted_out
from frontdesk.store.db import write_session
from frontdesk.store.models import (
    Campaign,
    CampaignAttempt,
    CampaignLead,
    Conversation,
    Customer,
)

# Carrier call statuses (Twilio's CallStatus; Telnyx's hangup causes map onto them).
_STATUS_OUTCOMES = {
    "no-answer": Outcome.NO_ANSWER,
    "busy": Outcome.BUSY,
    "failed": Outcome.FAILED,
    "canceled": Outcome.NO_ANSWER,
}
# What the conversation records (``Conversation.outcome``) that is also a campaign outcome.
# "callback": the conversation's outcome column holds 16 characters.
_CONVERSATION_OUTCOMES = {o.value: o for o in Outcome} | {"rescheduled": Outcome.BOOKED,
                                                          "callback": Outcome.CALLBACK_REQUESTED}
# Outcomes that end the lead whatever its attempts (the lead's status names them).
FINAL = frozenset({Outcome.BOOKED, Outcome.DECLINED, Outcome.WRONG_NUMBER,
                    Outcome.OPTED_OUT})
# Reached nobody: the lead may get the SMS follow-up.
_UNREACHED = frozenset({Outcome.VOICEMAIL, Outcome.NO_ANSWER, Outcome.BUSY})


def attempt_placed(session: Session, attempt_id: uuid.UUID, call_id: str,
                   conversation_id: uuid.UUID) -> None:
    attempt = session.get(CampaignAttempt, attempt_id)
    if attempt is not None and attempt.call_id is None:
        attempt.call_id, attempt.conversation_id = call_id, conversation_id
        attempt.placed_at = datetime.now(UTC)


def attempt_for_conversation(session: Session, conversation_id: uuid.UUID
                             ) -> CampaignAttempt | None:
    return session.scalars(select(CampaignAttempt).where(
        CampaignAttempt.conversation_id == conversation_id)).first()


def conversation_outcome(factory: sessionmaker[Session], conversation_id: uuid.UUID,
                         outcome: Outcome, *, callback_at: datetime | None = None,
                         detail: str | None = None) -> bool:
    """The person on a campaign call decided something: record it on the attempt and move
    the lead. False when the conversation is not a campaign call (nothing to do)."""
    with write_session(factory) as session:
        attempt = attempt_for_conversation(session, conversation_id)
        if attempt is None:
            return False
        return record(session, attempt, outcome, callback_at=callback_at, detail=detail)


def call_ended(factory: sessionmaker[Session], conversation_id: uuid.UUID,
               status: str) -> bool:
    """The carrier says the call is over (its final status). An attempt with no outcome
    yet takes the conversation's, or the status's: a completed call nobody decided
    anything on counts as not reached (retried after the backoff)."""
    with write_session(factory) as session:
        attempt = attempt_for_conversation(session, conversation_id)
        if attempt is None or attempt.outcome is not None:
            return False
        said = session.scalar(select(Conversation.outcome).where(
            Conversation.id == conversation_id))
        outcome = _CONVERSATION_OUTCOMES.get(said or "")
        if outcome is None:
            outcome = _STATUS_OUTCOMES.get(status, Outcome.NO_ANSWER)
        return record(session, attempt, outcome, detail=f"call {status}")


def dial_failed(factory: sessionmaker[Session], outbox_id: uuid.UUID, reason: str) -> bool:
    """The provider refused the call for good: the attempt failed."""
    with write_session(factory) as session:
        attempt = session.scalars(select(CampaignAttempt).where(
            CampaignAttempt.outbox_id == outbox_id)).first()
        if attempt is None:
            return False
        return record(session, attempt, Outcome.FAILED, detail=reason[:200])


def record(session: Session, attempt: CampaignAttempt, outcome: Outcome | None, *,
           callback_at: datetime | None = None, detail: str | None = None,
           now: datetime | None = None) -> bool:
    """Keep ``outcome`` on the attempt (the first one only) and move its lead on. None:
    no result will ever come (the sweep): the attempt counts, the backoff applies."""
    if attempt.outcome is not None:
        return False
    at = now or datetime.now(UTC)
    attempt.outcome = outcome.value if outcome is not None else None
    attempt.callback_at = callback_at
    attempt.ended_at = attempt.ended_at or at
    attempt.detail = detail[:200] if detail else attempt.detail
    lead = session.get_one(CampaignLead, attempt.lead_id)
    if lead.status != dialer_plan.CALLING:
        # Moved on already (a late result of an attempt the sweep gave up on): keep the
        # outcome on the attempt, and let a concluding one still end the lead.
        if outcome not in FINAL:
            session.flush()
            return True
    campaign = session.get_one(Campaign, lead.campaign_id)
    customer = session.get_one(Customer, lead.customer_id)
    if outcome is Outcome.OPTED_OUT:
        _opt_out(session, customer, at)
    lead.last_outcome = outcome.value if outcome is not None else "no_result"
    if outcome in FINAL:
        lead.status, lead.next_attempt_at = outcome.value, None
    else:
        _schedule_next(session, campaign, lead, customer, at)
    if outcome in _UNREACHED:
        follow_ups.text_after_missed_call(session, campaign, lead, customer)
    session.flush()
    tell_progress(session, campaign, lead, attempt)
    return True


def lead_replied(session: Session, lead_id: uuid.UUID, outcome: Outcome, *,
                 callback_at: datetime | None = None, now: datetime | None = None) -> bool:
    """The lead answered the SMS follow-up (no call, so no attempt to keep it on): move
    the lead as a call's outcome would. A callback is the next attempt's earliest time
    (still inside the lead's window and the campaign's limits). False when the lead had
    concluded already."""
    at = now or datetime.now(UTC)
    lead = session.get(CampaignLead, lead_id, with_for_update=True)
    if lead is None or lead.status in {o.value for o in FINAL}:
        return False
    campaign = session.get_one(Campaign, lead.campaign_id)
    customer = session.get_one(Customer, lead.customer_id)
    if outcome is Outcome.OPTED_OUT:
        _opt_out(session, customer, at)
    lead.last_outcome = outcome.value
    if outcome in FINAL:
        lead.status, lead.next_attempt_at = outcome.value, None
    elif lead.status != dialer_plan.CALLING:  # a call in flight settles the lead itself
        _schedule_next(session, campaign, lead, customer, max(at, callback_at or at))
    session.flush()
    return True


def _opt_out(session: Session, customer: Customer, at: datetime) -> None:
    already = bool(customer.do_not_call)
    customer.do_not_call, customer.call_consent = True, False
    customer.updated_at = at
    if not already:
        tell_opted_out(session, customer, "campaign")


def tell_progress(session: Session, campaign: Campaign, lead: CampaignLead,
                  attempt: CampaignAttempt) -> None:
    """Emit "campaign.progress": how this attempt ended, and the campaign's leads by
    status (counted only when some endpoint wants the event)."""
    def data() -> dict[str, object]:
        counts = dict(session.execute(
            select(CampaignLead.status, func.count()).where(
                CampaignLead.campaign_id == campaign.id).group_by(CampaignLead.status)).all())
        return {
            "campaign": {"id": str(campaign.id), "name": campaign.name,
                         "status": campaign.status, "leads_by_status": counts},
            "lead": {"id": str(lead.id), "customer_id": str(lead.customer_id),
                     "phone": lead.phone_e164, "status": lead.status,
                     "last_outcome": lead.last_outcome},
            "attempt": {"id": str(attempt.id), "number": attempt.number,
                        "outcome": attempt.outcome, "detail": attempt.detail},
        }

    events.emit(session, campaign.tenant_id, "campaign.progress", data,
                key=f"{attempt.id}:{attempt.outcome}", customer_id=lead.customer_id)


def _schedule_next(session: Session, campaign: Campaign, lead: CampaignLead,
                   customer: Customer, now: datetime) -> None:
    history = session.scalars(select(CampaignAttempt).where(
        CampaignAttempt.lead_id == lead.id).order_by(CampaignAttempt.number)).all()
    attempts = tuple(Attempt(a.started_at, Outcome(a.outcome) if a.outcome else None)
                     for a in history)
    last = history[-1] if history else None
    facts = dialer_plan.lead_facts(lead, bool(customer.do_not_call), attempts,
                                   last.callback_at if last is not None else None)
    server_list = do_not_call.blocked_numbers(session, [lead.phone_e164])
    answer = next_contact_time(facts, dialer_plan.policy_for(campaign), now, dnc=server_list)
    if isinstance(answer, Refusal):
        lead.status, lead.next_attempt_at = answer.reason.value, None
    else:
        lead.status, lead.next_attempt_at = dialer_plan.PENDING, answer


def lead_history(session: Session, lead_id: uuid.UUID) -> list[CampaignAttempt]:
    return list(session.scalars(select(CampaignAttempt).where(
        CampaignAttempt.lead_id == lead_id).order_by(CampaignAttempt.number)))
