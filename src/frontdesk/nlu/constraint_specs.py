"""What a parsed time expression is, for a constraint: a clock time, a recurring day,
a date; and how an instruction splits into clauses.

Helpers of ``constraint_scan`` over the time grammar's ``Spec`` and tokens.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from frontdesk.nlu.constraint_words import CLAUSE_END
from frontdesk.nlu.timegrammar import Parser
from frontdesk.nlu.timespec import Prefs, Spec, resolve
from frontdesk.nlu.timetok import Token

# "at 3" means 15:00 to someone booking, as it does to the caller-facing parser.
PREFS = Prefs(prefer_future=True, business_hours=True)
# Clock times are read on a day without a daylight-saving change, at its midnight, so
# "after 2pm" is 14:00 whatever day and zone the instruction comes with.
_CLOCK_DAY = datetime(2001, 1, 1, tzinfo=UTC)
_DAY_MINUTES = 24 * 60


def words_day(p: Parser, opener: str, spec: Spec, j: int) -> bool:
    """Spanish says a day with its article ("del 10", "el 20") and an hour with its own
    ("de las 10"): a bare number after "del"/"el" is a day of the month."""
    number = p.num(j)
    return (
        opener.split()[-1] in ("del", "el")
        and spec.latent
        and spec.hour is not None
        and number is not None
        and 1 <= number <= 31
    )


def clauses(tokens: list[Token]) -> list[tuple[list[Token], str | None]]:
    """The tokens split where a clause ends, each with the mark that ended it. A full stop
    glued to what follows it, or to a single letter, is no end: "10.30", "p.m."."""
    out: list[tuple[list[Token], str | None]] = []
    current: list[Token] = []
    for k, token in enumerate(tokens):
        nxt = tokens[k + 1] if k + 1 < len(tokens) else None
        dotted = token.norm == "." and (
            (nxt is not None and nxt.glued) or (token.glued and len(tokens[k - 1].norm) == 1)
        )
        if token.norm in CLAUSE_END and not dotted:
            out.append((current, token.norm))
            current = []
        else:
            current.append(token)
    out.append((current, None))
    return out


def unit_after(p: Parser, amount: int, j: int) -> list[tuple[float, str, int]]:
    """ "two next weeks" / "dos próximas semanas": the amount said before "next"."""
    unit = p.lex.units.get(p.w(j))
    return [] if unit is None else [(float(amount), unit, j + 1)]


def longest(p: Parser, i: int, *, latent_ok: bool) -> tuple[Spec, int] | None:
    best: tuple[Spec, int] | None = None
    for spec, end in p.points(i):
        if spec.latent and not (latent_ok and spec.hour is not None and p.quiet_after(end)):
            continue
        if best is None or end > best[1]:
            best = (spec, end)
    return best


def time_only(spec: Spec) -> bool:
    return (
        spec.has_time()
        and not spec.has_date_fields()
        and spec.anchor is None
        and spec.holiday is None
    )


def recurring_day(spec: Spec) -> bool:
    """A weekday said on its own ("Tuesdays", "not Friday"): every one of them."""
    return (
        spec.weekday is not None
        and spec.year is None
        and spec.month is None
        and spec.day is None
        and spec.anchor is None
        and spec.holiday is None
        and spec.ordinal is None
    )


def clock_minutes(spec: Spec, side: str) -> int | None:
    """Minutes after midnight of a clock time or of a part of day's edge ("before the
    evening" ends at its start, "after the morning" begins at its end)."""
    if spec.hour is None:
        if spec.pod is None:
            return None
        lo, hi = spec.pod
        return min(hi, 24) * 60 if side == "after" else lo * 60
    clean = replace(spec, anchor=None, tz_minutes=None, latent=False)
    period = resolve(clean, _CLOCK_DAY, PREFS)
    if period is None or period.start is None:
        return None
    minutes = (period.start - _CLOCK_DAY) // timedelta(minutes=1)
    return min(minutes, _DAY_MINUTES)
