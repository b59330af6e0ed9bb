"""Intervals between points: "from 9:30 to 11 on Thursday", "Tue–Thu mornings in the next
two weeks", "July 13-15", "after 5", "before noon", "by Friday", "de 9 a 11".

A closed range ends where its last point ends when that point is a day or longer
("July 13-15" includes the 15th) and at the stated time otherwise ("3-4pm" ends at 16:00:
a caller who is free 3 to 4 is not free at 4:30). Open ranges keep the open end None.
"""

from __future__ import annotations

from dataclasses import replace

from frontdesk.nlu.timecalc import Period, add, coarser_than, finer
from frontdesk.nlu.timegrammar import Cand, Parser, pins_day
from frontdesk.nlu.timerules_rel import duration
from frontdesk.nlu.timespec import Spec, merge

Found = tuple[Period, int]

_EN_OPENERS = {
    "after": "after", "since": "after", "from": "after", "starting": "after",
    "later than": "after", "anytime after": "after", "starting from": "after",
    "no earlier than": "after",
    "before": "before", "until": "before", "till": "before", "til": "before",
    "untill": "before", "through": "before", "thru": "before", "prior to": "before",
    "sometimes before": "before", "sometime before": "before", "anytime before": "before",
    "no later than": "before", "by": "by",
}  # fmt: skip
_ES_OPENERS = {
    "despues de": "after", "despues de las": "after", "a partir de": "after",
    "a partir de las": "after", "desde": "after", "desde las": "after",
    "antes de": "before", "antes de las": "before", "hasta": "before",
    "hasta las": "before", "para antes de": "before", "antes del": "before",
    "despues del": "after", "a partir del": "after", "hasta el": "before", "hasta la": "before",
}  # fmt: skip
_EN_CONNECT = ("-", "–", "—", "to", "till", "til", "until", "untill", "thru", "through")
_ES_CONNECT = ("-", "–", "—", "a", "al", "hasta")
_EN_RANGE = (
    ("between", ("and", "-", "–", "to")),
    ("in between", ("and", "-", "–", "to")),
    ("from", _EN_CONNECT),
    ("later than", ("but before", "and before")),
)
_ES_RANGE = (
    ("entre", ("y", "-", "a")),
    ("de", ("a", "-", "hasta")),
    ("del", ("al", "-", "hasta")),
    ("desde", ("hasta", "a", "-")),
)


def _ends(p: Parser, i: int) -> list[Cand]:
    """Points that may end a range, plus bare day numbers ("13" in "13 to 15 July")."""
    out = list(p.points(i))
    j = i + 1 if p.w(i) in ("the", "el") else i
    got = p.ordinal(j)
    if got is None and p.num(j) is not None and len(p.t[j].raw) <= 2:
        got = (p.num(j) or 0, j + 1, False)
    if got is not None and 1 <= got[0] <= 31:
        out.append((Spec(day=got[0], latent=True), got[1]))
    return out


def _share(left: Spec, right: Spec) -> tuple[Spec, Spec] | None:
    """Let each end borrow what the other says: month, am/pm, zone."""
    if left.day is not None and left.month is None and right.month is not None:
        left = replace(left, month=right.month, year=right.year)
    if right.day is not None and right.month is None and left.month is not None:
        right = replace(right, month=left.month, year=left.year)
    if left.hour is not None and right.hour is not None:
        if left.h12 and right.pod is None and not right.h12 and right.hour >= 12:
            if left.hour + 12 <= right.hour or (left.hour == 12 and right.hour == 12):
                left = replace(left, hour=left.hour % 12 + 12, h12=False)
        if right.tz_minutes is not None and left.tz_minutes is None:
            left = replace(left, tz_minutes=right.tz_minutes)
    if _bare_hour(left) and right.day is not None and right.hour is None:
        return None  # "13 to 15 July": days, not hours
    if _bare_hour(right) and left.day is not None and left.hour is None:
        return None
    return left, right


def _bare_hour(spec: Spec) -> bool:
    return spec.hour is not None and spec.latent and not spec.has_date_fields()


def _time_part(spec: Spec) -> Spec:
    return Spec(pod=spec.pod, pod_pm=spec.pod_pm, tz_minutes=spec.tz_minutes, latent=spec.latent)


def closed_range(
    p: Parser, left: Spec, right: Spec, shared: list[Spec], sure: bool = False
) -> Period | None:
    if left.latent and right.latent and all(s.latent for s in shared) and not sure:
        return None
    shared_window = False
    for s in shared:
        if not (pins_day(left, s) and pins_day(right, s)):
            return None  # "13 to 15 July" is no range of hours in July
        got_left = merge(left, s)
        own_date = right.has_date_fields() or right.anchor is not None
        got_right = merge(right, s if own_date else _time_part(s))
        if got_left is None or got_right is None:
            return None
        left, right = got_left, got_right
        shared_window = shared_window or (own_date and s.anchor is not None)
    pair = _share(left, right)
    if pair is None:
        return None
    left, right = pair
    if shared_window:
        right = replace(right, pick_last=True)
    lp = p.resolve(left)
    if lp is None or lp.start is None:
        return None
    rp = p.resolve(right, lp.start)
    if rp is None or rp.start is None:
        return None
    if coarser_than(rp.grain, "hour") or rp.interval:
        end = rp.end
    else:
        end = rp.start
    if end is None or end <= lp.start:
        return None
    return Period(lp.start, end, finer(lp.grain, rp.grain), interval=True)


def _after_prefix(
    p: Parser, i: int, pairs: tuple[tuple[str, tuple[str, ...]], ...]
) -> list[tuple[int, tuple[str, ...]]]:
    out = []
    for opener, connectors in pairs:
        end = p.phrase(i, opener)
        if end > 0:
            out.append((end, connectors))
    return out


def ranges(p: Parser, i: int) -> list[tuple[Spec, Spec, int, bool]]:
    """Unresolved (left, right, end, sure) ranges starting at i; sure: a range even if
    both ends are bare numbers."""
    es = p.lex.lang == "es"
    out: list[tuple[Spec, Spec, int, bool]] = []
    if not p.can_start(i):
        return out
    starts = _after_prefix(p, i, _ES_RANGE if es else _EN_RANGE)
    plain = _ES_CONNECT if es else _EN_CONNECT
    options = [*starts, (i, plain)]
    for j, connectors in options:
        opened = j != i
        for left, k in _ends(p, j):
            phrase_end = -1
            for conn in connectors:
                phrase_end = p.phrase(k, conn)
                if phrase_end > 0:
                    break
            if phrase_end < 0:
                continue
            if (
                es
                and p.w(k) in ("a", "al")
                and left.hour is None
                and p.w(phrase_end) in ("la", "las")
            ):
                continue  # "mañana a las 3" is a day and its hour, not a range
            right_starts = [phrase_end]
            if es and p.w(k) in ("a", "al"):
                right_starts.append(k)  # "a las 11" starts a point of its own
            for rs in right_starts:
                for right, end in _ends(p, rs):
                    # "from 3 to 5", "entre las 2 y las 4": bare hours, but said as a range
                    sure = opened and _bare_hour(left) and _bare_hour(right) and p.quiet_after(end)
                    out.append((left, right, end, sure))
    return out


_OPENER_FIRST = frozenset(k.split()[0] for k in (*_EN_OPENERS, *_ES_OPENERS))


def _opened(p: Parser, i: int) -> list[Found]:
    out: list[Found] = []
    if p.w(i) not in _OPENER_FIRST:
        return out
    table = _ES_OPENERS if p.lex.lang == "es" else _EN_OPENERS
    for opener, side in table.items():
        j = p.phrase(i, opener)
        if j < 0:
            continue
        for spec, end in p.points(j):
            if spec.latent and not (spec.hour is not None or spec.year is not None):
                continue
            if spec.latent and not p.quiet_after(end):
                continue
            period = p.resolve(spec)
            if period is None or period.start is None:
                continue
            if side == "after":
                out.append((Period(period.start, None, period.grain, interval=True), end))
            elif side == "before":
                out.append((Period(None, period.start, period.grain, interval=True), end))
            else:
                now = p.now.replace(microsecond=0)
                if period.start > now:
                    out.append((Period(now, period.start, "second", interval=True), end))
    return out


def _for_duration(p: Parser, i: int) -> list[Found]:
    """ "4pm for 30 mins", "from 18th Dec for 10 days", "for 10 days from 18th Dec"."""
    out: list[Found] = []
    j = i + 1 if p.w(i) == "from" else i
    if p.lex.lang != "en":
        return out
    for spec, k in p.points(j):
        if spec.latent or p.w(k) != "for":
            continue
        for amount, unit, end in duration(p, k + 1):
            out += _spanned(p, spec, amount, unit, end)
    if p.w(i) == "for":
        for amount, unit, k in duration(p, i + 1):
            m = p.phrase(k, "starting from")
            m = m if m > 0 else p.phrase(k, "from")
            if m < 0 or p.w(m) in ("now", "today") or p.phrase(m, "right now") > 0:
                continue  # "for six months from now" is a date six months ahead
            for spec, end in p.points(m):
                if not spec.latent:
                    out += _spanned(p, spec, amount, unit, end)
    return out


def _spanned(p: Parser, spec: Spec, amount: float, unit: str, end: int) -> list[Found]:
    if amount != int(amount) or unit == "fortnight":
        return []
    start = p.resolve(spec)
    if start is None or start.start is None:
        return []
    stop = add(start.start, unit, int(amount))
    return [(Period(start.start, stop, finer(start.grain, unit), interval=True), end)]


def intervals(p: Parser, i: int) -> list[Found]:
    """Every resolved range starting at i, with shared points before or after it."""
    out: list[Found] = _opened(p, i) + _for_duration(p, i)
    heads: list[tuple[list[Spec], int]] = [([], i)]
    for spec, end in p.points(i):
        if not spec.latent:
            for k in (end, end + 1):
                heads.append(([spec], k))
    for shared, j in heads:
        for left, right, end, sure in ranges(p, j):
            tails: list[tuple[list[Spec], int]] = [(shared, end)]
            glue = p.lex.word_set("glue") | p.lex.word_set("lead") | {"in"}
            k = end
            while k < p.n and p.w(k) in glue and k - end < 2:
                k += 1
            for spec, stop in p.points(k) + ([] if k == end else p.points(end)):
                if not spec.latent or spec.pod is not None:
                    tails.append(([*shared, spec], stop))
            for specs, stop in tails:
                period = closed_range(p, left, right, specs, sure)
                if period is not None:
                    out.append((period, stop))
    return out
