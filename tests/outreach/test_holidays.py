"""Holiday calendars against hand-checked tables (dates read off gov.uk, opm.gov, the BOE,
the DOF and canada.ca), and the Easter computation against known Easters."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontdesk.outreach.holidays import (
    SUPPORTED_COUNTRIES,
    easter_sunday,
    is_public_holiday,
    nth_weekday,
    public_holidays,
)

EXPECTED_2026 = {
    "US": [
        date(2026, 1, 1), date(2026, 1, 19), date(2026, 2, 16), date(2026, 5, 25),
        date(2026, 6, 19), date(2026, 7, 3), date(2026, 7, 4), date(2026, 9, 7),
        date(2026, 10, 12), date(2026, 11, 11), date(2026, 11, 26), date(2026, 12, 25),
    ],
    "CA": [
        date(2026, 1, 1), date(2026, 4, 3), date(2026, 5, 18), date(2026, 7, 1),
        date(2026, 9, 7), date(2026, 9, 30), date(2026, 10, 12), date(2026, 11, 11),
        date(2026, 12, 25), date(2026, 12, 26), date(2026, 12, 28),
    ],
    "GB": [
        date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 4),
        date(2026, 5, 25), date(2026, 8, 31), date(2026, 12, 25), date(2026, 12, 26),
        date(2026, 12, 28),
    ],
    "ES": [
        date(2026, 1, 1), date(2026, 1, 6), date(2026, 4, 3), date(2026, 5, 1),
        date(2026, 8, 15), date(2026, 10, 12), date(2026, 11, 1), date(2026, 12, 6),
        date(2026, 12, 8), date(2026, 12, 25),
    ],
    "MX": [
        date(2026, 1, 1), date(2026, 2, 2), date(2026, 3, 16), date(2026, 5, 1),
        date(2026, 9, 16), date(2026, 11, 16), date(2026, 12, 25),
    ],
}


@pytest.mark.parametrize("country", sorted(EXPECTED_2026))
def test_2026_calendars_match_the_hand_checked_table(country: str) -> None:
    assert list(public_holidays(country, 2026)) == EXPECTED_2026[country]


@pytest.mark.parametrize(
    ("country", "day", "name_part"),
    [
        ("US", date(2026, 11, 26), "Thanksgiving"),
        ("US", date(2026, 7, 3), "Independence Day (observed)"),
        ("ES", date(2026, 4, 3), "Viernes Santo"),
        ("MX", date(2026, 2, 2), "Constitución"),
        ("GB", date(2026, 12, 28), "Boxing Day (substitute day)"),
        ("CA", date(2026, 5, 18), "Victoria Day"),
    ],
)
def test_named_days(country: str, day: date, name_part: str) -> None:
    assert name_part in public_holidays(country, day.year)[day]


@pytest.mark.parametrize(
    ("country", "day", "holiday"),
    [
        # New Year's Day 2022 was a Saturday: observed Friday 31 December 2021.
        ("US", date(2021, 12, 31), True),
        ("US", date(2022, 12, 26), True),  # Christmas 2022 on a Sunday
        ("US", date(2020, 6, 19), False),  # Juneteenth from 2021 only
        ("US", date(2029, 11, 22), True),  # the 4th Thursday, not the last (29th)
        ("US", date(2029, 11, 29), False),
        # Christmas on Sunday 2022: Boxing Day Monday 26, Christmas substitute Tuesday 27.
        ("GB", date(2022, 12, 26), True),
        ("GB", date(2022, 12, 27), True),
        ("GB", date(2022, 5, 30), False),  # moved to 2 June for the Platinum Jubilee
        ("GB", date(2022, 6, 2), True),
        ("GB", date(2022, 6, 3), True),
        ("GB", date(2023, 5, 8), True),
        ("GB", date(2020, 5, 8), True),
        ("GB", date(2020, 5, 4), False),
        ("GB", date(2021, 12, 28), True),  # Christmas Sat + Boxing Sun -> Mon 27, Tue 28
        ("ES", date(2026, 4, 2), False),  # Jueves Santo is regional
        ("ES", date(2026, 4, 6), False),  # Easter Monday is regional
        ("MX", date(2024, 10, 1), True),
        ("MX", date(2025, 10, 1), False),
        ("MX", date(2018, 12, 1), True),
        ("MX", date(2026, 4, 3), False),  # Good Friday is not a federal rest day
        ("CA", date(2020, 9, 30), False),  # Truth and Reconciliation day from 2021
        ("FR", date(2026, 7, 14), False),  # no calendar: no holidays
        (None, date(2026, 12, 25), False),
        ("us", date(2026, 12, 25), True),  # case-insensitive
    ],
)
def test_special_cases(country: str | None, day: date, holiday: bool) -> None:
    assert is_public_holiday(country, day) is holiday


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (1818, date(1818, 3, 22)), (1943, date(1943, 4, 25)), (2000, date(2000, 4, 23)),
        (2019, date(2019, 4, 21)), (2024, date(2024, 3, 31)), (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)), (2027, date(2027, 3, 28)), (2038, date(2038, 4, 25)),
        (2285, date(2285, 3, 22)),
    ],
)
def test_easter_sunday(year: int, easter: date) -> None:
    assert easter_sunday(year) == easter


@given(st.integers(1583, 4099))
def test_easter_is_a_sunday_between_22_march_and_25_april(year: int) -> None:
    easter = easter_sunday(year)
    assert easter.weekday() == 6
    assert date(year, 3, 22) <= easter <= date(year, 4, 25)


@given(st.integers(1900, 2200), st.integers(1, 12), st.integers(0, 6), st.integers(1, 4))
def test_nth_weekday(year: int, month: int, weekday: int, n: int) -> None:
    day = nth_weekday(year, month, weekday, n)
    assert (day.year, day.month, day.weekday()) == (year, month, weekday)
    assert (day.day - 1) // 7 == n - 1
    last = nth_weekday(year, month, weekday, -1)
    assert last.month == month and last.weekday() == weekday
    assert (last + timedelta(days=7)).month != month


@given(st.sampled_from(sorted(SUPPORTED_COUNTRIES)), st.integers(1990, 2100))
def test_every_year_has_its_holidays_in_that_year_and_in_order(country: str, year: int) -> None:
    days = list(public_holidays(country, year))
    assert days == sorted(days)
    assert all(day.year == year for day in days)
    assert len(days) >= 7
