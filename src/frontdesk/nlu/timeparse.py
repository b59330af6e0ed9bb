"""Find and resolve the dates and times in a caller's words, in English and Spanish.

>>> from datetime import datetime
>>> from zoneinfo import ZoneInfo
>>> now = datetime(2019, 3, 1, 9, 0, tzinfo=ZoneInfo("America/New_York"))
>>> [m.to_dict()["value"] for m in parse_time("tomorrow at 3pm", now=now)]
['2019-03-02T15:00:00-05:00']

Scanning goes left to right; at each word that can start a time the grammar offers every
reading, and the longest one that resolves wins ("the 13th at 1 pm" is one mention, not
two). Conventions (next occurrence, parts of day, grains) follow Duckling's; see
``timespec`` and docs/NLU-TIME.md.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache

from frontdesk.nlu import timelex_en, timelex_es
from frontdesk.nlu.timecalc import Period, as_grain, safe_date
from frontdesk.nlu.timegrammar import Parser, Rule
from frontdesk.nlu.timeinterval import intervals
from frontdesk.nlu.timelex import Lexicon
from frontdesk.nlu.timerules_clock import clock
from frontdesk.nlu.timerules_date import (
    day_of_month,
    holidays,
    month_dates,
    months,
    numeric_dates,
    weekdays,
    years,
)
from frontdesk.nlu.timerules_ordinal import ordinal_of, quarter_codes, week_of
from frontdesk.nlu.timerules_period import month_parts, parts_of_day, periods
from frontdesk.nlu.timerules_rel import (
    counted_periods,
    now_words,
    offset_from,
    offsets,
    relative_days,
    weekday_counts,
)
from frontdesk.nlu.timerules_spans import holiday_weekends, week_edges
from frontdesk.nlu.timespec import Prefs, Spec
from frontdesk.nlu.timetok import tokenize
from frontdesk.nlu.types import Lang, TimeMention

__all__ = ["guess_lang", "parse_time"]

LEXICONS: dict[str, Lexicon] = {"en": timelex_en.LEXICON, "es": timelex_es.LEXICON}

# Order matters only between readings of equal length: the first one wins.
RULES: tuple[Rule, ...] = (
    numeric_dates,
    month_dates,
    ordinal_of,
    week_of,
    holiday_weekends,
    week_edges,
    month_parts,
    day_of_month,
    holidays,
    weekdays,
    months,
    years,
    quarter_codes,
    relative_days,
    now_words,
    offsets,
    offset_from,
    weekday_counts,
    counted_periods,
    periods,
    parts_of_day,
    clock,
)

_GRAMMAR_WORDS = {
    "en": "the a an in within after before by since from between half quarter early mid late "
    "end beginning start eom bom eoy boy eod all rest later anytime sometime sometimes couple "
    "few several tonight tonite asap as right just until till til untill through thru for "
    "starting no prior pair fortnight three mid first week",
    "es": "el la las los a al de del desde entre hasta antes despues dentro hace en para dia "
    "fin cuanto mil anoche esta este por medio mas finales final principios principio inicios "
    "puente hacia semana",
}

_ES_HINTS = frozenset(
    "el la los las de del y por para que en con es una un mañana manana tarde noche hoy ayer "
    "semana mes año ano lunes martes miércoles miercoles jueves viernes sábado sabado domingo "
    "próximo proximo próxima proxima pasado pasada dentro hace quiero cita puedo hora horas "
    "gracias favor después despues antes hasta desde entre media cuarto menos mediodía "
    "mediodia medianoche fin viene quisiera necesito tengo sí dos tres cuatro cinco seis siete "
    "ocho nueve diez once doce enero febrero marzo abril mayo junio julio agosto septiembre "
    "octubre noviembre diciembre ahora buenos buenas días dias".split()
)
_EN_HINTS = frozenset(
    "the at on in and tomorrow today tonight next morning afternoon evening night week "
    "month year i you can could would like please book appointment to for of is it my what "
    "when yes thanks thank after before noon half past quarter this last from until between "
    "monday tuesday wednesday thursday friday saturday sunday january february march april "
    "june july august september october november december two three four five six seven eight "
    "nine ten eleven twelve o'clock oclock weekend days hours minutes ago need want".split()
)
_WORD = re.compile(r"[^\W\d_]+")


def guess_lang(text: str) -> Lang:
    """ "es" when the words look more Spanish than English, else "en"."""
    words = _WORD.findall(text.lower())
    es = sum(w in _ES_HINTS for w in words)
    en = sum(w in _EN_HINTS for w in words)
    if any(c in text for c in "ñ¿¡"):
        es += 2
    return "es" if es > en else "en"


@cache
def _start_words(lang: str) -> frozenset[str]:
    lex = LEXICONS[lang]
    words: set[str] = set(_GRAMMAR_WORDS[lang].split())
    for table in (
        lex.weekdays, lex.months, lex.numbers, lex.ordinals, lex.pods, lex.rel_days,
        lex.seasons, lex.units,
    ):  # fmt: skip
        words.update(table)
    for group in (lex.next_words, lex.last_words, lex.this_words, lex.noon, lex.midnight):
        words.update(group)
    words.update(lex.now_words)
    for phrase in lex.holidays:
        words.add(phrase.split()[0])
    for group in lex.extra.values():
        words.update(group)
    words.discard(",")
    return frozenset(words)


def parse_time(
    text: str,
    *,
    now: datetime,
    lang: str | None = None,
    prefer_future: bool = True,
    business_hours: bool = False,
) -> list[TimeMention]:
    """The time mentions in ``text``, resolved against ``now`` and in now's zone.

    ``now`` must be timezone-aware. ``lang`` is "en" or "es" (None: guessed from the
    words). ``prefer_future`` (Duckling's reading): an expression means its next
    occurrence - "Monday" said on a Tuesday is six days ahead, "at 3" said at 10:00 is
    15:00 today and said at 16:00 is 03:00 tomorrow; False reads it inside the current
    period (this week's Monday, today's 3 o'clock). ``business_hours``: an hour said
    without am/pm or part of day means one between 7:00 and 18:59 ("tomorrow at 3" is
    15:00, not Duckling's 03:00) - what callers booking appointments mean.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    language = lang if lang is not None else guess_lang(text)
    if language not in LEXICONS:
        raise ValueError(f"unsupported language: {language!r}")
    tokens = tokenize(text)
    prefs = Prefs(prefer_future=prefer_future, business_hours=business_hours)
    parser = Parser(tokens, LEXICONS[language], now, prefs, RULES, _start_words(language))
    found: list[TimeMention] = []
    i = 0
    while i < parser.n:
        if not parser.can_start(i):
            i += 1
            continue
        try:
            best = _best(parser, i)
        except (OverflowError, ValueError):
            best = None  # it would fall outside years 1-9999, which datetime cannot hold
        if best is None:
            i += 1
            continue
        period, end = best
        if period is not None:
            first, last = tokens[i], tokens[end - 1]
            found.append(_mention(text, first.start, last.end, period))
        i = end
    return found


def _best(p: Parser, i: int) -> tuple[Period | None, int] | None:
    """The longest reading at i; (None, end) for an impossible date to skip as a whole."""
    best: tuple[Period | None, int] | None = None
    for period, end in intervals(p, i):
        if best is None or end > best[1]:
            best = (period, end)
    points = sorted(p.points(i), key=lambda c: -c[1])
    for spec, end in points:
        if best is not None and end < best[1]:
            break  # an equally long point beats a range: "15 to noon" is 11:45
        if spec.latent:
            continue
        if _impossible(spec):
            # "February 30th at 3": no date, and no "30th at 3" from its leftovers either
            return None, end
        resolved = p.resolve(spec)
        if resolved is not None:
            return resolved, end
    return best


def _impossible(spec: Spec) -> bool:
    if spec.month is None or spec.day is None:
        return False
    return safe_date(spec.year or 2000, spec.month, spec.day) is None  # 2000 has a Feb 29


def _mention(text: str, start: int, end: int, period: Period) -> TimeMention:
    grain = as_grain(period.grain)
    if period.interval or period.grain == "quarter":
        return TimeMention(
            text=text[start:end],
            start=start,
            end=end,
            kind="interval",
            grain=grain,
            start_at=period.start,
            end_at=period.end,
        )
    return TimeMention(
        text=text[start:end], start=start, end=end, kind="instant", grain=grain, value=period.start
    )
