"""Hypothesis strategies for leads and contact policies around DST changes and holidays.

Every time is on a whole minute and every zone used changes its clocks on whole minutes,
so a brute-force scan on a minute grid finds exactly the earliest allowed instant.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from frontdesk.outreach import Attempt, ContactPolicy, DayWindow, Lead, Outcome

ZONES = [
    "America/New_York",
    "America/Los_Angeles",
    "Europe/Madrid",
    "America/Mexico_City",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
]
COUNTRIES = ["US", "CA", "GB", "ES", "MX", "FR", None]
PHONES = ["+12125550100", "+34911234567", "+525512345678"]

# DST changes of the zones above and holidays of the countries above, in 2026.
INTERESTING_DAYS = [
    date(2026, 3, 8), date(2026, 11, 1), date(2026, 3, 29), date(2026, 10, 25),
    date(2026, 4, 5), date(2026, 10, 4), date(2026, 9, 27),
    date(2026, 11, 26), date(2026, 4, 3), date(2026, 2, 2), date(2026, 12, 25),
    date(2026, 7, 3), date(2026, 12, 28), date(2026, 1, 1), date(2026, 5, 18),
]

# Outcomes that lead to a retry, weighted up so that most examples get an answer.
OUTCOMES = [
    *[Outcome.NO_ANSWER, Outcome.BUSY, Outcome.VOICEMAIL, Outcome.FAILED] * 2,
    *[Outcome.CALLBACK_REQUESTED] * 4,
    *list(Outcome),
]

MINUTE = timedelta(minutes=1)
OPEN_MINUTES = (8 * 60, 21 * 60)


@st.composite
def day_windows(draw: st.DrawFn) -> DayWindow:
    start = draw(st.integers(OPEN_MINUTES[0], OPEN_MINUTES[1] - 1))
    end = draw(st.integers(start + 1, OPEN_MINUTES[1]))
    return DayWindow(time(*divmod(start, 60)), time(*divmod(end, 60)))


@st.composite
def policies(draw: st.DrawFn) -> ContactPolicy:
    by_weekday = draw(
        st.dictionaries(st.integers(0, 6), st.none() | day_windows(), max_size=7)
    )
    backoff = draw(
        st.lists(st.integers(0, 2 * 24 * 60).map(lambda m: m * MINUTE), min_size=1, max_size=3)
    )
    return ContactPolicy(
        window=draw(day_windows()),
        by_weekday=by_weekday,
        max_attempts=draw(st.integers(0, 6)),
        retry_backoff=tuple(backoff),
        ai_voice_requires_consent=draw(st.booleans()),
        skip_public_holidays=draw(st.booleans()),
    )


@st.composite
def instants(draw: st.DrawFn) -> datetime:
    """A whole-minute instant within two days of an interesting day."""
    day = draw(st.sampled_from(INTERESTING_DAYS))
    minutes = draw(st.integers(-2 * 24 * 60, 2 * 24 * 60))
    return datetime.combine(day, time(0), tzinfo=UTC) + minutes * MINUTE


def near(now: datetime, days: int = 3) -> st.SearchStrategy[datetime]:
    return st.integers(-days * 24 * 60, days * 24 * 60).map(lambda m: now + m * MINUTE)


@st.composite
def leads(draw: st.DrawFn, now: datetime) -> Lead:
    attempt_times = sorted(draw(st.lists(near(now), max_size=3)))
    attempts = tuple(
        Attempt(at, draw(st.none() | st.sampled_from(OUTCOMES))) for at in attempt_times
    )
    return Lead(
        phone=draw(st.sampled_from(PHONES)),
        timezone=ZoneInfo(draw(st.sampled_from(ZONES))),
        country=draw(st.sampled_from(COUNTRIES)),
        consent_at=draw(near(now)) if draw(st.sampled_from([True] * 4 + [False])) else None,
        attempts=attempts,
        callback_at=draw(st.none() | near(now)),
        opted_out=draw(st.sampled_from([False] * 7 + [True])),
    )


def dnc_lists() -> st.SearchStrategy[frozenset[str]]:
    return st.sampled_from([frozenset()] * 5 + [frozenset(PHONES[:1])])
