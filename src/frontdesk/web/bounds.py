"""Limits on what the API accepts, so every value fits the code and the database.

Each of these once reached the database or the date arithmetic and answered 500: a
year-1 or year-9999 date overflows ``datetime`` when shifted by a time zone or a day, an
integer past 2**31 overflows PostgreSQL's ``integer``, and PostgreSQL cannot store a NUL
character in text at all. Refusing them at the door names the field and keeps the
stored data as it was.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

# Dates the API takes: wide enough for any real booking, history or time off, and far
# enough from datetime's own ends (years 1 and 9999) that zone shifts cannot overflow.
EARLIEST_YEAR = 1900
LATEST_YEAR = 2999
# Paging and counts: far beyond any real list, far below a 64-bit (or 32-bit) column.
MAX_OFFSET = 10_000_000
# A price in cents: ten million in major units is beyond any appointment's price.
MAX_PRICE_CENTS = 1_000_000_000


def year_in_range(value: date | datetime) -> str | None:
    """Why ``value`` is out of range, or None when it is fine."""
    if EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        return None
    return f"dates must be between the years {EARLIEST_YEAR} and {LATEST_YEAR}"


def check_year(value: Any) -> Any:
    """A pydantic after-validator for dates and datetimes."""
    reason = year_in_range(value)
    if reason is not None:
        raise ValueError(reason)
    return value


def nul_path(value: Any, where: str = "") -> str | None:
    """The dotted path of the first string holding a NUL character, or None."""
    if isinstance(value, str):
        return where or "value" if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and "\x00" in key:
                return f"{where}.{key!r}".lstrip(".")
            found = nul_path(item, f"{where}.{key}".lstrip("."))
            if found is not None:
                return found
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            found = nul_path(item, f"{where}[{i}]")
            if found is not None:
                return found
    return None


def without_nul(value: Any) -> Any:
    """``value`` with NUL characters removed from every string in it."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_nul(v) for v in value]
    return value
