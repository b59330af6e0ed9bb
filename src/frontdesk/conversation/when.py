"""From the time mentions in one caller turn to the one constraint the caller meant.

The parser finds every date/time expression; a caller's sentence often holds two
("this Thursday, sometime between 2 and 4"), a correction holds only the part that
changed ("no, 4 pm"), and a reschedule holds the old and the new day ("del martes para
el jueves a la misma hora"). These rules combine them the way a receptionist would.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any

from frontdesk.conversation.context import TurnContext
from frontdesk.conversation.speech import say_clock
from frontdesk.nlu.timewindows import candidate_windows, is_list
from frontdesk.nlu.types import TimeMention

Mention = dict[str, Any]

DAY_WORDS = re.compile(
    r"\b(today|tomorrow|tonight|mon|tues?|wed|thu(rs)?|fri|sat|sun|\w+day|week|weekend|"
    r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|\w+ber|january|february|march|april|"
    r"june|july|august|hoy|pasado|lunes|martes|mi[eé]rcoles|jueves|viernes|s[aá]bado|domingo|"
    r"semana|enero|febrero|marzo|abril|mayo|junio|julio|agosto|\d+(st|nd|rd|th)|el \d+)\b"
    r"|\bmañana\b(?<!la mañana)|\d+/\d+",
    re.IGNORECASE,
)
_AM_WORDS = re.compile(r"\b(am|a\.m\.|morning|mañana|madrugada)\b", re.IGNORECASE)
SAME_TIME = re.compile(r"\b(same time|misma hora|mismo horario|same hour)\b", re.IGNORECASE)
_BARE_NUMBER = re.compile(
    r"\b(1[0-2]|[1-9]|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"una|uno|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|once|doce)\b",
    re.IGNORECASE,
)
_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "una": 1,
    "uno": 1,
    "dos": 2,
    "tres": 3,
    "cuatro": 4,
    "cinco": 5,
    "seis": 6,
    "siete": 7,
    "ocho": 8,
    "nueve": 9,
    "diez": 10,
    "once": 11,
    "doce": 12,
}


def has_day(text: str | None) -> bool:
    return bool(DAY_WORDS.search(text or ""))


def bare_hour(text: str) -> int | None:
    """The first bare clock number in a turn ("6 works", "can we do 4 instead of 3"),
    read as business hours (1-7 -> afternoon)."""
    match = _BARE_NUMBER.search(text)
    if match is None:
        return None
    word = match.group(1).lower()
    hour = _NUMBER_WORDS.get(word) or int(word)
    return hour + 12 if 1 <= hour <= 7 else hour


_PAST = re.compile(r"^(since|desde hace|hace)\b|\bago\b", re.IGNORECASE)


def _span_days(mention: TimeMention) -> float:
    if mention.kind != "interval" or mention.start_at is None or mention.end_at is None:
        return 0.0
    return (mention.end_at - mention.start_at).total_seconds() / 86400


def primary(times: tuple[TimeMention, ...], *, rescheduling: bool) -> TimeMention:
    """The mention that carries the caller's request: the longest, or when moving an
    appointment ("from Tuesday to Thursday") the last one. Mentions of the past ("my
    back hurts since Saturday") are not requests."""
    times = tuple(m for m in times if not _PAST.search(m.text)) or times
    if rescheduling and len(times) > 1:
        return max(times, key=lambda m: m.start)
    # A mention that names a day outranks a longer one that does not ("Morning. Could I
    # come in first thing Monday?"): ``combine`` then puts the part of day on that day.
    return max(times, key=lambda m: (m.end - m.start + (10 if has_day(m.text) else 0), -m.start))


def combine(times: tuple[TimeMention, ...], chosen: TimeMention, ctx: TurnContext) -> Mention:
    """Put a day said elsewhere in the turn onto a clock-only mention, and the other way
    round: "this Thursday, between 2 and 4" is Thursday 14:00-16:00."""
    mention = chosen.to_dict()
    if chosen.kind == "instant" and chosen.grain == "day" and chosen.value is not None:
        day = chosen.value.date()
        # "el finde ... me da igual sábado que domingo": the span they asked for holds it.
        span = next(
            (
                m
                for m in times
                if m is not chosen
                and _span_days(m) > 1
                and m.start_at is not None
                and m.end_at is not None
                and m.start_at.date() <= day < m.end_at.date()
            ),
            None,
        )
        if span is not None:
            return span.to_dict()
    if has_day(chosen.text):
        clock = next(
            (
                m
                for m in times
                if m is not chosen
                and not has_day(m.text)
                and m.grain in ("hour", "minute")
                and _span_days(m) <= 1
            ),
            None,
        )
        if clock is not None and mention.get("kind") == "instant" and chosen.grain == "day":
            return move_to_day(clock.to_dict(), _date_of(mention, ctx), ctx)
        return mention
    other = next(
        (
            m
            for m in times
            if m is not chosen and has_day(m.text) and m.kind == "instant" and m.grain == "day"
        ),
        None,
    )
    if other is None:
        return mention
    return move_to_day(mention, _date_of(other.to_dict(), ctx), ctx)


def alternatives(
    text: str, times: tuple[TimeMention, ...], mention: Mention, ctx: TurnContext, lang: str
) -> Mention:
    """ "Monday or Wednesday", "jueves o viernes", "Tuesday or Thursday afternoon": every
    day offered, not the longest one said. The mention then spans them all and carries
    its ``windows``, which the search walks in order."""
    if not is_list(text, times):
        return mention
    windows = candidate_windows(text, now=ctx.now, mentions=times, lang=lang)
    if len(windows) < 2:
        return mention
    return {
        "kind": "interval",
        "grain": "day",
        "from": windows[0][0].isoformat(),
        "to": max(end for _, end in windows).isoformat(),
        "text": text[min(m.start for m in times) : max(m.end for m in times)],
        "windows": [[start.isoformat(), end.isoformat()] for start, end in windows],
    }


_WEEKEND = re.compile(r"\b(weekend|finde|fin de semana)\b", re.IGNORECASE)


def weekend_days(mention: Mention, ctx: TurnContext) -> Mention:
    """A weekend is Saturday and Sunday at a front desk (Duckling starts it Friday 18:00)."""
    if mention.get("kind") != "interval" or not _WEEKEND.search(mention.get("text") or ""):
        return mention
    start = datetime.fromisoformat(mention["from"]).astimezone(ctx.tz)
    if start.weekday() == 4:  # Friday evening -> Saturday morning
        saturday = datetime.combine(start.date() + timedelta(days=1), time(0), tzinfo=ctx.tz)
        return {**mention, "from": saturday.isoformat()}
    return mention


def business_hour(mention: Mention, ctx: TurnContext) -> Mention:
    """'Friday at 4' is 4 PM at a front desk: a bare hour from 1 to 7 with no am/pm word
    means the afternoon."""
    if mention.get("kind") != "instant" or mention.get("grain") not in ("hour", "minute"):
        return mention
    value = datetime.fromisoformat(mention["value"]).astimezone(ctx.tz)
    if not 1 <= value.hour <= 7 or _AM_WORDS.search(mention.get("text") or ""):
        return mention
    return {**mention, "value": value.replace(hour=value.hour + 12).isoformat()}


def keep_clock(new: Mention, old: Mention | None, ctx: TurnContext, lang: str) -> Mention:
    """'tomorrow at 3' then 'actually make it Thursday' means Thursday at 3."""
    if (
        old is None
        or old.get("kind") != "instant"
        or old.get("grain") not in ("hour", "minute")
        or new.get("kind") != "instant"
        or new.get("grain") != "day"
    ):
        return new
    clock = datetime.fromisoformat(old["value"]).astimezone(ctx.tz)
    merged = at_clock(new, clock.time(), ctx)
    return {
        **merged,
        "grain": old["grain"],
        "text": f"{new.get('text')} {'' if lang == 'es' else 'at '}{say_clock(clock, lang)}",
    }


def keep_day(new: Mention, old: Mention | None, ctx: TurnContext) -> Mention:
    """'Tuesday at 2' then 'no, I meant 4 pm' means Tuesday at 4: a clock-only answer
    keeps the day the caller already gave."""
    if old is None or new.get("kind") != "instant" or new.get("grain") not in ("hour", "minute"):
        return new
    if has_day(new.get("text")):
        return new
    anchor = old.get("value") if old.get("kind") == "instant" else old.get("from")
    if not anchor:
        return new
    return move_to_day(new, datetime.fromisoformat(anchor).astimezone(ctx.tz), ctx)


def at_clock(day_mention: Mention, clock: time, ctx: TurnContext) -> Mention:
    """A day mention turned into that day at ``clock`` (minute grain)."""
    day = _date_of(day_mention, ctx)
    value = datetime.combine(day.date(), clock, tzinfo=ctx.tz)
    return {**day_mention, "kind": "instant", "value": value.isoformat(), "grain": "minute"}


def move_to_day(mention: Mention, day: datetime, ctx: TurnContext) -> Mention:
    """The same wall-clock time(s) on another day."""

    def shift(iso: str | None, *, end: bool = False) -> str | None:
        if not iso:
            return iso
        value = datetime.fromisoformat(iso).astimezone(ctx.tz)
        moved = datetime.combine(day.date(), value.time(), tzinfo=ctx.tz)
        if end and value.time() == time(0):  # an interval ending at midnight ends next day
            moved += timedelta(days=1)
        return moved.isoformat()

    if mention.get("kind") == "interval":
        return {
            **mention,
            "from": shift(mention.get("from")),
            "to": shift(mention.get("to"), end=True),
        }
    return {**mention, "value": shift(mention.get("value"))}


def _date_of(mention: Mention, ctx: TurnContext) -> datetime:
    iso = mention.get("value") if mention.get("kind") == "instant" else mention.get("from")
    return datetime.fromisoformat(iso).astimezone(ctx.tz) if iso else ctx.now
