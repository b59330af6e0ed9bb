"""Properties of next_contact_time over random leads, zones, DST-change days and holidays.

The oracle ``allowed_by_hand`` restates the rules directly on one instant (the lead's wall
clock via ``astimezone``), independently of the search; a minute-grid scan then proves
the answer is the earliest allowed instant.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from hypothesis import event, given, settings
from hypothesis import strategies as st

from frontdesk.outreach import (
    ContactPolicy,
    Lead,
    Outcome,
    Refusal,
    RefusalReason,
    is_public_holiday,
    may_contact_at,
    next_contact_time,
)
from tests.outreach.strategies import MINUTE, dnc_lists, instants, leads, policies

RETRYABLE = {None, Outcome.NO_ANSWER, Outcome.BUSY, Outcome.VOICEMAIL, Outcome.FAILED,
             Outcome.CALLBACK_REQUESTED}
SCAN_LIMIT = timedelta(days=6)


def expected_refusal(
    lead: Lead, policy: ContactPolicy, dnc: frozenset[str]
) -> RefusalReason | None:
    last = max(lead.attempts, key=lambda a: a.at) if lead.attempts else None
    if lead.opted_out or (last is not None and last.outcome is Outcome.OPTED_OUT):
        return RefusalReason.OPTED_OUT
    if lead.phone in dnc:
        return RefusalReason.DO_NOT_CALL
    if policy.ai_voice_requires_consent and lead.consent_at is None:
        return RefusalReason.NO_CONSENT
    if last is not None and last.outcome not in RETRYABLE:
        return RefusalReason.CONCLUDED
    if len(lead.attempts) >= policy.max_attempts:
        return RefusalReason.MAX_ATTEMPTS
    if all(policy.by_weekday.get(weekday, policy.window) is None for weekday in range(7)):
        return RefusalReason.NO_WINDOW
    return None


def allowed_by_hand(
    lead: Lead, policy: ContactPolicy, instant: datetime, dnc: frozenset[str]
) -> bool:
    if expected_refusal(lead, policy, dnc) is not None:
        return False
    if policy.ai_voice_requires_consent and lead.consent_at is not None:
        if instant < lead.consent_at:
            return False
    if lead.attempts:
        last = max(lead.attempts, key=lambda a: a.at)
        if last.outcome is Outcome.CALLBACK_REQUESTED and lead.callback_at is not None:
            if instant < max(lead.callback_at, last.at):
                return False
        else:
            waits = policy.retry_backoff
            wait = waits[min(len(lead.attempts), len(waits)) - 1]
            if instant < last.at + wait:
                return False
    local = instant.astimezone(lead.timezone)
    if policy.skip_public_holidays and is_public_holiday(lead.country, local.date()):
        return False
    window = policy.by_weekday.get(local.weekday(), policy.window)
    return window is not None and window.start <= local.time() < window.end


@st.composite
def cases(draw: st.DrawFn) -> tuple[Lead, ContactPolicy, datetime, frozenset[str]]:
    now = draw(instants())
    lead = draw(leads(now))
    # Max attempts near the attempts made, so that about one case in six hits it.
    spare = draw(st.sampled_from([1, 2, 3, 1, 2, 0]))
    policy = replace(draw(policies()), max_attempts=max(0, len(lead.attempts) + spare))
    return lead, policy, now, draw(dnc_lists())


@settings(max_examples=400, deadline=None)
@given(cases())
def test_the_answer_is_allowed_and_the_earliest(
    case: tuple[Lead, ContactPolicy, datetime, frozenset[str]],
) -> None:
    lead, policy, now, dnc = case
    answer = next_contact_time(lead, policy, now, dnc=dnc)
    event("refused: " + answer.reason if isinstance(answer, Refusal) else "answered")
    if isinstance(answer, Refusal):
        assert answer.permanent
        assert answer.reason == expected_refusal(lead, policy, dnc)
        return
    assert expected_refusal(lead, policy, dnc) is None
    # Never before now, outside the lead's local window, on a holiday, for a DNC number,
    # without consent where required, or past max attempts (each also in the oracle).
    local = answer.astimezone(lead.timezone)
    window = policy.by_weekday.get(local.weekday(), policy.window)
    assert answer >= now
    assert window is not None and window.start <= local.time() < window.end
    assert not (policy.skip_public_holidays and is_public_holiday(lead.country, local.date()))
    assert lead.phone not in dnc
    if policy.ai_voice_requires_consent:
        assert lead.consent_at is not None and lead.consent_at <= answer
    assert len(lead.attempts) < policy.max_attempts
    assert allowed_by_hand(lead, policy, answer, dnc)
    assert may_contact_at(lead, policy, answer, dnc)
    assert answer.second == 0 and answer.microsecond == 0
    # The earliest: no whole minute in [now, answer) is allowed.
    moment = now
    while moment < min(answer, now + SCAN_LIMIT):
        assert not allowed_by_hand(lead, policy, moment, dnc), moment
        moment += MINUTE


@settings(max_examples=300, deadline=None)
@given(cases(), st.integers(-3 * 24 * 60, 3 * 24 * 60), st.sampled_from([0, 0, 0, 1, 59.5]))
def test_may_contact_at_agrees_with_the_oracle_and_the_search(
    case: tuple[Lead, ContactPolicy, datetime, frozenset[str]], shift: int, seconds: float
) -> None:
    """Mostly on whole minutes, where windows, backoffs and callbacks begin and end."""
    lead, policy, now, dnc = case
    instant = now + shift * MINUTE + timedelta(seconds=seconds)
    allowed = may_contact_at(lead, policy, instant, dnc)
    assert allowed == allowed_by_hand(lead, policy, instant, dnc)
    # Allowed now exactly when the earliest allowed instant from now is now.
    assert allowed == (next_contact_time(lead, policy, instant, dnc=dnc) == instant)


@settings(max_examples=100, deadline=None)
@given(cases())
def test_a_predicate_dnc_is_honoured_like_a_set(
    case: tuple[Lead, ContactPolicy, datetime, frozenset[str]],
) -> None:
    lead, policy, now, dnc = case
    assert next_contact_time(lead, policy, now, dnc=dnc) == next_contact_time(
        lead, policy, now, dnc=lambda phone: phone in dnc
    )
