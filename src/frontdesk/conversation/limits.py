"""The hours a caller can come, said once and kept for the rest of the call.

"Only evenings", "nothing before noon", "solo por la tarde", "solo puedo a partir de las
seis": these are not a time to search but a limit on every time offered from then on,
whatever day the caller asks about next ("what about Friday?"), until they change it.
The time grammar reads "before noon" as the morning and "evenings" as this evening, so
the limit is read here and the mentions it covers are not taken as a time.

Parts of the day follow the constraint parser (``nlu/constraints``): morning before
12:00, afternoon 12:00-17:00, evening from 17:00.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from frontdesk.nlu.types import TimeMention

_PARTS = {
    "morning": (None, "12:00"),
    "afternoon": ("12:00", "17:00"),
    "evening": ("17:00", None),
}
_PART_WORDS = (
    r"(mornings?|afternoons?|evenings?|nights?|"
    r"(?:por|en|a) la(?:s)? (?:mañanas?|tardes?|noches?)|mañanas|tardes|noches)"
)
_ONLY = r"(?:only|solo|sólo|solamente|únicamente|nomás|nada más que)"
# "I can only do evenings", "only afternoons", "solo puedo por la tarde",
# "solo me va por las tardes", "evenings only", "por las tardes nada más".
_ONLY_PART = re.compile(
    rf"\b{_ONLY}\b(?:\W+(?!and\b|y\b|but\b|pero\b)\w+){{0,4}}?\W+{_PART_WORDS}\b"
    rf"|\b{_PART_WORDS}\W+(?:only|solo|sólo|nada m[aá]s|nom[aá]s)\b"
    # "just" is mostly a filler ("I just need a haircut Thursday morning"): right before.
    rf"|\bjust\s+(?:in\s+the\s+|the\s+)?{_PART_WORDS}\b",
    re.IGNORECASE,
)
_CLOCK = (
    r"(noon|midday|lunch(?:time)?|mediod[ií]a|(?:las|la)\s+\w+(?:\s+y\s+media)?|"
    r"\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)?|one|two|three|four|five|six|seven|"
    r"eight|nine|ten|eleven|twelve)"
)
# "nothing before noon", "not before 10", "no earlier than 11", "can't do before 3",
# "nada antes del mediodía", "no antes de las 10", "no puedo antes de las 4".
_NOT_BEFORE = re.compile(
    r"\b(?:nothing|not|anything but|no(?:thing)? earlier than|can'?t (?:do |come |make it )?"
    r"(?:anything )?|cannot (?:do |come )?|nada|no|no puedo|no me va)\s*(?:before|antes)"
    rf"(?:\s+(?:de(?:l)?|than))?\s+(?:the\s+)?{_CLOCK}"
    rf"|\bno earlier than\s+{_CLOCK}"
    rf"|\b(?:{_ONLY[3:-1]})\s+(?:\w+\s+){{0,3}}?(?:after|from|a partir de|desde|despu[eé]s de"
    rf"(?:l)?)\s+(?:the\s+)?{_CLOCK}"
    rf"|\b(?:after|from|a partir de)\s+(?:the\s+)?{_CLOCK}"
    r"\s+(?:only|on(?:wards)?|solo|nada m[aá]s)\b",
    re.IGNORECASE,
)
# "nothing after 5", "no later than 4", "nada después de las 6", "solo antes de las 12".
_NOT_AFTER = re.compile(
    r"\b(?:nothing|not|no(?:thing)? later than|can'?t (?:do |come |make it )?(?:anything )?|"
    r"cannot (?:do |come )?|nada|no|no puedo|no me va)\s*(?:after|despu[eé]s)"
    rf"(?:\s+(?:de(?:l)?|than))?\s+(?:the\s+)?{_CLOCK}"
    rf"|\bno later than\s+{_CLOCK}"
    rf"|\b(?:{_ONLY[3:-1]})\s+(?:\w+\s+){{0,3}}?(?:before|antes de(?:l)?)\s+(?:the\s+)?{_CLOCK}",
    re.IGNORECASE,
)
_WORD_HOURS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7,
    "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12,
}


@dataclass(frozen=True, slots=True)
class Limits:
    earliest: str | None  # "HH:MM": nothing starts before
    latest: str | None  # "HH:MM": everything is over by
    start: int  # where in the text the limit was said (to drop the mentions it covers)
    end: int

    def to_json(self) -> dict[str, str | None]:
        return {"earliest": self.earliest, "latest": self.latest}


def _clock(said: str) -> str | None:
    """'noon' -> 12:00, '6' -> 18:00 (a bare 1-7 is the afternoon at a front desk),
    'las seis' -> 18:00, '10 am' -> 10:00, 'las cinco y media' -> 17:30."""
    said = said.lower().strip()
    if said.startswith(("noon", "midday", "lunch", "mediod")):
        return "12:00"
    half = said.endswith("y media")
    said = re.sub(r"^(las|la)\s+", "", said.removesuffix("y media").strip())
    match = re.match(r"(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?$", said)
    if match is not None:
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        meridian = (match.group(3) or "").replace(".", "")
    elif said in _WORD_HOURS:
        hour, minute, meridian = _WORD_HOURS[said], 0, ""
    else:
        return None
    if half:
        minute = 30
    if meridian == "pm" and hour < 12:
        hour += 12
    elif not meridian and 1 <= hour <= 7:
        hour += 12
    if not 0 <= hour <= 23 or not 0 <= minute <= 59:
        return None
    return f"{hour:02d}:{minute:02d}"


def _part(word: str) -> str:
    word = word.lower()
    if "morning" in word or "mañana" in word:
        return "morning"
    if "afternoon" in word or "tarde" in word:
        return "afternoon"
    return "evening"


def read(text: str) -> Limits | None:
    """The standing limit on times that ``text`` states, if it states one."""
    if (match := _NOT_BEFORE.search(text)) is not None:
        earliest = _clock(next(g for g in match.groups() if g))
        if earliest is not None:
            return Limits(earliest, None, match.start(), match.end())
    if (match := _NOT_AFTER.search(text)) is not None:
        latest = _clock(next(g for g in match.groups() if g))
        if latest is not None:
            return Limits(None, latest, match.start(), match.end())
    if (match := _ONLY_PART.search(text)) is not None:
        part = next(g for g in match.groups() if g)
        earliest, latest = _PARTS[_part(part)]
        return Limits(earliest, latest, match.start(), match.end())
    return None


def outside(mentions: tuple[TimeMention, ...], limits: Limits) -> tuple[TimeMention, ...]:
    """The mentions the limit's own words do not cover ("this week" in "this week, but
    only afternoons"; not "afternoons", nor the "before noon" of "nothing before noon")."""
    return tuple(m for m in mentions if m.end <= limits.start or m.start >= limits.end)


def allows(limits: dict[str, str | None], clock: str) -> bool:
    """Whether a start at ``clock`` ("HH:MM") keeps to the limits (the end is the slot
    search's to check)."""
    earliest, latest = limits.get("earliest"), limits.get("latest")
    return (earliest is None or clock >= earliest) and (latest is None or clock < latest)
