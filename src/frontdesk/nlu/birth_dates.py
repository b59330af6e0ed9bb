"""A date of birth as a caller says or types it, English and Spanish: "March 3rd, 1985",
"3 de marzo de 1985", "03/03/1985", "1985-03-03". Pure.

Unlike appointment times, a birth date is read without reference to now (no "next
Friday"), needs a four-digit year, and a numeric one is read day-first or month-first
by the business's country (the US writes 03/04 for March 4th, Spain for April 3rd).
Whether it is a plausible birth date (in the past, not too long ago) is the business
rule's to check (``services.business_info.check_date_of_birth``).
"""

from __future__ import annotations

import re
from datetime import date

from frontdesk.nlu.language import normalize

MONTHS = {  # month names and abbreviations, English and Spanish -> 1..12
    name: i + 1
    for i, names in enumerate([
        ("january", "jan", "enero"), ("february", "feb", "febrero"), ("march", "mar", "marzo"),
        ("april", "apr", "abril"), ("may", "mayo"), ("june", "jun", "junio"),
        ("july", "jul", "julio"), ("august", "aug", "agosto"),
        ("september", "sep", "sept", "septiembre", "setiembre"),
        ("october", "oct", "octubre"), ("november", "nov", "noviembre"),
        ("december", "dec", "diciembre"),
    ])
    for name in names
}
MONTH = "(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + ")"  # a group
DAY = r"(\d{1,2})(?:st|nd|rd|th|o|º)?"  # a group: the day number
_YEAR = r"(\d{4})"
_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_NUMERIC = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\b")
_MONTH_FIRST = re.compile(MONTH + r" (?:the )?" + DAY + r"(?: ,)?(?: of)? " + _YEAR)
_DAY_FIRST = re.compile(r"\b" + DAY + r" (?:de |of )?" + MONTH + r"(?: ,)?(?: de| del)? " + _YEAR)


def parse_birth_date(text: str, *, day_first: bool) -> date | None:
    """The date in ``text``, or None when there is no whole date or it does not exist
    (February 30th)."""
    raw = text.strip()
    norm = normalize(raw)
    found: tuple[int, int, int] | None = None
    if m := _ISO.search(raw):
        found = (int(m[1]), int(m[2]), int(m[3]))
    elif m := _NUMERIC.search(raw):
        a, b = int(m[1]), int(m[2])
        day, month = (a, b) if day_first else (b, a)
        found = (int(m[3]), month, day)
    elif m := _DAY_FIRST.search(norm):
        found = (int(m[3]), MONTHS[m[2]], int(m[1]))
    elif m := _MONTH_FIRST.search(norm):
        found = (int(m[3]), MONTHS[m[1]], int(m[2]))
    if found is None:
        return None
    try:
        return date(*found)
    except ValueError:
        return None
