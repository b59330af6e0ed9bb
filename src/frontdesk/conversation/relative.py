"""Times said relative to the appointment being moved, not to today.

"The same slot the week after", "two days later than that", "push it an hour later",
"el mismo día pero de la semana siguiente", "adelantar media hora": a receptionist
counts these from the booking on the table. The time grammar counts every relative
expression from now ("two days later" = Wednesday), which is right for a new booking
and wrong here, so a reschedule reads them with these rules first.

A shift is kept as JSON in the dialogue state (``{"days": 2, "minutes": 0}``) because the
caller may say it before the agent knows which appointment it is about (a chat caller
who still has to prove their number); it is applied once the appointment is known.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from frontdesk.conversation.context import TurnContext
from frontdesk.conversation.when import SAME_TIME

Shift = dict[str, int]

_AMOUNTS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "un": 1, "una": 1, "uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6,
    "couple of": 2, "a couple of": 2, "par de": 2, "un par de": 2,
    "fifteen": 15, "twenty": 20, "thirty": 30, "forty five": 45, "forty-five": 45,
    "quince": 15, "veinte": 20, "treinta": 30, "cuarenta y cinco": 45,
}
_AMOUNT = r"(\d{1,2}|a couple of|couple of|un par de|par de|[a-z]+(?:[ -]five)?)"
_UNIT = (
    r"(minutes?|mins?|hours?|hrs?|days?|weeks?|minutos?|horas?|d[ií]as?|semanas?)"
)
_HALF_HOUR = re.compile(r"\b(half an hour|half hour|media hora|30 min\w*)\b", re.IGNORECASE)
_LATER = r"(later|after|afterwards|more|m[aá]s tarde|despu[eé]s|luego)"
_EARLIER = r"(earlier|before|sooner|antes|m[aá]s temprano|m[aá]s pronto)"

# "two days later (than that)", "an hour earlier", "dos días después", "una hora antes".
_AMOUNT_THEN_WAY = re.compile(
    rf"\b{_AMOUNT}\s+{_UNIT}\s+(?:(?:or so|m[aá]s o menos)\s+)?({_LATER[1:-1]}|{_EARLIER[1:-1]})\b",
    re.IGNORECASE,
)
# "push it back an hour", "bring it forward a day", "move it up 30 minutes",
# "adelantar media hora", "atrasar un día", "retrasarla una hora".
_VERB_THEN_AMOUNT = re.compile(
    r"\b(push(?:\w*)?(?:\s+(?:it|that|this|my \w+|the \w+))?\s+back|"
    r"bring(?:\s+(?:it|that|my \w+|the \w+))?\s+forward|move(?:\s+(?:it|that|my \w+))?\s+up|"
    r"adelant\w*|atras\w*|retras\w*|recorr\w*)"
    rf"(?:\s+(?:it|that|this|my|the|mi|la|el|lo|\w+a|\w+o)){{0,2}}\s+(?:by\s+)?"
    rf"{_AMOUNT}\s+{_UNIT}\b",
    re.IGNORECASE,
)
_EARLIER_VERB = re.compile(r"^(bring|move|adelant|recorr)", re.IGNORECASE)
# "the week after", "the following week", "a week later", "de la semana siguiente",
# "a la semana siguiente", "la semana después": the same weekday and time a week on.
_WEEK_ON = re.compile(
    r"\b(the week after|the following week|a week later|one week later|a week after|"
    r"(?:same (?:time|slot|day)(?: and time)?,?\s+)next week|next week,? same (?:time|slot|day)|"
    r"semana siguiente|siguiente semana|semana (?:de )?despu[eé]s|una semana m[aá]s tarde)\b",
    re.IGNORECASE,
)
# "the day after", "the next day", "al día siguiente", "el día después": a day on.
_DAY_AFTER = re.compile(
    r"\b(the day after(?! tomorrow)|the next day|the following day|d[ií]a siguiente|"
    r"d[ií]a despu[eé]s)\b",
    re.IGNORECASE,
)
_DAY_BEFORE = re.compile(r"\b(the day before|d[ií]a anterior|d[ií]a antes)\b", re.IGNORECASE)


def _amount(word: str) -> int | None:
    word = word.lower().strip()
    if word.isdigit():
        return int(word)
    return _AMOUNTS.get(word)


def _minutes(amount: int, unit: str) -> Shift:
    unit = unit.lower()
    if unit.startswith(("min",)):
        return {"days": 0, "minutes": amount}
    if unit.startswith(("h",)):
        return {"days": 0, "minutes": 60 * amount}
    if unit.startswith(("w", "sem")):
        return {"days": 7 * amount, "minutes": 0}
    return {"days": amount, "minutes": 0}


def _signed(shift: Shift, sign: int) -> Shift:
    return {"days": sign * shift["days"], "minutes": sign * shift["minutes"]}


def read(text: str) -> Shift | None:
    """The shift from the appointment being moved that ``text`` asks for, if any."""
    if _WEEK_ON.search(text):
        return {"days": 7, "minutes": 0}
    if (match := _VERB_THEN_AMOUNT.search(text)) is not None:
        amount = _amount(match.group(2))
        if amount is not None:
            sign = -1 if _EARLIER_VERB.match(match.group(1)) else 1
            return _signed(_minutes(amount, match.group(3)), sign)
    if (match := _AMOUNT_THEN_WAY.search(text)) is not None:
        amount = _amount(match.group(1))
        if amount is not None:
            sign = -1 if re.fullmatch(_EARLIER, match.group(3), re.IGNORECASE) else 1
            return _signed(_minutes(amount, match.group(2)), sign)
    if (match := _HALF_HOUR.search(text)) is not None:
        after = text[match.end() : match.end() + 25]
        before = text[max(0, match.start() - 40) : match.start()]
        if re.match(rf"\s+{_LATER}\b", after, re.IGNORECASE) or re.search(
            r"(back|atras\w*|retras\w*)\W+(?:\w+\W+){0,2}$", before, re.IGNORECASE
        ):
            return {"days": 0, "minutes": 30}
        if re.match(rf"\s+{_EARLIER}\b", after, re.IGNORECASE) or re.search(
            r"(forward|up|adelant\w*)\W+(?:\w+\W+){0,2}$", before, re.IGNORECASE
        ):
            return {"days": 0, "minutes": -30}
    if _DAY_AFTER.search(text):
        return {"days": 1, "minutes": 0}
    if _DAY_BEFORE.search(text):
        return {"days": -1, "minutes": 0}
    return None


def apply(shift: Shift, start_iso: str, ctx: TurnContext) -> dict[str, Any]:
    """The serialised TimeMention for the booking at ``start_iso`` moved by ``shift``:
    an exact time (the booking's clock, moved by the minutes)."""
    start = datetime.fromisoformat(start_iso).astimezone(ctx.tz)
    day = start.date() + timedelta(days=shift["days"])
    value = datetime.combine(day, start.time(), tzinfo=ctx.tz) + timedelta(
        minutes=shift["minutes"]
    )
    return {"kind": "instant", "value": value.isoformat(), "grain": "minute", "text": None}


def keeps_booking_clock(text: str) -> bool:
    """'Same time', 'misma hora': the clock of the booking being moved."""
    return bool(SAME_TIME.search(text))
