"""Rules that count inside a period: "the first Monday of October", "last week of September
2014", "the 5th last day of May", "third quarter", "2018Q4", "the week of October 7th".
"""

from __future__ import annotations

from datetime import date, timedelta

from frontdesk.nlu.timecalc import Period, add, at, period_of, truncate
from frontdesk.nlu.timegrammar import Cand, Parser
from frontdesk.nlu.timerules_date import fixed_day
from frontdesk.nlu.timerules_period import targets, unit_word
from frontdesk.nlu.timespec import Spec


def _ordinal_word(p: Parser, j: int) -> tuple[int, int] | None:
    if p.w(j) == "last":
        return -1, j + 1
    got = p.ordinal(j)
    if got is None and p.num(j) is not None and p.w(j + 1) in ("st", "nd", "rd", "th"):
        got = (p.num(j) or 0, j + 2, False)
    if got is None or got[0] < 1:
        return None
    if p.w(got[1]) == "last":
        return -got[0], got[1] + 1
    return got[0], got[1]


def ordinal_of(p: Parser, i: int) -> list[Cand]:
    """ "the first Monday of October", "last week of September 2014", "third day of october"."""
    out: list[Cand] = []
    j = i + 1 if p.w(i) == "the" else i
    got = _ordinal_word(p, j)
    if got is None:
        return out
    nth, k = got
    what = p.w(k)
    unit = unit_word(p, k)
    if what in p.lex.weekdays:
        kind, k = "weekday", k + 1
    elif unit is not None and unit[0] in ("week", "weekend"):
        kind, k = unit[0], unit[1]
    elif what == "day":
        kind, k = "day", k + 1
    elif unit is not None and unit[0] == "quarter":
        return _quarter(p, nth, unit[1])
    else:
        return out
    if p.w(k) == "after" and kind == "weekday" and nth > 0:
        for base, end in targets(p, k + 1):
            assert base.start is not None
            first = base.start.date() + timedelta(days=1)
            wd = p.lex.weekdays[what]
            day = first + timedelta(days=(wd - first.weekday()) % 7 + 7 * (nth - 1))
            out.append((fixed_day(p, (day - p.now.date()).days), end))
        return out
    if p.w(k) not in ("of", "in"):
        return out
    for base, end in targets(p, k + 1):
        spec = _nth_in(p, kind, nth, base, p.lex.weekdays.get(what))
        if spec is not None:
            out.append((spec, end))
    return out


def _nth_in(p: Parser, kind: str, nth: int, base: Period, weekday: int | None) -> Spec | None:
    assert base.start is not None and base.end is not None
    if kind == "weekday":
        return Spec(weekday=weekday, ordinal=nth, anchor=base, latent=False)
    first, stop = base.start.date(), base.end.date()
    tz = p.now.tzinfo
    if kind == "day":
        days = [first + timedelta(days=k) for k in range((stop - first).days)]
    elif kind == "week":  # weeks wholly inside the period
        monday = first + timedelta(days=(-first.weekday()) % 7)
        days = []
        while monday + timedelta(days=7) <= stop:
            days.append(monday)
            monday += timedelta(days=7)
    else:  # weekend: its Friday inside the period
        friday = first + timedelta(days=(4 - first.weekday()) % 7)
        days = []
        while friday < stop:
            days.append(friday)
            friday += timedelta(days=7)
    idx = nth - 1 if nth > 0 else nth
    if not -len(days) <= idx < len(days):
        return None
    pick = days[idx]
    if kind == "weekend":
        period = Period(at(pick, tz, 18), at(pick + timedelta(days=3), tz), "hour", interval=True)
    else:
        period = period_of(at(pick, tz), "week" if kind == "week" else "day")
    return Spec(anchor=period, latent=False)


def _quarter(p: Parser, nth: int, k: int) -> list[Cand]:
    if not 1 <= nth <= 4:
        return []
    year = p.now.year
    out: list[Cand] = []
    spec = _quarter_spec(p, year, nth)
    out.append((spec, k))
    j = k + 1 if p.w(k) == "of" else k
    v = p.num(j)
    if v is not None and len(p.t[j].raw) == 4:
        out.append((_quarter_spec(p, v, nth), j + 1))
    return out


def _quarter_spec(p: Parser, year: int, nth: int) -> Spec:
    start = at(date(year, 3 * nth - 2, 1), p.now.tzinfo)
    return Spec(anchor=Period(start, add(start, "quarter", 1), "quarter"), latent=False)


def quarter_codes(p: Parser, i: int) -> list[Cand]:
    """ "2018Q4", "18q4"."""
    v = p.num(i)
    if v is None or p.w(i + 1) != "q" or not p.glued(i + 1) or not p.glued(i + 2):
        return []
    q = p.num(i + 2)
    if q is None or not 1 <= q <= 4:
        return []
    year = v if len(p.t[i].raw) == 4 else 2000 + v
    return [(_quarter_spec(p, year, q), i + 3)]


_WEEK_OF = (  # phrase, and whether the week starts on the date itself
    ("the week of", False),
    ("week of", False),
    ("la semana del", False),
    ("semana del", False),
    ("the week beginning", True),
    ("the week starting", True),
    ("the week commencing", True),
    ("week beginning", True),
    ("week starting", True),
    ("week commencing", True),
    ("la semana que empieza", True),
    ("la semana que comienza", True),
    ("la semana que arranca", True),
)


def week_of(p: Parser, i: int) -> list[Cand]:
    """ "the week of October 7th", "la semana del 16": the Monday-to-Sunday week that
    holds it (a Sunday names the week it opens, as a US calendar shows it); "the week
    beginning March 18", "la semana que empieza el 16": seven days from that date."""
    said = next(((p.phrase(i, phrase), start) for phrase, start in _WEEK_OF
                 if p.phrase(i, phrase) > 0), None)  # fmt: skip
    if said is None:
        return []
    end, from_date = p.skip(said[0], ("on", "el", "the")), said[1]
    out: list[Cand] = []
    bare = p.num(end)
    if p.lex.lang == "es" and bare is not None and 1 <= bare <= 31 and p.w(end + 1) != "de":
        # "la semana del 16": the next 16th (the grammar leaves a bare number alone)
        day = p.resolve(Spec(day=bare, latent=False))
        if day is not None:
            out.append(_week_from(p, day, end + 1, from_date))
    for base, stop in targets(p, end):
        out.append(_week_from(p, base, stop, from_date))
    return out


def _week_from(p: Parser, base: Period, stop: int, from_date: bool) -> Cand:
    assert base.start is not None
    if from_date:
        start = truncate(base.start, "day")
        return Spec(anchor=Period(start, add(start, "day", 7), "week"), latent=False), stop
    if base.start.weekday() == 6:
        return Spec(anchor=period_of(add(base.start, "day", 1), "week"), latent=False), stop
    return Spec(anchor=period_of(base.start, "week"), latent=False), stop
