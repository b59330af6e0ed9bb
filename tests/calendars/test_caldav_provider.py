"""The CalDAV adapter against a real Radicale server (started by ``conftest``).

Owner events are written straight through the ``caldav`` library, as the business
owner's calendar app would; the adapter must read them back as UTC busy blocks.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from caldav.collection import Calendar

from frontdesk.calendars.address_guard import AddressPolicy
from frontdesk.calendars.base import (
    APPOINTMENT_PROPERTY,
    BusyBlock,
    CalendarAuthError,
    CalendarEvent,
    CalendarNotFound,
    CalendarProvider,
    CalendarUnavailable,
    event_uid,
)
from frontdesk.calendars.caldav_provider import CalDAVProvider

from .conftest import RadicaleServer, start_radicale

NEW_YORK = "America/New_York"
# The whole of March 2025, which holds the US spring-forward (Sunday 9 March, 02:00).
MARCH_START = datetime(2025, 3, 1, tzinfo=UTC)
MARCH_END = datetime(2025, 4, 1, tzinfo=UTC)
# Radicale runs on 127.0.0.1, which the default policy refuses (test_address_guard).
LOCAL = AddressPolicy(allow_private=True)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def add_owner_event(calendar: Calendar, uid: str, *lines: str) -> None:
    """Write one VEVENT the way a calendar app would (local times with a TZID)."""
    body = "\r\n".join(lines)
    calendar.save_event(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//owner app//EN\r\n"
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20250101T000000Z\r\n{body}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


@pytest.fixture
def provider(radicale: RadicaleServer, owner_calendar: Calendar) -> CalDAVProvider:
    return CalDAVProvider(radicale.url, radicale.username, radicale.password,
                          str(owner_calendar.url), timezone=NEW_YORK, address_policy=LOCAL)


def test_is_a_calendar_provider(provider: CalDAVProvider) -> None:
    checked: CalendarProvider = provider
    assert checked.busy(MARCH_START, MARCH_END) == []


def test_owner_event_is_busy_in_utc(provider: CalDAVProvider,
                                    owner_calendar: Calendar) -> None:
    add_owner_event(owner_calendar, "dentist",
                    "DTSTART;TZID=America/New_York:20250304T090000",
                    "DTEND;TZID=America/New_York:20250304T100000", "SUMMARY:Dentist")
    # Outside the asked range: left out.
    add_owner_event(owner_calendar, "april",
                    "DTSTART:20250410T150000Z", "DTEND:20250410T160000Z")

    assert provider.busy(MARCH_START, MARCH_END) == [
        BusyBlock(utc(2025, 3, 4, 14), utc(2025, 3, 4, 15))
    ]
    block = provider.busy(MARCH_START, MARCH_END)[0]
    assert block.start.utcoffset() == timedelta(0)


def test_event_crossing_spring_forward_keeps_its_real_length(
        provider: CalDAVProvider, owner_calendar: Calendar) -> None:
    # 22:00 EST (UTC-5) to 04:00 EDT (UTC-4): six wall-clock hours, five real ones.
    add_owner_event(owner_calendar, "night-shift",
                    "DTSTART;TZID=America/New_York:20250308T220000",
                    "DTEND;TZID=America/New_York:20250309T040000")

    assert provider.busy(MARCH_START, MARCH_END) == [
        BusyBlock(utc(2025, 3, 9, 3), utc(2025, 3, 9, 8))
    ]


def test_weekly_event_is_expanded_across_the_dst_change(
        provider: CalDAVProvider, owner_calendar: Calendar) -> None:
    add_owner_event(owner_calendar, "staff-meeting",
                    "DTSTART;TZID=America/New_York:20250301T090000",
                    "DTEND;TZID=America/New_York:20250301T093000",
                    "RRULE:FREQ=WEEKLY;COUNT=3")

    assert provider.busy(MARCH_START, MARCH_END) == [
        BusyBlock(utc(2025, 3, 1, 14), utc(2025, 3, 1, 14, 30)),   # EST
        BusyBlock(utc(2025, 3, 8, 14), utc(2025, 3, 8, 14, 30)),   # EST
        BusyBlock(utc(2025, 3, 15, 13), utc(2025, 3, 15, 13, 30)),  # EDT
    ]


def test_all_day_event_blocks_the_whole_local_day(
        provider: CalDAVProvider, owner_calendar: Calendar) -> None:
    add_owner_event(owner_calendar, "holiday",
                    "DTSTART;VALUE=DATE:20250310", "DTEND;VALUE=DATE:20250311")

    assert provider.busy(MARCH_START, MARCH_END) == [
        BusyBlock(utc(2025, 3, 10, 4), utc(2025, 3, 11, 4))  # midnight to midnight, EDT
    ]


def test_transparent_and_cancelled_events_are_not_busy(
        provider: CalDAVProvider, owner_calendar: Calendar) -> None:
    add_owner_event(owner_calendar, "reminder", "TRANSP:TRANSPARENT",
                    "DTSTART:20250305T150000Z", "DTEND:20250305T160000Z")
    add_owner_event(owner_calendar, "called-off", "STATUS:CANCELLED",
                    "DTSTART:20250306T150000Z", "DTEND:20250306T160000Z")
    add_owner_event(owner_calendar, "real", "STATUS:CONFIRMED", "TRANSP:OPAQUE",
                    "DTSTART:20250307T150000Z", "DTEND:20250307T160000Z")

    assert provider.busy(MARCH_START, MARCH_END) == [
        BusyBlock(utc(2025, 3, 7, 15), utc(2025, 3, 7, 16))
    ]


def test_calendar_can_be_named_by_display_name(
        radicale: RadicaleServer, owner_calendar: Calendar) -> None:
    add_owner_event(owner_calendar, "by-name",
                    "DTSTART:20250305T150000Z", "DTEND:20250305T160000Z")
    by_name = CalDAVProvider(radicale.url, radicale.username, radicale.password,
                             str(owner_calendar.get_display_name()), address_policy=LOCAL)

    assert by_name.busy(MARCH_START, MARCH_END) == [
        BusyBlock(utc(2025, 3, 5, 15), utc(2025, 3, 5, 16))
    ]


def test_unknown_calendar_name_is_reported(radicale: RadicaleServer) -> None:
    missing = CalDAVProvider(radicale.url, radicale.username, radicale.password, "No such",
                             address_policy=LOCAL)

    with pytest.raises(CalendarNotFound):
        missing.busy(MARCH_START, MARCH_END)


def test_upsert_creates_then_moves_one_event(provider: CalDAVProvider,
                                             owner_calendar: Calendar) -> None:
    first = CalendarEvent("appt-42", utc(2025, 3, 12, 15), utc(2025, 3, 12, 16),
                          "Haircut — Ana", "Booked by phone")
    href = provider.upsert_event(first)
    moved = CalendarEvent("appt-42", utc(2025, 3, 13, 17), utc(2025, 3, 13, 17, 45),
                          "Haircut — Ana")

    assert provider.upsert_event(moved) == href
    assert provider.upsert_event(moved) == href  # a retried write changes nothing

    events = owner_calendar.get_events()
    assert len(events) == 1
    stored = events[0].icalendar_component
    assert str(stored["UID"]) == event_uid("appt-42") == "appt-42@frontdesk"
    assert str(stored[APPOINTMENT_PROPERTY]) == "appt-42"
    assert stored.decoded("DTSTART") == utc(2025, 3, 13, 17)
    assert stored.decoded("DTEND") == utc(2025, 3, 13, 17, 45)
    assert int(stored["SEQUENCE"]) == 1  # moved once; the retry did not bump it
    assert str(events[0].url) == href


def test_our_own_events_are_not_reported_as_busy(
        provider: CalDAVProvider, owner_calendar: Calendar) -> None:
    # The booking core holds them as appointments already; counting them here too would
    # stop an appointment from being moved onto part of its own time.
    provider.upsert_event(CalendarEvent("appt-7", utc(2025, 3, 12, 15),
                                        utc(2025, 3, 12, 16), "Massage"))
    add_owner_event(owner_calendar, "lunch",
                    "DTSTART:20250312T170000Z", "DTEND:20250312T180000Z")

    assert provider.busy(MARCH_START, MARCH_END) == [
        BusyBlock(utc(2025, 3, 12, 17), utc(2025, 3, 12, 18))
    ]


def test_delete_removes_the_event_and_is_idempotent(
        provider: CalDAVProvider, owner_calendar: Calendar) -> None:
    provider.upsert_event(CalendarEvent("appt-9", utc(2025, 3, 12, 15),
                                        utc(2025, 3, 12, 16), "Massage"))
    add_owner_event(owner_calendar, "keep-me",
                    "DTSTART:20250312T170000Z", "DTEND:20250312T180000Z")

    provider.delete_event("appt-9")
    provider.delete_event("appt-9")
    provider.delete_event("never-booked")

    assert [str(e.icalendar_component["UID"]) for e in owner_calendar.get_events()] == [
        "keep-me"
    ]


def test_wrong_password_is_an_auth_error_not_a_free_calendar(
        radicale: RadicaleServer, owner_calendar: Calendar) -> None:
    wrong = CalDAVProvider(radicale.url, radicale.username, "not the password",
                           str(owner_calendar.url), address_policy=LOCAL)

    with pytest.raises(CalendarAuthError) as raised:
        wrong.busy(MARCH_START, MARCH_END)
    assert raised.value.code == "calendar_auth_failed"
    with pytest.raises(CalendarAuthError):
        wrong.upsert_event(CalendarEvent("appt-1", utc(2025, 3, 12, 15),
                                         utc(2025, 3, 12, 16), "Massage"))


def test_stopped_server_is_unavailable(tmp_path: Path) -> None:
    server = start_radicale(tmp_path)
    try:
        calendar = server.client().principal().make_calendar(name="Soon gone")
        provider = CalDAVProvider(server.url, server.username, server.password,
                                  str(calendar.url), timeout_s=5, address_policy=LOCAL)
        assert provider.busy(MARCH_START, MARCH_END) == []  # resolved while it was up
    finally:
        server.stop()

    with pytest.raises(CalendarUnavailable) as raised:
        provider.busy(MARCH_START, MARCH_END)
    assert raised.value.code == "calendar_unavailable"
    with pytest.raises(CalendarUnavailable):
        provider.delete_event("appt-1")
    with pytest.raises(CalendarUnavailable):  # not even reachable to find the calendar
        CalDAVProvider(server.url, server.username, server.password, "Soon gone",
                       address_policy=LOCAL).busy(MARCH_START, MARCH_END)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError):
        CalendarEvent("appt-1", datetime(2025, 3, 1, 9), datetime(2025, 3, 1, 10), "x")
    with pytest.raises(ValueError):
        BusyBlock(utc(2025, 3, 1, 10), utc(2025, 3, 1, 9))
