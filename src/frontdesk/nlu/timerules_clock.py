"""Rules for times of day: "10:30am", "15h", "half past ten", "quarter to four",
"a las cinco y cuarto", "noon", "4pm CET".

A bare number ("3", "1030", "three twenty") is *latent*: it becomes a time only with
something that makes it one ("at", "pm", "o'clock", a date or part of day beside it).
"""

from __future__ import annotations

from dataclasses import replace

from frontdesk.nlu.timegrammar import Cand, Parser
from frontdesk.nlu.timespec import Spec, shift_time

TZ_MINUTES = {
    "utc": 0, "gmt": 0, "wet": 0, "cet": 60, "bst": 60, "cest": 120, "eet": 120,
    "ist": 330, "jst": 540, "aest": 600, "hst": -600, "akst": -540, "pst": -480,
    "pdt": -420, "mst": -420, "mdt": -360, "cst": -360, "cdt": -300, "est": -300,
    "edt": -240,
}  # fmt: skip

_YEAR_CONTEXT = frozenset({"de", "del", "of", ",", "in", "en", "since", "year", "ano"})
_ES_PREFIXES = ("a las", "las", "a la", "la", "para las", "al las", "sobre las", "hacia las")


def _long_number(p: Parser, i: int) -> bool:
    return p.num(i) is not None and len(p.t[i].raw) >= 3


def _clean_left(p: Parser, i: int) -> bool:
    """Nothing glued before a number that makes it part of a code, price or phone number."""
    if not p.glued(i):
        return True
    before = p.w(i - 1)
    if before == "-":  # "9-11am" is a range, "555-1234" a phone number
        return not (p.glued(i - 1) and _long_number(p, i - 2)) and not _long_number(p, i)
    return not (before.isalnum() or before in ("$", "€", "£", "#", "+", ".", "/", ","))


def _clean_right(p: Parser, j: int) -> bool:
    after = p.w(j)
    if after in ("%", "$", "€", "£", "dollars", "bucks", "euros", "pesos", "usd", "eur"):
        return False
    if p.glued(j) and after.isdigit():
        return False
    if not (p.glued(j) and p.glued(j + 1) and p.num(j + 1) is not None):
        return True
    if after == "-":
        return not _long_number(p, j + 1) or p.w(j + 2) == ":"
    return after not in (".", "/", ",", ":")


def _two_digits(p: Parser, i: int) -> int | None:
    v = p.num(i)
    return v if v is not None and len(p.t[i].raw) == 2 and v < 60 else None


def _digit_times(p: Parser, i: int) -> list[Cand]:
    v = p.num(i)
    if v is None or not _clean_left(p, i):
        return []
    digits = len(p.t[i].raw)
    out: list[Cand] = []
    sep = p.w(i + 1) if p.glued(i + 1) else ""
    if sep in (":", ".") and p.glued(i + 2) and v <= 24 and digits <= 2:
        minute = _two_digits(p, i + 2)
        if minute is not None:
            end, second = i + 3, None
            if sep == ":" and p.w(end) == ":" and p.glued(end) and p.glued(end + 1):
                second = _two_digits(p, end + 1)
                end = end + 2 if second is not None else end
            if _clean_right(p, end):
                latent = sep == "." and (p.lex.lang == "en" or v > 23)
                spec = Spec(hour=v % 24, minute=minute, second=second, h12=1 <= v <= 12)
                out.append((replace(spec, latent=latent), end))
        return out
    if sep == "h" and v <= 24 and digits <= 2:
        minute = _two_digits(p, i + 2) if p.glued(i + 2) else None
        end = i + 3 if minute is not None else i + 2
        if _clean_right(p, end):
            out.append((Spec(hour=v % 24, minute=minute or 0, latent=False), end))
        return out
    if not _clean_right(p, i + 1):
        return out
    if _long_number(p, i + 1) or (_long_number(p, i - 1) and digits >= 3):
        return out  # "415 555 1234" is a phone number
    year_like = digits == 4 and (p.w(i - 1) in _YEAR_CONTEXT or p.w(i - 1) in p.lex.months)
    if digits in (3, 4) and v // 100 <= 23 and v % 100 < 60 and not year_like:
        hour = v // 100
        out.append((Spec(hour=hour, minute=v % 100, h12=1 <= hour <= 12), i + 1))
    elif digits <= 2 and v <= 24:
        spec = Spec(hour=v % 24, h12=1 <= v <= 12)
        minute = _two_digits(p, i + 1)
        if minute is not None and not p.glued(i + 1) and _clean_right(p, i + 2):
            out.append((replace(spec, minute=minute), i + 2))
        elif p.num(i + 1) == 0 and (p.num(i + 2) or 10) < 10:  # "6 0 2" is 6:02
            out.append((replace(spec, minute=p.num(i + 2)), i + 3))
        out.append((spec, i + 1))
    return out


def _word_minutes(p: Parser, j: int) -> tuple[int, int, bool] | None:
    """Minutes said after an hour word: "thirty", "oh three", "fifty nine". (m, end, sure)"""
    k = j + 1 if p.w(j) == "-" and p.glued(j) else j
    if p.w(k) in ("oh", "o", "zero", "ou", "cero"):
        k2 = k + 2 if p.w(k + 1) == "-" else k + 1
        unit = p.lex.numbers.get(p.w(k2))
        if unit is not None and 1 <= unit <= 9:
            return unit, k2 + 1, True
        return None
    got = p.cardinal(k, words=True) if p.num(k) is None else None
    if got is None:
        return None
    minute, end = got
    if p.lex.lang == "en" and not 10 <= minute <= 59:
        return None
    if not 1 <= minute <= 59:
        return None
    return minute, end, minute in (15, 30, 45)


def _word_times(p: Parser, i: int) -> list[Cand]:
    word = p.w(i)
    lex = p.lex
    if word in lex.noon:
        return [(Spec(hour=12, latent=False), i + 1)]
    if word in lex.midnight:
        return [(Spec(hour=0, latent=False), i + 1)]
    if word in ("mid", "medio") and p.w(i + 1) in ("day", "dia"):
        return [(Spec(hour=12, latent=False), i + 2)]
    hour = lex.numbers.get(word)
    if hour is None or not 1 <= hour <= 12 or p.num(i) is not None:
        return []
    spec = Spec(hour=hour, h12=True)
    out: list[Cand] = [(spec, i + 1)]
    mins = _word_minutes(p, i + 1)
    if mins is not None:
        minute, end, sure = mins
        out.append((replace(spec, minute=minute, latent=not sure), end))
    return out


def _base_times(p: Parser, i: int) -> list[Cand]:
    return _digit_times(p, i) if p.num(i) is not None else _word_times(p, i)


def _ampm(p: Parser, j: int) -> tuple[str, int, bool] | None:
    """An am/pm marker at j: (which, end, sure)."""
    word = p.w(j)
    lex = p.lex
    if word in ("in", "en") and p.w(j + 1) in ("the", "la") and p.w(j + 2) in ("am", "pm"):
        return p.w(j + 2), j + 3, True
    for side, words in (("am", lex.am), ("pm", lex.pm)):
        if word not in words:
            continue
        end = j + 1
        if len(word) == 1 and p.w(end) == "." and p.glued(end):
            end += 1  # "3p." - but "3pm." ends a sentence
        if len(word) == 1:
            if p.w(end) == "m":
                end += 1
                if p.w(end) == "." and p.glued(end):
                    end += 1
            elif not p.glued(j):
                return None
            else:
                return side, end, p.num(j - 1) is None
        return side, end, True
    return None


def _apply_ampm(spec: Spec, side: str) -> Spec | None:
    h = spec.hour
    if h is None or h > 12:
        return None if side == "am" or h is None else spec
    hour = h % 12 + (12 if side == "pm" else 0)
    return replace(spec, hour=hour, h12=False)


def _suffixes(p: Parser, spec: Spec, j: int, out: list[Cand]) -> None:
    """Add ``spec`` ending at j, and every reading with the suffixes that follow."""
    out.append((spec, j))
    for _ in range(4):
        word = p.w(j)
        if word == "ish" or word in ("sharp", "approximately", "approx", "exactly"):
            j += 1
            out.append((spec, j))
            continue
        if word in ("oclock", "en punto") or (word == "o" and p.w(j + 1) == "clock"):
            j += 2 if word == "o" else 1
            spec = replace(spec, latent=False)
            out.append((spec, j))
            continue
        if word in ("horas", "hrs") and p.lex.lang == "es":
            j += 1
            spec = replace(spec, latent=False, h12=False)
            out.append((spec, j))
            continue
        marker = _ampm(p, j)
        if marker is not None and spec.hour is not None:
            side, end, sure = marker
            shifted = _apply_ampm(spec, side)
            if shifted is None:
                return
            spec = replace(shifted, latent=spec.latent and not sure)
            j = end
            out.append((spec, j))
            continue
        tz_end = j + 1
        if word == "(" and p.w(j + 2) == ")":
            word, tz_end = p.w(j + 1), j + 3
        if word in TZ_MINUTES:
            spec = replace(spec, tz_minutes=TZ_MINUTES[word], latent=False)
            j = tz_end
            out.append((spec, j))
        return


def clock(p: Parser, i: int) -> list[Cand]:
    """Times of day with their suffixes (am/pm, o'clock, a zone)."""
    out: list[Cand] = []
    start, sure = i, False
    if p.lex.lang == "es" and p.w(i) in ("a", "las", "la", "para", "al", "sobre", "hacia"):
        for prefix in _ES_PREFIXES:
            end = p.phrase(i, prefix)
            if end > 0:
                start, sure = end, True
                break
    for spec, end in _base_times(p, start) + _relative_minutes(p, start):
        if sure:
            spec = replace(spec, latent=False)
        _suffixes(p, spec, end, out)
    return out


def _minutes_amount(p: Parser, i: int) -> tuple[int, int, bool] | None:
    """ "quarter", "a quarter", "half", "20", "twenty minutes": (minutes, end, said unit)."""
    j = i + 1 if p.w(i) == "a" else i
    if p.w(j) in ("quarter", "cuarto"):
        return 15, j + 1, True
    if p.w(j) in ("half", "media"):
        return 30, j + 1, True
    got = p.cardinal(i)
    if got is None or not 1 <= got[0] <= 59:
        return None
    value, end = got
    if p.w(end) in ("minutes", "minute", "mins", "min", "minutos", "minuto"):
        return value, end + 1, True
    # "ten to four" is 3:50, "10 to 4" a range: a bare count needs a round amount in words
    return value, end, value in (5, 10, 15, 20, 25) and p.num(i) is None


def _hour_target(p: Parser, i: int) -> list[Cand]:
    """The hour a relative minute phrase counts from: "3pm", "noon", "four", "15h"."""
    out: list[Cand] = []
    for spec, end in _base_times(p, i):
        if spec.minute:
            continue
        _suffixes(p, replace(spec, latent=False), end, out)
    return out


def _said_ampm(p: Parser, start: int, end: int) -> bool:
    return any(p.w(k) in p.lex.am or p.w(k) in p.lex.pm or p.w(k) == "h" for k in range(start, end))


def _relative_minutes(p: Parser, i: int) -> list[Cand]:
    out: list[Cand] = []
    if p.lex.lang == "es":
        for spec, end in _base_times(p, i):
            if spec.minute or p.w(end) not in ("y", "menos"):
                continue
            sign = 1 if p.w(end) == "y" else -1
            amount = _minutes_amount(p, end + 1)
            if amount is None:
                continue
            shifted = shift_time(spec, sign * amount[0])
            if shifted is not None:
                out.append((replace(shifted, latent=False), amount[1]))
        return out
    if p.w(i) == "half" and p.w(i + 1) not in ("past", "after", "an", "a"):
        for spec, end in _hour_target(p, i + 1):
            shifted = shift_time(spec, 30)
            if shifted is not None:
                out.append((shifted, end))
        return out
    amount = _minutes_amount(p, i)
    if amount is None:
        return out
    minutes, j, sure = amount
    rel = p.w(j)
    if rel in ("past", "after") or (rel == "from" and sure and p.w(j + 1) != "now"):
        sign = 1
    elif rel in ("to", "till", "til", "before", "of"):
        sign = -1
    else:
        return out
    for spec, end in _hour_target(p, j + 1):
        if not (spec.h12 or spec.hour in (0, 12) or _said_ampm(p, j + 1, end)):
            continue  # "13 to 15" counts days, not minutes
        if sign < 0 and not sure and spec.hour not in (0, 12):
            continue  # "3 to 4pm" is a range, "quarter to 4" is not
        shifted = shift_time(spec, sign * minutes)
        if shifted is not None:
            out.append((shifted, end))
    return out
