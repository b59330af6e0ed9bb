"""Rules for times relative to now: "today", "pasado mañana", "in two hours", "3 days ago",
"dentro de dos horas", "next 3 weeks", "now", "as soon as possible".
"""

from __future__ import annotations

from datetime import datetime, timedelta

from frontdesk.nlu.timecalc import Period, add, finer, period_of, truncate
from frontdesk.nlu.timegrammar import Cand, Parser
from frontdesk.nlu.timerules_date import fixed_day
from frontdesk.nlu.timespec import Spec

# What an offset is precise to: "in 2 hours" is a minute, "in 7 days" an hour, as Duckling.
_OFFSET_GRAIN = {
    "second": "second", "minute": "second", "hour": "minute", "day": "hour",
    "week": "day", "month": "day", "quarter": "day", "year": "month",
}  # fmt: skip
_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800}

Duration = tuple[float, str, int]  # amount, unit, end


def _unit(p: Parser, j: int) -> tuple[str, int] | None:
    word = p.w(j)
    if word in ("fortnight", "quincena", "quincenas"):
        return "fortnight", j + 1
    if word in ("'", "’") and p.glued(j):
        return "minute", j + 1
    if word == '"' and p.glued(j):
        return "second", j + 1
    unit = p.lex.units.get(word)
    if unit is None or (word == "h" and p.num(j - 1) is None):
        return None  # "h" only right after a number: "1h", "1/4 h"
    return unit, j + 1


_AMOUNT_FIRST = frozenset(
    "a an un una couple pair few several unos unas half media medio quarter three tres "
    "fortnight".split()
)


def _amount(p: Parser, i: int) -> tuple[float, int] | None:
    word = p.w(i)
    if p.num(i) is None and word not in _AMOUNT_FIRST and word not in p.lex.numbers:
        return None
    es = p.lex.lang == "es"
    for phrase, value in (
        ("a quarter of", 0.25), ("quarter of", 0.25), ("un cuarto de", 0.25),
        ("three - quarters of", 0.75), ("three quarters of", 0.75), ("tres cuartos de", 0.75),
    ):  # fmt: skip
        end = p.phrase(i, phrase)
        if end > 0:
            return value, end + (p.w(end) in ("an", "a"))
    if word in ("a", "an", "un", "una") and p.w(i + 1) in ("couple", "pair"):
        return 2, i + 3 if p.w(i + 2) == "of" else i + 2
    if word in ("couple", "pair"):
        return 2, i + 2 if p.w(i + 1) == "of" else i + 1
    if (word == "a" and p.w(i + 1) == "few") or word in ("few", "several", "unos", "unas"):
        return 3, i + 2 if word == "a" else i + 1
    if word in ("a", "an") or (es and word in ("un", "una")):
        return 1, i + 1
    if word in ("half", "media", "medio"):
        j = i + 2 if p.w(i + 1) in ("an", "a") else i + 1
        return 0.5, j
    v = p.num(i)
    if v is not None and p.w(i + 1) == "/" and p.num(i + 2) and p.glued(i + 1):
        return v / (p.num(i + 2) or 1), i + 3
    if v is not None and p.w(i + 1) in (".", ",") and p.glued(i + 1) and p.num(i + 2) is not None:
        frac = p.t[i + 2].raw
        return v + int(frac) / 10 ** len(frac), i + 3
    got = p.cardinal(i)
    if got is None:
        return None
    value, end = got
    if p.phrase(end, "and a|an half") > 0:
        return value + 0.5, end + 3
    return value, end


# Spanish counts both ends: "dentro de ocho días" is a week on, "quince días" two weeks.
_INCLUSIVE_DAYS: dict[float, float] = {8: 7, 15: 14}


def duration(p: Parser, i: int) -> list[Duration]:
    got = _amount(p, i)
    if got is None:
        if p.w(i) == "fortnight":
            return [(14, "day", i + 1)]
        return []
    amount, j = got
    if p.w(j) == "more":
        j += 1
    unit = _unit(p, j)
    if unit is None:
        return []
    name, end = unit
    if name == "fortnight":
        amount, name = amount * 14, "day"
    elif name == "day" and p.lex.lang == "es" and amount in _INCLUSIVE_DAYS:
        amount = _INCLUSIVE_DAYS[amount]
    if p.w(end) == "y" and p.w(end + 1) in ("media", "medio"):  # "hora y media"
        amount, end = amount + 0.5, end + 2
    elif p.phrase(end, "and a|an half") > 0:
        amount, end = amount + 0.5, end + 3
    return [(amount, name, end)]


def shift(base: datetime, amount: float, unit: str, sign: int) -> Period | None:
    """``base`` moved by a duration, precise to what the duration can tell."""
    if amount != int(amount):
        if unit not in _SECONDS:
            return None
        moved = add(base, "second", int(sign * amount * _SECONDS[unit]))
        grain = "second"
    else:
        moved = add(base, unit, sign * int(amount))
        grain = _OFFSET_GRAIN[unit]
    start = truncate(moved, grain)
    return Period(start, add(start, grain, 1), grain)


def offsets(p: Parser, i: int) -> list[Cand]:
    """ "in 2 hours", "2 hours from now", "3 days ago", "within 2 weeks", "hace dos años"."""
    out: list[Cand] = []
    word = p.w(i)
    now = p.now
    if word in ("in", "en", "within", "after", "hace") or p.phrase(i, "dentro de") > 0:
        j = i + 2 if word == "dentro" else i + 1
        j = p.skip(j, ("about", "around", "approximately", "just", "only", "like"))
        for amount, unit, end in duration(p, j):
            sign = -1 if word == "hace" else 1
            moved = shift(now, amount, unit, sign)
            if moved is None or moved.start is None:
                continue
            if word == "within":
                period = Period(now, moved.start, "second", interval=True)
            elif word == "after":
                period = Period(moved.start, None, moved.grain, interval=True)
            else:
                period = moved
            out.append((Spec(anchor=period, latent=False), end))
        return out
    for amount, unit, end in duration(p, i):
        tail = p.w(end)
        base, sign, stop = now, 0, end + 1
        if tail in ("ago", "back", "earlier", "before") or p.phrase(end, "before now") > 0:
            sign = -1
            stop = end + 2 if p.w(end + 1) == "now" else end + 1
        elif tail in ("hence", "later") or p.phrase(end, "from now") > 0:
            sign, stop = 1, end + (1 if tail in ("hence", "later") else 2)
        elif p.phrase(end, "from right now") > 0:
            if amount == int(amount):
                exact = add(now.replace(microsecond=0), unit, int(amount))
                period = Period(exact, add(exact, "second", 1), "second")
                out.append((Spec(anchor=period, latent=False), end + 3))
            continue
        elif p.phrase(end, "from today") > 0:
            start = add(truncate(now, "day"), unit, int(amount))
            out.append((Spec(anchor=period_of(start, "day"), latent=False), end + 2))
            continue
        if sign:
            moved = shift(base, amount, unit, sign)
            if moved is not None:
                out.append((Spec(anchor=moved, latent=False), stop))
    return out


def counted_periods(p: Parser, i: int) -> list[Cand]:
    """ "next 3 days", "last two weeks", "upcoming 2 weeks", "los próximos 3 días"."""
    out: list[Cand] = []
    lex = p.lex
    j = p.skip(i, ("in", "within", "over", "during", "the", "los", "las", "en"))
    mod, rest = p.w(j), j + 1
    ahead: int | None = None
    if mod in lex.next_words:
        ahead = 1
    elif mod in lex.last_words:
        ahead = -1
    if ahead is None:
        # "3 proximas semanas", "two upcoming weeks", "3 semanas que vienen"
        got = p.cardinal(j)
        if got is None:
            return out
        value, k = got
        if p.w(k) in ("upcoming", "coming"):
            said = _unit(p, k + 1)
            if said is not None:
                out.append((_upcoming(p, value, said[0]), said[1]))
            return out
        if p.w(k) in lex.next_words or p.w(k) in lex.last_words:
            said = _unit(p, k + 1)
            if said is not None:
                sign = 1 if p.w(k) in lex.next_words else -1
                out.append((_span(p, value, said[0], sign), said[1]))
            return out
        said = _unit(p, k)
        if said is not None and p.phrase(said[1], "que vienen|viene") > 0:
            out.append((_span(p, value, said[0], 1), said[1] + 2))
        return out
    for amount, unit, end in duration(p, rest):
        if amount != int(amount) or unit == "fortnight":
            continue
        if mod in ("upcoming", "coming"):
            out.append((_upcoming(p, int(amount), unit), end))
        else:
            out.append((_span(p, int(amount), unit, ahead), end))
    return out


def _upcoming(p: Parser, n: int, unit: str) -> Spec:
    return Spec(anchor=period_of(p.now, unit, n), latent=False)


def _span(p: Parser, n: int, unit: str, sign: int) -> Spec:
    here = truncate(p.now, unit)
    if sign > 0:
        start = add(here, unit, 1)
        end = add(start, unit, n)
    else:
        start, end = add(here, unit, -n), here
    return Spec(anchor=Period(start, end, unit, interval=True), latent=False)


# "cualquier mañana", "una mañana", "cada mañana": a morning, not tomorrow.
_ANY_MORNING = ("cualquier", "una", "cada", "toda", "alguna")
_NOT_TOMORROW = ("la", "esta", "de", "por", "en", "las")  # "por la mañana": the morning


def relative_days(p: Parser, i: int) -> list[Cand]:
    lex = p.lex
    word = p.w(i)
    if word not in lex.rel_days and word not in ("pasado", "the", "day", "later"):
        return []
    es = lex.lang == "es"
    if p.phrase(i, "pasado manana") > 0:
        return [(fixed_day(p, 2), i + 2)]
    the = 1 if word == "the" else 0
    after = p.phrase(i + the, "day after tomorrow")
    if after > 0:
        return [(fixed_day(p, 2), after)]
    before = p.phrase(i + the, "day before yesterday")
    if before > 0:
        return [(fixed_day(p, -2), before)]
    if word == "later" and p.w(i + 1) == "today":
        return [(fixed_day(p, 0), i + 2)]
    if word in lex.rel_days:
        prev = p.w(i - 1)
        if es and word == "manana" and (prev in _NOT_TOMORROW or prev in _ANY_MORNING):
            return []
        return [(fixed_day(p, lex.rel_days[word]), i + 1)]
    return []


_NOW_FIRST = frozenset("as asap right just at cuanto ahora en".split())


def now_words(p: Parser, i: int) -> list[Cand]:
    word = p.w(i)
    if word not in _NOW_FIRST and word not in p.lex.now_words:
        return []
    now = p.now.replace(microsecond=0)
    instant = Spec(anchor=Period(now, add(now, "second", 1), "second"), latent=False)
    if p.phrase(i, "as soon as possible") > 0 or word == "asap":
        end = i + 1 if word == "asap" else i + 4
        return [(Spec(anchor=Period(now, None, "second", interval=True), latent=False), end)]
    for phrase in ("right now", "just now", "at the moment", "ahora mismo", "cuanto antes"):
        end = p.phrase(i, phrase)
        if end > 0:
            return [(instant, end)]
    if word in p.lex.now_words and not _discourse_now(p, i):
        return [(instant, i + 1)]
    for phrase in ("at this time", "en este momento"):
        end = p.phrase(i, phrase)
        if end > 0:
            return [(fixed_day(p, 0), end)]
    return []


_NOW_AS_DISCOURSE_BEFORE = frozenset("for bye goodbye by until till".split())
_NOW_AS_DISCOURSE_AFTER = frozenset(
    "i we you let lets get can could what how that please tell book find go the".split()
)


def _discourse_now(p: Parser, i: int) -> bool:
    """ "that's all for now", "Now I want to book...": "now" that is not a time."""
    if p.w(i - 1) in _NOW_AS_DISCOURSE_BEFORE:
        return True
    starts_sentence = i == 0 or p.w(i - 1) in (".", "!", "?", ",", ";")
    return starts_sentence and p.w(i + 1 if p.w(i + 1) != "," else i + 2) in _NOW_AS_DISCOURSE_AFTER


def offset_from(p: Parser, i: int) -> list[Cand]:
    """ "three days after Easter", "2 weeks before christmas"."""
    out: list[Cand] = []
    for amount, unit, end in duration(p, i):
        if p.w(end) not in ("after", "before", "from") or amount != int(amount):
            continue
        sign = -1 if p.w(end) == "before" else 1
        for spec, stop in p.points(end + 1):
            if spec.latent or spec.has_time():
                continue
            base = p.resolve(spec)
            if base is None or base.start is None or base.interval:
                continue
            start = add(base.start, unit, sign * int(amount))
            grain = finer(base.grain, unit if unit != "week" else "day")
            period = Period(start, add(start, grain, 1), grain)
            out.append((Spec(anchor=period, latent=False), stop))
    return out


def weekday_counts(p: Parser, i: int) -> list[Cand]:
    """ "3 fridays from now", "2 thursdays ago"."""
    got = p.cardinal(i)
    if got is None:
        return []
    n, j = got
    wd = p.lex.weekdays.get(p.w(j))
    if wd is None or n < 1:
        return []
    today = p.now.date()
    if p.phrase(j + 1, "from now") > 0:
        ahead = (wd - today.weekday()) % 7 or 7
        day = today + timedelta(days=ahead + 7 * (n - 1))
        end = j + 3
    elif p.w(j + 1) in ("ago", "back"):
        behind = (today.weekday() - wd) % 7 or 7
        day = today - timedelta(days=behind + 7 * (n - 1))
        end = j + 2
    else:
        return []
    return [(fixed_day(p, (day - today).days), end)]
