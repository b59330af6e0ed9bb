"""A business's figures, read from known rows on SQLite and PostgreSQL: exact counts,
rates and lengths, whole local days across a DST change, zeros for a business with
nothing yet, and never another business's rows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.errors import InvalidInput
from frontdesk.services.insights import (
    CallDay,
    ChannelRate,
    HandleTime,
    NoShows,
    TransferReason,
    insights,
)
from frontdesk.store.db import write_session
from frontdesk.store.models import Conversation
from tests.conftest import Business
from tests.services import insights_data as data

# Noon in New York on Tuesday 11 March 2025: the week began on Wednesday the 5th, in
# winter time; the clocks went forward on Sunday the 9th.
NOW = datetime(2025, 3, 11, 16, 0, tzinfo=UTC)
TODAY = date(2025, 3, 11)


def test_known_rows_give_exact_figures_and_no_other_business_counts(
    factory: sessionmaker[Session], make_business: Callable[..., Business],
) -> None:
    salon, clinic = make_business("salon"), make_business("clinic")
    data.seed(factory, salon, TODAY)
    data.seed(factory, clinic, TODAY)  # the same again: doubled figures would show it
    with factory() as session:
        got = insights(session, salon.tenant, 7, NOW)
    days = [TODAY - timedelta(days=ago) for ago in range(6, -1, -1)]
    assert got.period.days == days
    assert [(d.day, d.count) for d in got.bookings] == [
        (day, data.BOOKINGS_BY_DAYS_AGO.get((TODAY - day).days, 0)) for day in days]
    assert got.total_bookings == 5
    assert got.channels == [ChannelRate(c, *data.CHANNELS[c]) for c in ("phone", "chat", "sms")]
    assert [c.rate for c in got.channels] == [1 / 6, 0.5, 0.0]
    assert got.booking_rate == 2 / 9
    assert got.calls == [CallDay(day, *data.CALLS_BY_DAYS_AGO.get((TODAY - day).days, (0, 0)))
                         for day in days]
    assert (got.calls_handled, got.calls_transferred) == (1, 4)
    assert got.handle_times == [HandleTime(c, *data.HANDLE[c]) for c in ("phone", "chat", "sms")]
    assert got.handle_times[0].average_s == 204.0
    assert got.average_handle_s == pytest.approx((17 + 4 + 10) * 60 / 7)
    assert got.no_shows == NoShows(*data.NO_SHOWS) and got.no_shows.rate == 0.25
    assert got.transfer_reasons == [TransferReason(r, n) for r, n in data.REASONS]
    assert not got.empty


def test_a_business_with_nothing_yet_reads_zeros(
    factory: sessionmaker[Session], make_business: Callable[..., Business],
) -> None:
    quiet, busy = make_business("quiet"), make_business("busy")
    data.seed(factory, busy, TODAY)
    with factory() as session:
        got = insights(session, quiet.tenant, 30, NOW)
    assert len(got.bookings) == 30 and all(d.count == 0 for d in got.bookings)
    assert got.channels == [ChannelRate(c, 0, 0) for c in ("phone", "chat", "sms")]
    assert got.booking_rate == 0.0 and got.average_handle_s == 0.0
    assert all((d.handled, d.transferred) == (0, 0) for d in got.calls)
    assert [h.average_s for h in got.handle_times] == [0.0, 0.0, 0.0]
    assert got.no_shows == NoShows(0, 0) and got.no_shows.rate == 0.0
    assert got.transfer_reasons == [] and got.empty


def test_days_are_the_business_local_days_across_a_clock_change(
    factory: sessionmaker[Session], biz: Business,
) -> None:
    """Each booking counts on its local day, on either side of midnight, in winter and in
    summer time (a fixed UTC offset would move one of these to the wrong day)."""
    made = {
        datetime(2025, 3, 5, 4, 59, tzinfo=UTC): None,  # 4 March 23:59 EST: before
        datetime(2025, 3, 5, 5, 0, tzinfo=UTC): date(2025, 3, 5),  # 5 March 00:00 EST
        datetime(2025, 3, 9, 4, 30, tzinfo=UTC): date(2025, 3, 8),  # 8 March 23:30 EST
        datetime(2025, 3, 10, 3, 30, tzinfo=UTC): date(2025, 3, 9),  # 9 March 23:30 EDT
        datetime(2025, 3, 10, 4, 0, tzinfo=UTC): date(2025, 3, 10),  # 10 March 00:00 EDT
    }
    with write_session(factory) as session:
        for i, created in enumerate(made):
            data.appointment(session, biz, created=created,
                             start=datetime(2025, 4, 1, 14 + i, tzinfo=UTC))
    with factory() as session:
        got = insights(session, biz.tenant, 7, NOW)
    assert (got.period.since, got.period.until) == (
        datetime(2025, 3, 5, 5, tzinfo=UTC), datetime(2025, 3, 12, 4, tzinfo=UTC))
    counted = {d.day: d.count for d in got.bookings if d.count}
    assert counted == {day: 1 for day in made.values() if day is not None}


def test_handle_time_keeps_fractions_of_a_second(
    factory: sessionmaker[Session], biz: Business,
) -> None:
    started = NOW - timedelta(hours=1)
    with write_session(factory) as session:
        data.conversation(session, biz, "chat", started, None, "info")
    with write_session(factory) as session:
        row = session.scalars(select(Conversation)).one()
        row.ended_at = started + timedelta(seconds=90, microseconds=500_000)
    with factory() as session:
        got = insights(session, biz.tenant, 1, NOW)
    assert got.handle_times[1] == HandleTime("chat", 1, 90.5)


@pytest.mark.parametrize("days", [0, -1, 367])
def test_a_period_out_of_bounds_is_refused(
    factory: sessionmaker[Session], biz: Business, days: int,
) -> None:
    with factory() as session, pytest.raises(InvalidInput) as refused:
        insights(session, biz.tenant, days, NOW)
    assert refused.value.extra == {"field": "days"}
