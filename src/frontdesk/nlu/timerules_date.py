"""Rules for calendar dates: "3/15", "March 3rd", "the 13th", "el 5 de mayo",
"Tuesday", "next Tuesday", "el martes que viene", years and holidays.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from functools import cache

from frontdesk.nlu.timecalc import Period, period_of, safe_date
from frontdesk.nlu.timegrammar import Cand, Parser
from frontdesk.nlu.timelex import Lexicon
from frontdesk.nlu.timespec import Spec

_WEAK_CONTEXT_BEFORE = frozenset(
    "on this next last until by from - – to through thru every before after el este "
    "proximo proxima pasado".split()
)
_YEAR_PREFIX = frozenset("in of during del de en year".split())


def year_at(p: Parser, i: int) -> tuple[int, int] | None:
    """A year: "2014", "two thousand ten", "mil novecientos noventa", "14 a.d."."""
    v = p.num(i)
    if v is not None:
        if len(p.t[i].raw) != 4 or not 1000 <= v <= 2999:
            return None
        end = i + 1
    else:
        got = p.cardinal(i)
        if got is None or not 1000 <= got[0] <= 2999:
            return None
        v, end = got
    return v, end


def _era(p: Parser, j: int) -> tuple[int, bool] | None:
    """An "AD"/"BC" marker after a year: (end, is_bc)."""
    for words, bc in (("a . d .", False), ("ad", False), ("b . c .", True), ("bc", True)):
        end = p.phrase(j, words)
        if end > 0:
            return end, bc
    return None


def years(p: Parser, i: int) -> list[Cand]:
    prefixed = p.w(i) in _YEAR_PREFIX
    start = i + 1 if prefixed else i
    got = year_at(p, start)
    if got is None:
        v = p.num(start)
        era = _era(p, start + 1) if v is not None and prefixed else None
        if v is None or era is None or era[1]:
            return []
        got = (v, start + 1)
    v, end = got
    era = _era(p, end)
    if era is not None:
        if era[1]:
            return []  # before Christ: no datetime for it
        end = era[0]
    if p.glued(end) and p.w(end).isalnum():
        return []
    spec = Spec(year=v, latent=not (prefixed or era is not None))
    return [(spec, end)]


def _year_of(p: Parser, yy: int, raw_len: int) -> int:
    if raw_len >= 3:
        return yy
    return yy + (2000 if yy < 50 else 1900)


def numeric_dates(p: Parser, i: int) -> list[Cand]:
    """Dates written with digits: 2/15, 10/31/1974, 2015-03-03, 31/Oct/74, 2014-10."""
    a = p.num(i)
    if a is None or (p.glued(i) and (p.w(i - 1).isalnum() or p.w(i - 1) in "$€£#+-/.")):
        return []
    es = p.lex.lang == "es"
    sep = p.w(i + 1)
    if sep not in ("/", "-", "."):
        return []
    spaced = not (p.glued(i + 1) and p.glued(i + 2))
    if spaced and (sep == "." or len(p.t[i].raw) > 2):
        return []
    mid = i + 2
    month_word = p.lex.months.get(p.w(mid))
    b = p.num(mid)
    if b is None and month_word is None:
        return []
    end = mid + 1
    c, c_len = None, 0
    if p.w(end) == sep and p.glued(end) and p.glued(end + 1) and p.num(end + 1) is not None:
        c, c_len = p.num(end + 1), len(p.t[end + 1].raw)
        end += 2
    after = p.w(end)
    if p.glued(end) and (after.isalnum() or (after in "/-.:" and p.num(end + 1) is not None)):
        return []
    a_len, b_len = len(p.t[i].raw), len(p.t[mid].raw)
    y = m = d = None
    if month_word is not None:  # 31-Oct-74
        if spaced:
            return []
        d, m = a, month_word
        y = _year_of(p, c, c_len) if c is not None else None
    elif a_len == 4 and b is not None:
        y, m = a, b
        d = c
    elif c is not None and b is not None:
        if c_len not in (2, 4):
            return []
        y = _year_of(p, c, c_len)
        m, d = (b, a) if es or (sep == "." and a > 12) else (a, b)
    elif b is not None and b_len == 4:
        m, y = a, b
    elif b is not None and a_len <= 2 and b_len <= 2:
        m, d = (b, a) if es else (a, b)
        if sep == "-" and _hours_after_weekday(p, i, m, d):
            return []
    else:
        return []
    if m is None or not 1 <= m <= 12:
        return []
    if d is None:
        return [(Spec(year=y, month=m, latent=False), end)]
    if y is not None and safe_date(y, m, d) is None:
        return []
    if y is None and safe_date(2000, m, d) is None:
        return []
    return [(Spec(year=y, month=m, day=d, latent=False), end)]


def _month_at(p: Parser, i: int, standalone: bool) -> tuple[int, int] | None:
    word = p.w(i)
    m = p.lex.months.get(word)
    if m is None:
        return None
    end = i + 1
    if p.w(end) == "." and p.glued(end):
        end += 1
    if standalone and word in p.lex.weak_months:
        return None
    return m, end


def _day_at(p: Parser, i: int) -> tuple[int, int, bool] | None:
    """A day of the month, ordinal or cardinal: (day, end, was_ordinal)."""
    got = p.ordinal(i)
    if got is not None and 1 <= got[0] <= 31:
        return got[0], got[1], True
    card = p.cardinal(i)
    if card is not None and 1 <= card[0] <= 31 and (p.num(i) is None or len(p.t[i].raw) <= 2):
        return card[0], card[1], False
    if p.lex.lang == "es" and p.w(i) in ("primero", "1o"):
        return 1, i + 1, True
    return None


def _with_year(p: Parser, spec: Spec, end: int) -> list[Cand]:
    out: list[Cand] = [(spec, end)]
    j = end + 1 if p.w(end) == "," else end
    if p.lex.lang == "es" and p.w(j) in ("de", "del"):
        j += 1
    got = year_at(p, j)
    if got is not None:
        out.append((replace(spec, year=got[0], latent=False), got[1]))
    return out


def month_dates(p: Parser, i: int) -> list[Cand]:
    """ "March 3rd 2015", "the 1st of march", "15 february", "el 5 de mayo de 2013"."""
    out: list[Cand] = []
    es = p.lex.lang == "es"
    # month first: "march 3", "February the 15th", "mayo 5 del 2013"
    got = _month_at(p, i, standalone=False)
    if got is not None:
        m, j = got
        k = j + 1 if p.w(j) == "the" else j
        day = _day_at(p, k)
        if day is not None and not (day[2] is False and p.w(day[1]) in (":", "h")):
            out += _with_year(p, Spec(month=m, day=day[0], latent=False), day[1])
        return out
    # day first
    start = i
    if p.w(i) in ("the", "el", "dia") or (es and p.w(i) == "el" and p.w(i + 1) == "dia"):
        start = i + 2 if p.w(i + 1) == "dia" else i + 1
    day = _day_at(p, start)
    if day is None:
        return out
    d, j, was_ord = day
    k = j
    if p.w(k) in ("of", "de") or (p.w(k) == "-" and p.glued(k) and p.glued(k + 1)):
        k += 1
    got = _month_at(p, k, standalone=False)
    if got is None:
        return out
    if not was_ord and k == j and not p.t[k].glued and es is False and p.num(start) is None:
        return out  # "three march" is no date; "3 march" and "third of march" are
    m, end = got
    out += _with_year(p, Spec(month=m, day=d, latent=False), end)
    return out


def months(p: Parser, i: int) -> list[Cand]:
    """A month on its own: "March", "in March", "October 2014"."""
    prefixed = p.w(i) in ("in", "during", "of", "en", "de")
    start = i + 1 if prefixed else i
    got = _month_at(p, start, standalone=not prefixed)
    if got is None:
        if prefixed or p.w(start) not in p.lex.months:
            return []
        month = p.lex.months[p.w(start)]
        year = year_at(p, start + 1 + (p.w(start + 1) in ("de", "del", ",")))
        if year is None:
            return []
        return [(Spec(month=month, year=year[0], latent=False), year[1])]
    m, end = got
    if p.phrase(end, "after next") > 0:
        first = p.resolve(Spec(month=m, latent=False))
        if first is not None and first.start is not None:
            again = Spec(year=first.start.year + 1, month=m, latent=False)
            return [(again, end + 2)]
    return _with_year(p, Spec(month=m, latent=False), end)


def _hours_after_weekday(p: Parser, i: int, m: int, d: int) -> bool:
    """"Thursday 1-3", "viernes 9-1": after a weekday, a dashed pair of numbers up to 12
    is a window of hours on that day. A caller who means a date says it with a slash or
    a month ("Friday 3/6", "el viernes 6 de marzo"), and a day already named by its
    weekday rarely needs the date as well."""
    return p.w(i - 1) in p.lex.weekdays and m <= 12 and d <= 12


def _weekday_ok(p: Parser, i: int) -> bool:
    word = p.w(i)
    if word not in p.lex.weak_weekdays:
        return True
    raw = p.t[i].raw
    after = p.w(i + 1)
    return (
        (raw[:1].isupper() and len(word) > 2)
        or (after == "." and p.glued(i + 1))
        or after in (",", "-", "–", "to")
        or p.num(i + 1) is not None
        or p.w(i - 1) in _WEAK_CONTEXT_BEFORE
        or after in p.lex.months
    )


def weekdays(p: Parser, i: int) -> list[Cand]:
    lex = p.lex
    word, out = p.w(i), []
    if word in ("el", "the") and p.w(i + 1) in lex.weekdays and _weekday_ok(p, i + 1):
        return [(spec, end) for spec, end in weekdays(p, i + 1)]
    if word in lex.weekdays and _weekday_ok(p, i):
        wd = lex.weekdays[word]
        end = i + 2 if p.w(i + 1) == "." and p.glued(i + 1) else i + 1
        spec = Spec(weekday=wd, latent=False)
        if lex.lang == "es" and p.num(end) is not None and _plain_number(p, end):
            day = p.num(end) or 0
            if 1 <= day <= 31 and p.w(end + 1) not in ("de", "del", "/", "-", ":", "."):
                out.append((Spec(weekday=wd, day=day, latent=False), end + 1))
        out.append((spec, end))
        if p.phrase(end, "after next") > 0:
            first = p.resolve(spec)
            if first is not None and first.start is not None:
                nxt = period_of(first.start + timedelta(days=7), "day")
                out.append((Spec(anchor=nxt, latent=False), end + 2))
        coming = p.phrase(end, "que viene")
        if coming < 0:
            coming = p.phrase(end, "proximo|proxima")
        if coming > 0:
            out.append((_week_day(p, wd, 1), coming))
        if p.w(end) in ("pasado", "pasada"):
            out.append((_week_day(p, wd, -1), end + 1))
        if p.phrase(end, "from last week") > 0:
            out.append((_week_day(p, wd, -1), end + 3))
        return out
    j = i + 1 if word in ("el", "the") else i
    mod = p.w(j)
    if mod in lex.next_words or mod in lex.last_words or mod in lex.this_words:
        wd_word = p.w(j + 1)
        if wd_word not in lex.weekdays:
            return out
        wd = lex.weekdays[wd_word]
        end = j + 2
        if mod in lex.this_words or mod in ("coming", "upcoming"):
            out.append((Spec(weekday=wd, latent=False), end))
        else:
            out.append((_week_day(p, wd, 1 if mod in lex.next_words else -1), end))
    return out


def _week_day(p: Parser, weekday: int, weeks: int) -> Spec:
    """That weekday in the next (1) or last (-1) calendar week, as Duckling reads them."""
    week = period_of(p.now, "week", weeks)
    return Spec(weekday=weekday, anchor=week, latent=False)


def day_of_month(p: Parser, i: int) -> list[Cand]:
    """ "the 13th", "on the first", "13th", "el 13", "el día 16", "día quince"."""
    es = p.lex.lang == "es"
    word = p.w(i)
    j = i
    if es:
        if word == "el":
            j = i + 2 if p.w(i + 1) == "dia" else i + 1
        elif word == "dia":
            j = i + 1
        else:
            return []
        got = _day_at(p, j)
        if got is None or (p.num(j) is not None and not _plain_number(p, j)):
            return []
        if p.num(j) is None and word == "el" and p.w(got[1]) not in ("de", "del"):
            return []  # "el primero" is the first one, "el primero de marzo" a date
        return [(Spec(day=got[0], latent=False), got[1])]
    on = word == "on"
    if on:
        j += 1
    the = p.w(j) == "the"
    if the:
        j += 1
    got = p.ordinal(j)
    if got is None:
        n = p.num(j)
        plain = n is not None and _plain_number(p, j) and 1 <= n <= 31
        hour_next = p.w(j + 1) in ("in", "at", "am", "pm", "a", "p", "oclock", "o", "sharp")
        of_month = p.w(j + 1) == "of" and _names_month(p, j + 2)
        if plain and ((on and not hour_next) or of_month):
            return [(Spec(day=n, latent=False), j + 1)]
        return []
    d, end, weak = got
    if not 1 <= d <= 31 or (weak and not on) or (p.num(j) is None and not (on or the)):
        return []
    if p.w(end) == "day" and p.w(end + 1) == "of":
        end += 1
    return [(Spec(day=d, latent=False), end)]


def _names_month(p: Parser, k: int) -> bool:
    """ "this month", "the next month", "March": what "20 of ..." needs to be a date."""
    k = k + 1 if p.w(k) == "the" else k
    if p.w(k) in p.lex.months:
        return True
    if p.w(k) in p.lex.this_words or p.w(k) in p.lex.next_words or p.w(k) in p.lex.last_words:
        k += 1
    return p.w(k) == "month"


def _plain_number(p: Parser, j: int) -> bool:
    raw = p.t[j].raw
    nxt = p.w(j + 1)
    glued_more = p.glued(j + 1) and (nxt.isalnum() or nxt in (":", "/", "-", "."))
    return len(raw) <= 2 and not glued_more


def holidays(p: Parser, i: int) -> list[Cand]:
    lex = p.lex
    j, direction = i, 0
    if p.w(j) in lex.last_words:
        j, direction = j + 1, -1
    elif p.w(j) in lex.next_words or p.w(j) in lex.this_words or p.w(j) == "the":
        j += 1
    out: list[Cand] = []
    if p.w(j) not in _holiday_first(lex) or p.w(j - 1) in _OTHER_CALENDARS:
        return out
    words: list[str] = []
    k = j
    while k < p.n and len(words) < 7:
        word = p.w(k)
        k += 1
        if word in (".", "-"):
            continue
        words.append(word)
        key = lex.holidays.get(" ".join(words))
        if key is not None:
            out.append((Spec(holiday=key, holiday_dir=direction, latent=False), k))
    return out


@cache
def _holiday_first(lex: Lexicon) -> frozenset[str]:
    return frozenset(name.split()[0] for name in lex.holidays)


# "chinese new year" is not New Year's Day
_OTHER_CALENDARS = frozenset(
    "chinese lunar jewish hebrew islamic hijri persian parsi hindu thai vietnamese korean "
    "tamil sinhala telugu bengali nepali".split()
)


def fixed_day(p: Parser, offset: int) -> Spec:
    start = p.now.date() + timedelta(days=offset)
    period: Period = period_of(
        p.now.replace(year=start.year, month=start.month, day=start.day), "day"
    )
    return Spec(anchor=period, latent=False)
