"""``ExternalBusy`` and the connection's ``busy_generation`` (decision 0068): a bump makes
every cached read stale at once, across readers (processes), while an older read still
stands in when the calendar cannot be reached."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.calendars.base import BusyBlock, CalendarUnavailable
from frontdesk.services.external_busy import ExternalBusy
from frontdesk.store.db import write_session
from frontdesk.store.models import CalendarConnection, Tenant
from tests.conftest import Business, next_weekday


class Scripted:
    """A calendar whose next answers a test sets (a list of blocks, or an error)."""

    def __init__(self) -> None:
        self.answer: list[BusyBlock] | Exception = []
        self.reads = 0

    def busy(self, start: datetime, end: datetime) -> list[BusyBlock]:
        self.reads += 1
        if isinstance(self.answer, Exception):
            raise self.answer
        return list(self.answer)


def _connect(factory: sessionmaker[Session], biz: Business) -> None:
    with write_session(factory) as session:
        session.add(CalendarConnection(
            tenant_id=biz.tenant.id, resource_id=biz.ana.id, provider="caldav",
            url="https://dav.example.test/", username="owner",
            calendar="https://dav.example.test/cal/", secret="unused"))


def _bump(factory: sessionmaker[Session]) -> None:
    with write_session(factory) as session:
        session.execute(update(CalendarConnection).values(
            busy_generation=CalendarConnection.busy_generation + 1))


def test_a_bump_is_read_again_and_an_older_read_stands_in_when_down(
    factory: sessionmaker[Session], biz: Business
) -> None:
    _connect(factory, biz)
    calendar = Scripted()
    # Two readers: two processes, each with its own cache, sharing the database.
    readers = [ExternalBusy(lambda c, tz, saver: calendar, ttl_s=3600) for _ in range(2)]
    day = next_weekday(biz.tz, 1)
    lo, hi = biz.at(day, 8), biz.at(day, 18)
    meeting = BusyBlock(biz.at(day, 10), biz.at(day, 11))

    def read(reader: ExternalBusy) -> list[tuple[datetime, datetime]]:
        with factory() as session:
            tenant = session.get_one(Tenant, biz.tenant.id)
            return reader.busy(session, tenant, [biz.ana.id], lo, hi, fresh=False)[biz.ana.id]

    assert [read(r) for r in readers] == [[], []] and calendar.reads == 2
    calendar.answer = [meeting]
    assert [read(r) for r in readers] == [[], []] and calendar.reads == 2  # cached (TTL)

    _bump(factory)
    assert [read(r) for r in readers] == [[(meeting.start, meeting.end)]] * 2
    assert calendar.reads == 4
    assert read(readers[0]) == [(meeting.start, meeting.end)] and calendar.reads == 4

    # Changed again, and the calendar is down: the last read stands in, never "free".
    _bump(factory)
    calendar.answer = CalendarUnavailable("down", provider="caldav")
    assert read(readers[0]) == [(meeting.start, meeting.end)]
    assert calendar.reads == 5
