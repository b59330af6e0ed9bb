"""Where personal data sits in a piece of text: phone numbers (written or spoken), email
addresses and dates of birth, as character spans. Pure; ``nlu.redact`` replaces them.

Appointment times are not personal data and must survive redaction (a model trained on
the export has to learn them), so ISO date-times, clock times and ids are never read as
phone numbers: :func:`protected` marks them and the finders skip what overlaps them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import phonenumbers

from frontdesk.nlu.birth_dates import DAY, MONTH, MONTHS
from frontdesk.nlu.entities import _SPOKEN as _WORD
from frontdesk.nlu.entities import _digit_group
from frontdesk.nlu.language import strip_accents


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    kind: str  # PHONE | EMAIL | DOB
    key: str  # what the value is, normalised: E.164, lowercase email, ISO date


_EMAIL = re.compile(r"\b[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
                    r"\.[A-Za-z]{2,24}\b")
# Spoken: "john dot smith at example dot com", "ana arroba gmail punto com".
_SPOKEN_EMAIL = re.compile(
    r"\b[a-z0-9]+(?:\s+(?:dot|punto|underscore|guion bajo)\s+[a-z0-9]+)*\s+(?:at|arroba)\s+"
    r"[a-z0-9-]+(?:\s+(?:dot|punto)\s+[a-z0-9-]+)+\b", re.IGNORECASE)
_PROTECTED = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
    r"|\b\d{1,2}:\d{2}\b"
    r"|\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.IGNORECASE)

_DATE_FORMS = (
    ("ymd", re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")),
    ("numeric", re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\b")),
    ("mdy", re.compile(r"\b" + MONTH + r"\.? (?:the )?" + DAY + r",?(?: of)? (\d{4})\b",
                       re.IGNORECASE)),
    ("dmy", re.compile(r"\b" + DAY + r" (?:de |of )?" + MONTH + r",?(?: de| del)? (\d{4})\b",
                       re.IGNORECASE)),
)
# A date after these words is a date of birth, whatever its year.
_DOB_CONTEXT = re.compile(
    r"\b(?:born|birth ?day|date of birth|d\.?o\.?b\.?|birthdate|nac[ií](?:da|do)|"
    r"fecha de nacimiento|cumplea[ñn]os)\b", re.IGNORECASE)
_CONTEXT_REACH = 40  # characters from the context word to the date
OLD_DATE_YEARS = 3  # a whole date this many years before the conversation is a birth date


def protected(text: str) -> list[tuple[int, int]]:
    """Spans never redacted as phones: ISO dates and date-times, clock times, UUIDs."""
    return [m.span() for m in _PROTECTED.finditer(text)]


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < b and a < end for a, b in spans)


def e164(raw: str, region: str) -> str | None:
    """``raw`` as E.164 when it is a possible number of ``region`` (or has a +code)."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email_spans(text: str) -> Iterator[Span]:
    for m in _EMAIL.finditer(text):
        yield Span(m.start(), m.end(), "EMAIL", m.group().lower())
    for m in _SPOKEN_EMAIL.finditer(text):
        spoken = strip_accents(m.group()).lower()
        for words, symbol in ((r"\s+(?:at|arroba)\s+", "@"), (r"\s+(?:dot|punto)\s+", "."),
                              (r"\s+(?:underscore|guion bajo)\s+", "_")):
            spoken = re.sub(words, symbol, spoken)
        yield Span(m.start(), m.end(), "EMAIL", spoken)


def phone_spans(text: str, region: str) -> Iterator[Span]:
    """Written numbers (libphonenumber's matcher, lenient: fictional 555 numbers count)
    and numbers spoken as words or digit groups ("six four six, five five five...")."""
    keep = protected(text)
    found: list[tuple[int, int]] = []
    matcher = phonenumbers.PhoneNumberMatcher(text, region,
                                              leniency=phonenumbers.Leniency.POSSIBLE)
    for match in matcher:
        if _overlaps(match.start, match.end, keep):
            continue
        found.append((match.start, match.end))
        yield Span(match.start, match.end, "PHONE",
                   phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164))
    # Masked with a word, so a spoken run stops where a written number or a time is.
    masked = list(text)
    for a, b in keep + found:
        masked[a:b] = "x" * (b - a)
    for start, end, digits in spoken_digit_spans("".join(masked)):
        number = e164(digits, region)
        yield Span(start, end, "PHONE", number or digits)


_JOINERS = frozenset({"y", "and", "-"})


def spoken_digit_spans(text: str, min_digits: int = 7) -> Iterator[tuple[int, int, str]]:
    """(start, end, digits) of runs of digits and number words that make ``min_digits``
    or more digits: "seis uno dos, treinta y cuatro...", "555 0 1 2 3" (the span
    counterpart of ``entities.spoken_digit_runs``)."""
    matches = list(_WORD.finditer(text))
    words = [strip_accents(m.group()).lower() for m in matches]
    i = 0
    while i < len(words):
        run, first, last = "", i, i
        j = i
        while j < len(words):
            group = _digit_group(words, j)
            if group is None or (not run and words[j] in ("oh", "y", "and")):
                break
            run, last, j = run + group[0], group[1] - 1, group[1]
        if len(run) >= min_digits:
            prefix = first > 0 and words[first - 1] in ("+", "plus", "mas")
            start = matches[first - 1 if prefix else first].start()
            yield start, matches[last].end(), ("+" if prefix else "") + run
            i = j
        else:
            i = max(j, i + 1)


def _date_of(form: str, m: re.Match[str], day_first: bool) -> date | None:
    try:
        if form == "ymd":
            return date(int(m[1]), int(m[2]), int(m[3]))
        if form == "numeric":
            a, b = int(m[1]), int(m[2])
            day, month = (a, b) if day_first else (b, a)
            return date(int(m[3]), month, day)
        if form == "mdy":
            return date(int(m[3]), MONTHS[m[1].lower()], int(m[2]))
        return date(int(m[3]), MONTHS[m[2].lower()], int(m[1]))
    except (ValueError, KeyError):
        return None


def birth_date_spans(text: str, today: date, *, day_first: bool) -> Iterator[Span]:
    """Whole dates (with a four-digit year) that are dates of birth: right after "born",
    "date of birth", "nacido", "fecha de nacimiento"..., or at least ``OLD_DATE_YEARS``
    years before ``today`` (no appointment is booked in the past)."""
    contexts = [m.end() for m in _DOB_CONTEXT.finditer(text)]
    for form, pattern in _DATE_FORMS:
        for m in pattern.finditer(text):
            found = _date_of(form, m, day_first)
            if found is None:
                continue
            near = any(0 <= m.start() - end <= _CONTEXT_REACH for end in contexts)
            old = (today - found).days >= OLD_DATE_YEARS * 365
            if near or old:
                yield Span(m.start(), m.end(), "DOB", found.isoformat())


def date_forms(value: date) -> list[str]:
    """How a known date of birth may be written, to find it anywhere in text."""
    months_en = ["January", "February", "March", "April", "May", "June", "July", "August",
                 "September", "October", "November", "December"]
    months_es = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
                 "septiembre", "octubre", "noviembre", "diciembre"]
    d, m, y = value.day, value.month, value.year
    return [value.isoformat(), f"{m:02d}/{d:02d}/{y}", f"{d:02d}/{m:02d}/{y}", f"{m}/{d}/{y}",
            f"{d}/{m}/{y}", f"{months_en[m - 1]} {d}, {y}", f"{d} de {months_es[m - 1]} de {y}"]
