"""next_contact_time and check_contact_at on hand-checked cases."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from frontdesk.outreach import (
    Attempt,
    ContactPolicy,
    DayWindow,
    Lead,
    Outcome,
    Refusal,
    RefusalReason,
    check_contact_at,
    may_contact_at,
    next_contact_time,
)

NEW_YORK = ZoneInfo("America/New_York")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
MADRID = ZoneInfo("Europe/Madrid")
MEXICO_CITY = ZoneInfo("America/Mexico_City")
CONSENTED = datetime(2026, 1, 1, tzinfo=UTC)
NO_DNC: frozenset[str] = frozenset()
DEFAULT = ContactPolicy()


def lead(zone: ZoneInfo = NEW_YORK, country: str | None = "US", **facts: object) -> Lead:
    facts.setdefault("consent_at", CONSENTED)
    return Lead(phone="+12125550100", timezone=zone, country=country, **facts)  # type: ignore[arg-type]


def at(zone: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=zone)


def test_inside_the_window_is_now() -> None:
    now = at(NEW_YORK, 2026, 6, 10, 12, 0)
    assert next_contact_time(lead(), DEFAULT, now, dnc=NO_DNC) == now


def test_before_the_window_waits_for_eight_in_the_leads_zone() -> None:
    # 10:00 in New York is 07:00 in Los Angeles: the LA lead waits an hour.
    now = at(NEW_YORK, 2026, 6, 10, 10, 0)
    answer = next_contact_time(lead(LOS_ANGELES), DEFAULT, now, dnc=NO_DNC)
    assert answer == at(LOS_ANGELES, 2026, 6, 10, 8, 0)


def test_after_the_window_waits_for_tomorrow() -> None:
    now = at(NEW_YORK, 2026, 6, 10, 21, 0)  # 21:00 itself is closed: [08:00, 21:00)
    assert next_contact_time(lead(), DEFAULT, now, dnc=NO_DNC) == at(NEW_YORK, 2026, 6, 11, 8)


@pytest.mark.parametrize(
    ("now_utc", "expected_utc"),
    [
        # Spring forward: 08:00 EDT is 12:00 UTC (it was 13:00 UTC the day before).
        (datetime(2026, 3, 8, 6, 0, tzinfo=UTC), datetime(2026, 3, 8, 12, 0, tzinfo=UTC)),
        # Fall back: 08:00 EST is 13:00 UTC, though the night began in EDT.
        (datetime(2026, 11, 1, 5, 30, tzinfo=UTC), datetime(2026, 11, 1, 13, 0, tzinfo=UTC)),
    ],
)
def test_dst_change_days_open_at_eight_local(now_utc: datetime, expected_utc: datetime) -> None:
    # 2026-11-01 and 2026-03-08 are Sundays, no holidays.
    answer = next_contact_time(lead(), DEFAULT, now_utc, dnc=NO_DNC)
    assert answer == expected_utc
    assert isinstance(answer, datetime) and answer.astimezone(NEW_YORK).time() == time(8)


@pytest.mark.parametrize(
    ("zone", "country", "holiday", "next_day"),
    [
        (NEW_YORK, "US", (2026, 11, 26), (2026, 11, 27)),  # Thanksgiving
        (MADRID, "ES", (2026, 4, 3), (2026, 4, 4)),  # Viernes Santo
        (MEXICO_CITY, "MX", (2026, 2, 2), (2026, 2, 3)),  # Día de la Constitución
    ],
)
def test_public_holidays_of_the_leads_country_are_skipped(
    zone: ZoneInfo, country: str, holiday: tuple[int, int, int], next_day: tuple[int, int, int]
) -> None:
    now = at(zone, *holiday, 10, 0)
    the_lead = lead(zone, country)
    answer = next_contact_time(the_lead, DEFAULT, now, dnc=NO_DNC)
    assert answer == at(zone, *next_day, 8, 0)
    assert check_contact_at(the_lead, DEFAULT, now, NO_DNC) == Refusal(
        RefusalReason.HOLIDAY, f"{datetime(*holiday).date()} is a public holiday"
    )
    # Not a holiday for a lead in another country, nor when the tenant calls on holidays.
    assert next_contact_time(lead(zone, "FR"), DEFAULT, now, dnc=NO_DNC) == now
    calls_on_holidays = ContactPolicy(skip_public_holidays=False)
    assert next_contact_time(the_lead, calls_on_holidays, now, dnc=NO_DNC) == now


def test_narrower_windows_per_weekday() -> None:
    policy = ContactPolicy(
        window=DayWindow(time(9), time(18)),
        by_weekday={5: DayWindow(time(10), time(14)), 6: None},
    )
    saturday_afternoon = at(NEW_YORK, 2026, 6, 13, 15, 0)
    answer = next_contact_time(lead(), policy, saturday_afternoon, dnc=NO_DNC)
    assert answer == at(NEW_YORK, 2026, 6, 15, 9, 0)  # Sunday closed; Monday 09:00
    assert next_contact_time(lead(), policy, at(NEW_YORK, 2026, 6, 13, 9), dnc=NO_DNC) == at(
        NEW_YORK, 2026, 6, 13, 10
    )


def test_backoff_after_unanswered_calls_grows_then_repeats() -> None:
    policy = ContactPolicy(retry_backoff=(timedelta(hours=2), timedelta(days=1)), max_attempts=5)
    first = at(NEW_YORK, 2026, 6, 10, 9, 0)
    one = lead(attempts=(Attempt(first, Outcome.NO_ANSWER),))
    assert next_contact_time(one, policy, first, dnc=NO_DNC) == at(NEW_YORK, 2026, 6, 10, 11)
    second = at(NEW_YORK, 2026, 6, 10, 20, 30)
    two = lead(attempts=(Attempt(first, Outcome.NO_ANSWER), Attempt(second, Outcome.BUSY)))
    assert next_contact_time(two, policy, second, dnc=NO_DNC) == at(NEW_YORK, 2026, 6, 11, 20, 30)
    three = lead(attempts=(*two.attempts, Attempt(at(NEW_YORK, 2026, 6, 11, 20, 30), None)))
    # The third attempt's outcome is unknown: it waits out the backoff like a no-answer.
    assert next_contact_time(three, policy, second, dnc=NO_DNC) == at(NEW_YORK, 2026, 6, 12, 20, 30)
    assert check_contact_at(three, policy, at(NEW_YORK, 2026, 6, 12, 12), NO_DNC) == Refusal(
        RefusalReason.NOT_YET, "not before 2026-06-12T20:30:00-04:00"
    )


def test_a_callback_is_called_at_the_time_asked_for() -> None:
    call = at(NEW_YORK, 2026, 6, 10, 9, 0)
    asked = at(NEW_YORK, 2026, 6, 10, 9, 20)  # sooner than any backoff
    callback = lead(attempts=(Attempt(call, Outcome.CALLBACK_REQUESTED),), callback_at=asked)
    assert next_contact_time(callback, DEFAULT, call, dnc=NO_DNC) == asked


def test_a_callback_outside_the_window_waits_for_the_next_allowed_instant() -> None:
    call = at(NEW_YORK, 2026, 11, 25, 12, 0)
    asked = at(NEW_YORK, 2026, 11, 25, 22, 0)  # after 21:00, and the next day is Thanksgiving
    callback = lead(attempts=(Attempt(call, Outcome.CALLBACK_REQUESTED),), callback_at=asked)
    answer = next_contact_time(callback, DEFAULT, call, dnc=NO_DNC)
    assert answer == at(NEW_YORK, 2026, 11, 27, 8, 0)


def test_a_callback_request_without_a_time_falls_back_to_the_backoff() -> None:
    call = at(NEW_YORK, 2026, 6, 10, 9, 0)
    callback = lead(attempts=(Attempt(call, Outcome.CALLBACK_REQUESTED),))
    assert next_contact_time(callback, DEFAULT, call, dnc=NO_DNC) == call + timedelta(hours=4)


@pytest.mark.parametrize(
    ("the_lead", "policy", "dnc", "reason"),
    [
        (lead(opted_out=True), DEFAULT, NO_DNC, RefusalReason.OPTED_OUT),
        (
            lead(attempts=(Attempt(CONSENTED, Outcome.OPTED_OUT),)),
            DEFAULT, NO_DNC, RefusalReason.OPTED_OUT,
        ),
        (lead(), DEFAULT, frozenset({"+12125550100"}), RefusalReason.DO_NOT_CALL),
        (lead(consent_at=None), DEFAULT, NO_DNC, RefusalReason.NO_CONSENT),
        (
            lead(attempts=(Attempt(CONSENTED, Outcome.BOOKED),)),
            DEFAULT, NO_DNC, RefusalReason.CONCLUDED,
        ),
        (
            lead(attempts=(Attempt(CONSENTED, Outcome.WRONG_NUMBER),)),
            DEFAULT, NO_DNC, RefusalReason.CONCLUDED,
        ),
        (
            lead(attempts=tuple(Attempt(CONSENTED, Outcome.NO_ANSWER) for _ in range(3))),
            DEFAULT, NO_DNC, RefusalReason.MAX_ATTEMPTS,
        ),
        (
            lead(), ContactPolicy(by_weekday=dict.fromkeys(range(7))),
            NO_DNC, RefusalReason.NO_WINDOW,
        ),
    ],
)
def test_refusals(
    the_lead: Lead, policy: ContactPolicy, dnc: frozenset[str], reason: RefusalReason
) -> None:
    now = at(NEW_YORK, 2026, 6, 10, 12, 0)
    answer = next_contact_time(the_lead, policy, now, dnc=dnc)
    assert isinstance(answer, Refusal) and answer.reason is reason and answer.permanent
    assert not may_contact_at(the_lead, policy, now, dnc)


def test_dnc_as_a_predicate() -> None:
    looked_up: list[str] = []

    def on_list(phone: str) -> bool:
        looked_up.append(phone)
        return True

    answer = next_contact_time(lead(), DEFAULT, at(NEW_YORK, 2026, 6, 10, 12), dnc=on_list)
    assert answer == Refusal(RefusalReason.DO_NOT_CALL)
    assert looked_up == ["+12125550100"]


def test_consent_is_not_needed_where_the_tenant_does_not_require_it() -> None:
    now = at(NEW_YORK, 2026, 6, 10, 12, 0)
    policy = ContactPolicy(ai_voice_requires_consent=False)
    assert next_contact_time(lead(consent_at=None), policy, now, dnc=NO_DNC) == now


def test_consent_recorded_later_is_waited_for() -> None:
    now = at(NEW_YORK, 2026, 6, 10, 12, 0)
    recorded = at(NEW_YORK, 2026, 6, 10, 12, 5)
    assert next_contact_time(lead(consent_at=recorded), DEFAULT, now, dnc=NO_DNC) == recorded


def test_the_window_closes_at_its_end() -> None:
    assert may_contact_at(lead(), DEFAULT, at(NEW_YORK, 2026, 6, 10, 8, 0), NO_DNC)
    last_moment = at(NEW_YORK, 2026, 6, 10, 20, 59) + timedelta(seconds=59.999999)
    assert may_contact_at(lead(), DEFAULT, last_moment, NO_DNC)
    assert not may_contact_at(lead(), DEFAULT, at(NEW_YORK, 2026, 6, 10, 21, 0), NO_DNC)


def test_a_callback_time_before_the_call_that_asked_for_it_means_right_after_it() -> None:
    # A stale or mistaken time: the request is honoured from the call on, never before.
    call = at(NEW_YORK, 2026, 6, 10, 12, 0)
    stale = lead(
        attempts=(Attempt(call, Outcome.CALLBACK_REQUESTED),),
        callback_at=at(NEW_YORK, 2026, 6, 10, 9, 0),
    )
    assert next_contact_time(stale, DEFAULT, call - timedelta(hours=2), dnc=NO_DNC) == call


def test_outside_window_reason() -> None:
    refusal = check_contact_at(lead(), DEFAULT, at(NEW_YORK, 2026, 6, 10, 7, 59), NO_DNC)
    assert refusal is not None and refusal.reason is RefusalReason.OUTSIDE_WINDOW
    assert not refusal.permanent


@pytest.mark.parametrize(
    "build",
    [
        lambda: ContactPolicy(window=DayWindow(time(7, 30), time(20))),
        lambda: ContactPolicy(by_weekday={2: DayWindow(time(9), time(21, 30))}),
        lambda: ContactPolicy(by_weekday={7: None}),
        lambda: ContactPolicy(retry_backoff=()),
        lambda: ContactPolicy(retry_backoff=(timedelta(hours=-1),)),
        lambda: ContactPolicy(max_attempts=-1),
        lambda: DayWindow(time(12), time(9)),
        lambda: Lead(phone="+1", timezone=NEW_YORK, consent_at=datetime(2026, 1, 1)),
        lambda: Attempt(datetime(2026, 1, 1)),
    ],
)
def test_invalid_policies_and_facts_are_refused(build: object) -> None:
    with pytest.raises(ValueError):
        build()  # type: ignore[operator]


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        next_contact_time(lead(), DEFAULT, datetime(2026, 6, 10, 12), dnc=NO_DNC)
