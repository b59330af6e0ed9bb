"""When may a lead be called next: the dialer's decision, as pure functions.

``next_contact_time`` answers the earliest instant ``>= now`` at which a call is allowed,
or a permanent ``Refusal``. ``check_contact_at``/``may_contact_at`` judge one instant, for
the last check right before dialing (a worker that picked a lead a while ago re-checks).
Both apply the same rules, read in this order (the first that applies is the answer):

1. opted out (the lead said stop)                     -> refused, opted_out
2. the number is on the do-not-call list              -> refused, do_not_call
3. consent required and never recorded                -> refused, no_consent
4. the latest attempt booked, declined, wrong number  -> refused, concluded
5. ``max_attempts`` calls already placed              -> refused, max_attempts
6. not before: ``now``; the consent's recording time; after a callback request, the time
   asked for; otherwise the latest attempt + the backoff for the attempt count
7. then the first instant the lead's wall clock reads inside the window of its local
   date, a date that is not a public holiday of the lead's country.

Callback requests replace the backoff (the person chose the time) but never the window
or a holiday: "call me at 7 am" is honoured at the window's opening.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import partial

from frontdesk.outreach.holidays import is_public_holiday
from frontdesk.outreach.types import (
    CONCLUDING,
    ContactPolicy,
    DayWindow,
    DoNotCall,
    Lead,
    Outcome,
    Refusal,
    RefusalReason,
    on_dnc,
)
from frontdesk.outreach.wallclock import first_instant_in_window, wall_clock_in_window

__all__ = ["check_contact_at", "may_contact_at", "next_contact_time", "not_before"]

# Far enough to cross any run of closed days (a week of closed weekdays plus holidays);
# no answer within it means the policy allows no day at all.
SEARCH_HORIZON = timedelta(days=60)


def next_contact_time(
    lead: Lead, policy: ContactPolicy, now: datetime, *, dnc: DoNotCall
) -> datetime | Refusal:
    """The earliest instant ``>= now`` (UTC-aware) at which ``lead`` may be called."""
    _require_aware(now)
    refusal = _permanent_refusal(lead, policy, dnc)
    if refusal is not None:
        return refusal
    bound = not_before(lead, policy)
    earliest = now if bound is None else max(now, bound)
    found = first_instant_in_window(
        earliest, lead.timezone, partial(_window_on, lead, policy), SEARCH_HORIZON
    )
    if found is None:
        return Refusal(RefusalReason.NO_WINDOW, "the policy allows no day to call on")
    return found


def check_contact_at(
    lead: Lead, policy: ContactPolicy, instant: datetime, dnc: DoNotCall
) -> Refusal | None:
    """None when ``lead`` may be called at ``instant``, else why not."""
    _require_aware(instant)
    refusal = _permanent_refusal(lead, policy, dnc)
    if refusal is not None:
        return refusal
    bound = not_before(lead, policy)
    if bound is not None and instant < bound:
        return Refusal(RefusalReason.NOT_YET, f"not before {bound.isoformat()}")
    local_day = instant.astimezone(lead.timezone).date()
    if policy.skip_public_holidays and is_public_holiday(lead.country, local_day):
        return Refusal(RefusalReason.HOLIDAY, f"{local_day} is a public holiday")
    if not wall_clock_in_window(instant, lead.timezone, partial(_window_on, lead, policy)):
        return Refusal(RefusalReason.OUTSIDE_WINDOW, "outside the lead's local window")
    return None


def may_contact_at(lead: Lead, policy: ContactPolicy, instant: datetime, dnc: DoNotCall) -> bool:
    """Whether ``lead`` may be called at ``instant`` (the check right before dialing)."""
    return check_contact_at(lead, policy, instant, dnc) is None


def not_before(lead: Lead, policy: ContactPolicy) -> datetime | None:
    """The lower bound from consent, callback and backoff, ignoring windows and holidays
    (None: no bound). Only meaningful for a lead with no permanent refusal.
    """
    bounds: list[datetime] = []
    if policy.ai_voice_requires_consent and lead.consent_at is not None:
        # Consent is "prior": it must be on record before the call starts.
        bounds.append(lead.consent_at)
    last = lead.last_attempt
    if last is not None:
        if last.outcome is Outcome.CALLBACK_REQUESTED and lead.callback_at is not None:
            bounds.append(max(lead.callback_at, last.at))
        else:
            bounds.append(last.at + policy.backoff_after(len(lead.attempts)))
    return max(bounds, default=None)


def _permanent_refusal(lead: Lead, policy: ContactPolicy, dnc: DoNotCall) -> Refusal | None:
    last = lead.last_attempt
    if lead.opted_out or (last is not None and last.outcome is Outcome.OPTED_OUT):
        return Refusal(RefusalReason.OPTED_OUT)
    if on_dnc(dnc, lead.phone):
        return Refusal(RefusalReason.DO_NOT_CALL)
    if policy.ai_voice_requires_consent and lead.consent_at is None:
        return Refusal(RefusalReason.NO_CONSENT, "AI-voice calls need prior express consent")
    if last is not None and last.outcome in CONCLUDING:
        return Refusal(RefusalReason.CONCLUDED, f"the last call ended {last.outcome}")
    if len(lead.attempts) >= policy.max_attempts:
        return Refusal(RefusalReason.MAX_ATTEMPTS, f"{len(lead.attempts)} attempts made")
    return None


def _window_on(lead: Lead, policy: ContactPolicy, day: date) -> DayWindow | None:
    if policy.skip_public_holidays and is_public_holiday(lead.country, day):
        return None
    return policy.window_on(day.weekday())


def _require_aware(instant: datetime) -> None:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("instants must be timezone-aware")
