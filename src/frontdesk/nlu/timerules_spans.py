"""Spans callers name around a week or a holiday: "later this week", "más tarde esta
semana", "a finales de semana", "fin de mes", "Labor Day weekend", "el puente de mayo".

Each is one window of whole days; what a window means at a front desk (the days it is
open) is the availability search's to work out.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from frontdesk.nlu.timecalc import Period, add, at, period_of, truncate
from frontdesk.nlu.timegrammar import Cand, Parser
from frontdesk.nlu.timerules_date import holidays
from frontdesk.nlu.timerules_period import targets
from frontdesk.nlu.timespec import Spec

_ES_UNIT_AFTER_DE = {"semana": "week", "mes": "month", "ano": "year"}
# Spain's fixed national holidays that a "puente" (long weekend) is named after.
_PUENTES = {
    "enero": ((1, 1), (1, 6)),
    "reyes": ((1, 6),),
    "mayo": ((5, 1),),
    "agosto": ((8, 15),),
    "octubre": ((10, 12),),
    "pilar": ((10, 12),),
    "noviembre": ((11, 1),),
    "todos": ((11, 1),),
    "diciembre": ((12, 6), (12, 8)),
    "constitucion": ((12, 6), (12, 8)),
    "inmaculada": ((12, 6), (12, 8)),
}


def week_edges(p: Parser, i: int) -> list[Cand]:
    """ "later in the week", "más tarde esta semana", "a finales de (esta) semana", "a
    finales de mes", "fin de mes", "a principios de mes"."""
    word = p.w(i)
    if word == "later":
        end = p.phrase(i, "later in the week|month")
        if end > 0:
            return _later(p, period_of(p.now, "week" if p.w(end - 1) == "week" else "month"), end)
        return []
    if p.lex.lang != "es":
        return []
    j = p.skip(i, ("a", "hacia", "para"))
    if p.phrase(j, "mas tarde") > 0:
        return [cand for base, stop in _es_targets(p, j + 2) for cand in _later(p, base, stop)]
    edge = {"finales": "end", "fin": "end", "final": "end", "principios": "begin",
            "principio": "begin", "inicios": "begin"}.get(p.w(j))  # fmt: skip
    if edge is None or p.w(j + 1) not in ("de", "del"):
        return []
    j += 1 if p.w(j + 1) == "del" else 2
    if p.w(j) == "semana" and edge == "end" and p.w(j - 1) == "de" and p.w(j - 2) == "fin":
        return []  # "fin de semana" is the weekend
    return [cand for base, stop in _es_targets(p, j) for cand in _edge(p, base, stop, edge)]


def _es_targets(p: Parser, k: int) -> list[tuple[Period, int]]:
    """ "semana", "mes", "esta semana", "este mes", "marzo", "la semana que viene"."""
    unit = _ES_UNIT_AFTER_DE.get(p.w(k))
    if unit is not None and p.phrase(k + 1, "que viene") < 0:
        return [(period_of(p.now, unit), k + 1)]
    return targets(p, k)


def _later(p: Parser, base: Period, stop: int) -> list[Cand]:
    """From tomorrow to the end of ``base``."""
    assert base.end is not None
    start = add(truncate(p.now, "day"), "day", 1)
    if start >= base.end:
        return []
    return [(Spec(anchor=Period(start, base.end, "day", interval=True), latent=False), stop)]


def _edge(p: Parser, base: Period, stop: int, edge: str) -> list[Cand]:
    """The first or last stretch of ``base``: Monday to Wednesday or Friday to Sunday of a
    week (as "end of the week" reads in English), the first or last ten days of a month."""
    assert base.start is not None and base.end is not None
    if base.grain == "week":
        start = base.start if edge == "begin" else add(base.start, "day", 4)
        end = add(start, "day", 3)
    elif base.grain == "month":
        start = base.start if edge == "begin" else add(base.start, "day", 20)
        end = add(base.start, "day", 10) if edge == "begin" else base.end
    else:
        return []
    return [(Spec(anchor=Period(start, end, "day", interval=True), latent=False), stop)]


def holiday_weekends(p: Parser, i: int) -> list[Cand]:
    """ "Labor Day weekend", "Memorial Day weekend", "el puente de mayo": the long weekend
    the holiday makes, Saturday to Monday for a Monday holiday, Friday to Sunday for a
    Friday one, bridged over a Tuesday or Thursday."""
    out: list[Cand] = []
    if p.lex.lang == "es":
        j = p.skip(i, ("el",))
        if p.w(j) != "puente" or p.w(j + 1) not in ("de", "del"):
            return out
        k = p.skip(j + 2, ("la", "los", "san", "dia", "de"))
        days = _PUENTES.get(p.w(k))
        if days is None:
            return out
        year = _upcoming_year(p.now, days[-1])
        spans = [long_weekend(date(year, m, d)) for m, d in days]
        start, end = min(s for s, _ in spans), max(e for _, e in spans)
        tz = p.now.tzinfo
        period = Period(at(start, tz), at(end, tz), "day", interval=True)
        return [(Spec(anchor=period, latent=False), k + 1)]
    for spec, k in holidays(p, i):
        if p.w(k) != "weekend":
            continue
        holiday = p.resolve(spec)
        if holiday is None or holiday.start is None:
            continue
        first, after = long_weekend(holiday.start.date())
        tz = p.now.tzinfo
        out.append((Spec(anchor=Period(at(first, tz), at(after, tz), "day", True), latent=False),
                    k + 1))
    return out


def _upcoming_year(now: datetime, month_day: tuple[int, int]) -> int:
    month, day = month_day
    return now.year if (now.month, now.day) <= (month, day) else now.year + 1


def long_weekend(day: date) -> tuple[date, date]:
    """[first day, day after the last) of the days off around a holiday."""
    weekday = day.weekday()
    if weekday in (0, 1):  # Monday, Tuesday (bridged over Monday): from the Saturday
        return day - timedelta(days=weekday + 2), day + timedelta(days=1)
    if weekday in (3, 4):  # Thursday (bridged over Friday), Friday: to the Sunday
        return day, day + timedelta(days=7 - weekday)
    saturday = day - timedelta(days=(weekday - 5) % 7)  # Wednesday, or a weekend
    return (day, day + timedelta(days=1)) if weekday == 2 else (saturday, saturday + timedelta(2))
