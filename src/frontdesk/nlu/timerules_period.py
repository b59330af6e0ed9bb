"""Rules for parts of days and calendar periods: "this afternoon", "por la mañana",
"this weekend", "la semana que viene", "next quarter", "end of the month", "early March",
"the first Monday of October", "last week of September".
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from frontdesk.nlu.timecalc import Period, add, add_months, at, period_of, truncate
from frontdesk.nlu.timegrammar import Cand, Parser
from frontdesk.nlu.timerules_date import fixed_day
from frontdesk.nlu.timespec import Spec

_GREETING = frozenset({"good", "buenos", "buenas", "buen"})
_SPECIAL_PODS = {  # (start, end, pm)
    "after lunch": (13, 17, True),
    "after school": (15, 21, True),
    "after work": (17, 21, True),
    "early morning": (0, 9, False),
    "early in the morning": (0, 9, False),
    "in the early hours of the morning": (0, 9, False),
    "late night": (21, 24, True),
    "late at night": (21, 24, True),
    "late in the evening": (21, 24, True),
    # the first and last hours a business is open: offers come in order from the start
    # of the window, so "early" is the morning and "late" starts mid-afternoon
    "early in the day": (0, 12, False),
    "first thing": (0, 12, False),
    "first thing in the morning": (0, 12, False),
    "late in the day": (15, 24, True),
    "later in the day": (15, 24, True),
    "at the end of the day": (15, 24, True),
    "a primera hora": (0, 12, False),
    "a primera hora de la manana": (0, 12, False),
    "a primera hora del dia": (0, 12, False),
    "a primera hora de la tarde": (15, 17, True),
    "a ultima hora": (15, 24, True),
    "a ultima hora del dia": (15, 24, True),
    "a ultima hora de la tarde": (17, 21, True),
    "a ultima hora de la manana": (10, 12, False),
}
_SPECIAL_FIRST = frozenset(phrase.split()[0] for phrase in _SPECIAL_PODS)
_ES_UNITS = {"semana": "week", "mes": "month", "ano": "year", "trimestre": "quarter"}


def _pod_spec(p: Parser, word: str) -> Spec | None:
    pod = p.lex.pods.get(word)
    if pod is None:
        return None
    return Spec(pod=(pod.start, pod.end), pod_pm=pod.pm, latent=False)


_POD_FIRST = frozenset(
    "after early in late tonight tonite last anoche esta this today the during at por de en la "
    "a del of first".split()
)


_ANY_PART = frozenset({"cualquier", "una", "cada", "toda", "alguna"})  # "cualquier mañana"


def parts_of_day(p: Parser, i: int) -> list[Cand]:
    word = p.w(i)
    out: list[Cand] = []
    if word not in _POD_FIRST and word not in p.lex.pods:
        return out
    if word in _SPECIAL_FIRST:
        for phrase, (lo, hi, pm) in _SPECIAL_PODS.items():
            end = p.phrase(i, phrase)
            if end > 0:
                out.append((Spec(pod=(lo, hi), pod_pm=pm, latent=False), end))
    evening = Spec(pod=(18, 24), pod_pm=True, latent=False)
    late = Spec(pod=(21, 24), pod_pm=True, latent=False)
    for phrase, days, spec in (
        ("tonight", 0, evening), ("tonite", 0, evening), ("last night", -1, evening),
        ("late tonight", 0, late), ("late tonite", 0, late), ("late last night", -1, late),
        ("anoche", -1, evening), ("esta noche", 0, evening),
    ):  # fmt: skip
        if word not in ("tonight", "tonite", "last", "late", "anoche", "esta"):
            break
        end = p.phrase(i, phrase)
        if end > 0:
            anchor = fixed_day(p, days).anchor
            out.append((Spec(pod=spec.pod, pod_pm=True, anchor=anchor, latent=False), end))
    if out:
        return out
    this = word in p.lex.this_words or word == "today"
    j = i + 1 if this else i
    j = p.skip(j, ("in", "the", "during", "at", "por", "de", "en", "la", "a", "del", "of"))
    if j - i > 3 or (j > i and p.w(j - 1) in ("de", "en", "a") and p.lex.lang == "es"):
        return out  # "de la mañana" needs its article: "de mañana" is not a part of day
    if p.w(j - 1 if j > i else i - 1) in _GREETING:
        return out
    found = _pod_spec(p, p.w(j))
    if found is None:
        return out
    if p.lex.lang == "es" and p.w(j) in ("manana", "mediodia") and j == i:
        if p.w(i - 1) not in _ANY_PART:
            return out  # "mañana" alone is tomorrow, "mediodía" alone noon
    if this:
        today = fixed_day(p, 0).anchor
        found = Spec(pod=found.pod, pod_pm=found.pod_pm, anchor=today, latent=False)
    out.append((found, j + 1))
    return out


def _weekend(p: Parser, n: int) -> Period:
    today = p.now.date()
    friday = today + timedelta(days=(4 - today.weekday()) % 7)
    if today.weekday() >= 5:  # on the weekend itself: this one
        friday = today - timedelta(days=today.weekday() - 4)
    friday += timedelta(weeks=n)
    tz = p.now.tzinfo
    return Period(at(friday, tz, 18), at(friday + timedelta(days=3), tz), "hour", interval=True)


def unit_word(p: Parser, j: int) -> tuple[str, int] | None:
    word = p.w(j)
    if word in ("weekend", "wkend", "weekends", "finde") or p.phrase(j, "week - end") > 0:
        return "weekend", j + (3 if p.w(j + 1) == "-" else 1)
    if p.phrase(j, "week end") > 0 or p.phrase(j, "fin de semana") > 0:
        return "weekend", j + (2 if word == "week" else 3)
    unit = p.lex.units.get(word)
    if unit in ("week", "month", "quarter", "year") and word not in ("h", "mo"):
        return unit, j + 1
    if word in p.lex.seasons:
        return "season:" + word, j + 1
    return None


def _period(p: Parser, unit: str, n: int) -> Spec | None:
    if unit == "weekend":
        return Spec(anchor=_weekend(p, n), latent=False)
    if unit.startswith("season:"):
        return _season(p, unit[7:], n)
    return Spec(anchor=period_of(p.now, unit, n), latent=False)


def _season(p: Parser, name: str, n: int) -> Spec | None:
    (m1, d1), (m2, d2) = p.lex.seasons[name]
    today = p.now.date()
    year = today.year
    start = date(year, m1, d1)
    if m2 < m1:  # winter straddles the new year
        if today < date(year, m2, d2):
            start = date(year - 1, m1, d1)
    elif today >= date(year, m2, d2):
        start = date(year + 1, m1, d1)
    start = start.replace(year=start.year + n)
    end = date(start.year + (1 if m2 < m1 else 0), m2, d2)
    tz = p.now.tzinfo
    return Spec(anchor=Period(at(start, tz), at(end, tz), "day", interval=True), latent=False)


def periods(p: Parser, i: int) -> list[Cand]:
    """ "this week", "next month", "last year", "this weekend", "la semana que viene"."""
    lex = p.lex
    out: list[Cand] = []
    for phrase in ("the weekend", "el fin de semana", "el finde", "over the weekend"):
        end = p.phrase(i, phrase)
        if end > 0:
            out.append((Spec(anchor=_weekend(p, 0), latent=False), end))
    j = i + 1 if p.w(i) in ("the", "la", "el", "los", "las") else i
    mod = p.w(j)
    n: int | None = None
    if p.phrase(j, "this past") > 0:
        n, j = -1, j + 2
    elif mod in lex.this_words:
        n, j = 0, j + 1
    elif mod in lex.next_words or mod in ("coming", "upcoming"):
        n, j = 1, j + 1
    elif mod in lex.last_words:
        n, j = -1, j + 1
    if n is not None:
        got = unit_word(p, j)
        if got is not None:
            spec = _period(p, got[0], n)
            if spec is not None:
                out.append((spec, got[1] + (p.w(got[1]) == "s")))
        return out
    if lex.lang == "es":
        got = unit_word(p, j)
        if got is None:
            return out
        unit, k = got
        nxt = p.phrase(k, "que viene")
        if nxt < 0 and p.w(k) in lex.next_words:
            nxt = k + 1
        if nxt > 0:
            spec = _period(p, unit, 1)
        elif p.w(k) in lex.last_words:
            spec, nxt = _period(p, unit, -1), k + 1
        else:
            return out
        if spec is not None:
            out.append((spec, nxt))
        return out
    if p.phrase(i, "all week") > 0:
        week = period_of(p.now, "week")
        assert week.start is not None
        out.append((_days(week.start, 6), i + 2))
    end = p.phrase(i, "rest of the week")
    if end > 0:
        week = period_of(p.now, "week")
        assert week.end is not None
        start = truncate(p.now, "day")
        out.append(
            (Spec(anchor=Period(start, add(week.end, "day", -1), "day", True), latent=False), end)
        )
    return out


def _days(start: datetime, n: int) -> Spec:
    return Spec(anchor=Period(start, add(start, "day", n), "day", interval=True), latent=False)


def targets(p: Parser, k: int) -> list[tuple[Period, int]]:
    """What "of ..." refers to: "the month", "October 2014", "next week", "2012"."""
    out: list[tuple[Period, int]] = []
    for phrase, grain in (("the month", "month"), ("the year", "year"), ("the week", "week")):
        end = p.phrase(k, phrase)
        if end < 0:
            end = p.phrase(k, phrase.split()[1])
        if end > 0:
            out.append((period_of(p.now, grain), end))
    month = p.lex.months.get(p.w(k))
    if month is not None:
        spec = Spec(month=month, latent=False)
        year = p.num(k + 1)
        if year is not None and len(p.t[k + 1].raw) == 4:
            out.append((period_of(at(date(year, month, 1), p.now.tzinfo), "month"), k + 2))
        else:
            found = p.resolve(spec)
            if found is not None:
                out.append((found, k + 1))
    for spec, end in p.points(k):
        if spec.latent and spec.year is None:
            continue
        if spec.has_time():
            continue
        period = p.resolve(spec)
        if period is not None and period.start is not None and period.end is not None:
            out.append((period, end))
    return out


_MONTH_PART_FIRST = frozenset(
    "early mid late later by at the a in beginning start end eom bom eoy boy eod".split()
)


def month_parts(p: Parser, i: int) -> list[Cand]:
    """ "early March", "mid March", "late March", "end of April", "by the end of the year"."""
    out: list[Cand] = []
    word = p.w(i)
    if word not in _MONTH_PART_FIRST:
        return out
    part = {"early": 0, "mid": 1, "late": 2}.get(word)
    if part is not None or word == "later":
        k = i + 2 if p.w(i + 1) == "-" else i + 1
        m = p.lex.months.get(p.w(k))
        if m is not None and part is not None:
            month = p.resolve(Spec(month=m, latent=False))
            if month is not None and month.start is not None:
                out.append((_slice(month, part), k + 1))
            return out
        for base, stop in targets(p, k):  # "early next week", "later this month"
            if base.grain not in ("week", "month", "year") or base.end is None:
                continue
            if word == "later":
                start = add(truncate(p.now, "day"), "day", 1)
                if start < base.end:
                    period = Period(start, base.end, "day", interval=True)
                    out.append((Spec(anchor=period, latent=False), stop))
            elif part != 1:
                out += _edge(p, "begin" if part == 0 else "end", base, stop, False)
        return out
    by = word == "by"
    j = p.skip(i + 1 if by else i, ("at", "the", "a", "in"))
    edge: str | None = None
    for phrase, name in (("beginning of", "begin"), ("start of", "begin"), ("end of", "end")):
        k = p.phrase(j, phrase)
        if k > 0:
            edge, j = name, k
            break
    if edge is None:
        for code, name, grain in (("eom", "end", "month"), ("bom", "begin", "month"),
                                  ("eoy", "end", "year"), ("boy", "begin", "year"),
                                  ("eod", "end", "day")):  # fmt: skip
            if p.w(j) == code:
                out += _edge(p, name, period_of(p.now, grain), j + 1, by)
        return out
    if p.w(j) in ("day", "today"):
        out += _edge(p, edge, period_of(p.now, "day"), j + 1, by)
    for base, stop in targets(p, j):
        out += _edge(p, edge, base, stop, by)
    return out


def _edge(p: Parser, edge: str, base: Period, stop: int, by: bool) -> list[Cand]:
    assert base.start is not None and base.end is not None
    if by:
        if edge != "end":
            return []
        now = p.now.replace(microsecond=0)
        return [(Spec(anchor=Period(now, base.end, "second", interval=True), latent=False), stop)]
    grain = base.grain
    tz = p.now.tzinfo
    if grain == "month":
        return [(_slice(base, 0 if edge == "begin" else 2), stop)]
    if grain == "year":
        first = base.start.date()
        start = add_months(first, 0 if edge == "begin" else 8)
        end = add_months(first, 3 if edge == "begin" else 12)
        return [
            (Spec(anchor=Period(at(start, tz), at(end, tz), "month", True), latent=False), stop)
        ]
    if grain == "week":
        monday = base.start.date()
        start = monday if edge == "begin" else monday + timedelta(days=4)
        end = start + timedelta(days=3)
        return [(Spec(anchor=Period(at(start, tz), at(end, tz), "day", True), latent=False), stop)]
    return []


def _slice(month: Period, part: int) -> Spec:
    assert month.start is not None and month.end is not None
    start = add(month.start, "day", 10 * part)
    end = add(month.start, "day", 10 * (part + 1)) if part < 2 else month.end
    return Spec(anchor=Period(start, end, "day", interval=True), latent=False)
