"""Read an instruction left to right into constraint items, each with how it was meant.

The time grammar (``timegrammar.Parser`` with the rules of ``timeparse``) finds the
expressions, one parser per clause (it chains expressions over commas otherwise); this
module only decides what each one constrains (a day of the week, a part of the day, a
clock bound, the window, a date to leave out) and with what force. A marker
("preferably", "not", "only", "nunca") holds until the clause ends at a comma, a full
stop or "but"/"pero" — except that a comma inside a list of days keeps it ("not Monday,
Tuesday or Friday"). Said last in its clause it reaches back: "Tuesdays, if possible"
softens, "los lunes no" negates. "or" starts another alternative for clock bounds
("Tuesday after 2 or Thursday morning").
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from frontdesk.nlu.constraint_specs import (
    PREFS,
    clauses,
    clock_minutes,
    longest,
    recurring_day,
    time_only,
    unit_after,
    words_day,
)
from frontdesk.nlu.constraint_words import (
    DAY_CLASSES,
    LIST_GLUE,
    MARKERS,
    PARTICULAR,
    WINDOW_WEEKS,
    Marker,
)
from frontdesk.nlu.timecalc import Period, add, at, coarser_than
from frontdesk.nlu.timegrammar import Parser
from frontdesk.nlu.timeinterval import _EN_OPENERS, _ES_OPENERS, closed_range, ranges
from frontdesk.nlu.timeparse import LEXICONS, RULES, _start_words
from frontdesk.nlu.timerules_rel import duration
from frontdesk.nlu.timespec import Spec
from frontdesk.nlu.timetok import tokenize

# The interval grammar's openers; which of them keep the day they name ("from the 10th",
# "until the 20th") and which leave it out ("after the 10th", "before the 20th").
_OPENERS = {"en": _EN_OPENERS, "es": _ES_OPENERS}
_EXCLUSIVE = ("after", "later", "despues", "before", "prior", "antes")
_OR = frozenset({"or", "o", "u"})


@dataclass(frozen=True, slots=True)
class Force:
    soft: bool = False
    negated: bool = False


@dataclass
class Items:
    """What the instruction said, item by item; ``constraints`` combines them."""

    days: list[tuple[frozenset[int], Force]] = field(default_factory=list)
    # Clock items carry the alternative they belong to: "Tuesday after 2 or Thursday
    # morning" is two (0 and 1), each a range of hours, and the answer spans both.
    parts: list[tuple[tuple[int, int], Force, int]] = field(default_factory=list)  # minutes
    earliest: list[tuple[int, Force, int]] = field(default_factory=list)  # after 00:00
    latest: list[tuple[int, Force, int]] = field(default_factory=list)
    starts: list[datetime] = field(default_factory=list)  # "after X", "from X"
    ends: list[datetime] = field(default_factory=list)  # "before X", "by X"
    spans: list[Period] = field(default_factory=list)  # "next week", "tomorrow": any of them
    excluded: list[Period] = field(default_factory=list)
    window_weeks: list[int] = field(default_factory=list)  # 0 first, -1 last
    asap: bool = False
    alternative: int = 0


class Scanner:
    def __init__(self, text: str, now: datetime, lang: str) -> None:
        self.lang = lang
        lex, starts = LEXICONS[lang], _start_words(lang)
        # One parser per clause: the grammar chains expressions over glue words, commas
        # among them, and "never Mondays, in the next two weeks" is two statements.
        self.clauses = [
            (Parser(tokens, lex, now, PREFS, RULES, starts), closer)
            for tokens, closer in clauses(tokenize(text))
        ]
        self.p = self.clauses[0][0]
        self.items = Items()
        self.force = Force()
        self.clause_days: list[int] = []  # indices into items.days / items.parts this clause
        self.clause_parts: list[int] = []
        self.clause_spans: list[int] = []
        self.comma_clause: tuple[list[int], list[int]] = ([], [])  # the one a comma closed
        self.last_was_day = False
        markers = MARKERS[lang]
        self.markers = sorted(markers, key=lambda m: -len(m[0].split()))
        self.classes = sorted(DAY_CLASSES[lang], key=lambda c: -len(c[0].split()))
        self.openers = sorted(_OPENERS[lang].items(), key=lambda o: -len(o[0].split()))

    def run(self) -> Items:
        for k, (parser, closer) in enumerate(self.clauses):
            self.p, i = parser, 0
            while i < parser.n:
                i = self._step(i)
            following = self.clauses[k + 1][0] if k + 1 < len(self.clauses) else None
            if following is None or not (closer == "," and self._day_follows(following)):
                closed = (self.clause_days, self.clause_parts)
                self._end_clause()
                if closer == ",":
                    self.comma_clause = closed
        return self.items

    # ---- one step ---------------------------------------------------------------------

    def _step(self, i: int) -> int:
        for reader in (self._opener, self._marker, self._window_week, self._day_class,
                       self._counted_window, self._expression):  # fmt: skip
            try:
                end = reader(i)
            except (OverflowError, ValueError):
                end = -1  # a date past what datetime holds (year 9999): not a constraint
            if end > i:
                return end
        if self.p.w(i) in _OR and self._has_clock():
            self.items.alternative += 1
        return i + 1

    def _has_clock(self) -> bool:
        alt, items = self.items.alternative, self.items
        return any(a == alt for *_, a in (*items.parts, *items.earliest, *items.latest))

    def _end_clause(self) -> None:
        self.comma_clause = ([], [])
        self.force = Force()
        self.clause_days, self.clause_parts, self.clause_spans = [], [], []
        self.last_was_day = False

    def _day_follows(self, p: Parser) -> bool:
        """Whether a list of days goes on after a comma ("not Monday, Tuesday or Friday")."""
        if not self.last_was_day:
            return False
        i = p.skip(0, LIST_GLUE)
        return p.w(i) in p.lex.weekdays or any(p.phrase(i, c) > 0 for c, _ in self.classes)

    def _marker(self, i: int) -> int:
        for phrase, kind in self.markers:
            end = self.p.phrase(i, phrase)
            if end > 0:
                self._apply(kind, last=end >= self.p.n)
                return end
        return -1

    def _apply(self, kind: Marker, last: bool) -> None:
        """``last``: nothing follows the marker in its clause ("Tuesdays, if possible")."""
        if kind == "asap":
            self.items.asap = True
        elif kind == "end":
            self._end_clause()
        elif kind == "only":
            self.force = Force(soft=self.force.soft)
        elif kind == "not" and last:  # "los lunes no", "este fin de semana no"
            self._negate_clause()
        elif kind == "not":
            self.force = Force(soft=self.force.soft, negated=True)
        elif last:  # "Tuesdays if possible", "mornings, if possible": a wish said after
            if self.clause_days or self.clause_parts:
                self._soften(self.clause_days, self.clause_parts)
            else:
                self._soften(*self.comma_clause)
        else:
            self.force = Force(soft=True, negated=self.force.negated)

    def _negate_clause(self) -> None:
        items = self.items
        for k in self.clause_days:
            days_said, force = items.days[k]
            items.days[k] = (days_said, replace(force, negated=True))
        for k in self.clause_parts:
            span, force, alt = items.parts[k]
            items.parts[k] = (span, replace(force, negated=True), alt)
        for k in sorted(self.clause_spans, reverse=True):
            items.excluded.append(items.spans.pop(k))
        self.clause_days, self.clause_parts, self.clause_spans = [], [], []

    def _soften(self, days: list[int], parts: list[int]) -> None:
        for k in days:
            days_said, force = self.items.days[k]
            self.items.days[k] = (days_said, replace(force, soft=True))
        for k in parts:
            span, force, alt = self.items.parts[k]
            self.items.parts[k] = (span, replace(force, soft=True), alt)

    # ---- readers: each returns the end of what it read, or -1 ------------------------

    def _opener(self, i: int) -> int:
        """ "after 2pm", "before Christmas", "by the 20th", "hasta el viernes"."""
        p = self.p
        for phrase, side in self.openers:
            j = p.phrase(i, phrase)
            if j < 0:
                continue
            best = longest(p, j, latent_ok=True)
            if best is None:
                continue
            spec, end = best
            if words_day(p, phrase, spec, j):  # "después del 10", "hasta el 20": days
                spec = Spec(day=p.num(j), latent=False)
            if any(found[2] > end for found in ranges(p, i)):
                return -1  # "from Tuesday to Thursday" is a range, read whole
            words = phrase.split()  # "no later than Friday" keeps Friday
            exclusive = words[0] != "no" and any(w in _EXCLUSIVE for w in words)
            k = p.skip(j, ("the", "el", "la", "a"))
            if side == "before" and p.phrase(k, "end|fin|finales of|de") > 0:
                exclusive = False  # "before the end of the month": up to its last day
            if self.force.negated:  # "not before 10" is "from 10 on"
                side = "after" if side != "after" else "before"
                exclusive = not exclusive
            if self._bound(spec, side, exclusive):
                return end
        return -1

    def _bound(self, spec: Spec, side: str, exclusive: bool) -> bool:
        force = Force(soft=self.force.soft)
        if time_only(spec):
            minutes = clock_minutes(spec, side)
            if minutes is None:
                return False
            bound = (minutes, force, self.items.alternative)
            (self.items.earliest if side == "after" else self.items.latest).append(bound)
            return True
        period = self.p.resolve(spec)
        if period is None or period.start is None or period.end is None:
            return False
        if force.soft:
            return True  # a preferred window has nowhere to go: read, and left out
        whole_day = coarser_than(period.grain, "hour") or period.interval
        if side == "after":
            self.items.starts.append(period.end if exclusive and whole_day else period.start)
        elif side == "by" or (not exclusive and whole_day):
            self.items.ends.append(period.end)
        else:
            self.items.ends.append(period.start)
        return True

    def _window_week(self, i: int) -> int:
        if not self.force.negated:
            return -1
        for phrase, which in WINDOW_WEEKS[self.lang]:
            end = self.p.phrase(i, phrase)
            if end > 0 and self.p.w(end) not in ("of", "de", "del", "in", "en"):
                self.items.window_weeks.append(which)
                return end
        return -1

    def _day_class(self, i: int) -> int:
        p = self.p
        if p.w(i - 1) in PARTICULAR:
            return -1  # "this weekend" is one weekend: a date
        for phrase, days in self.classes:
            end = p.phrase(i, phrase)
            if end > 0:
                self._add_days(days)
                return end
        return -1

    def _counted_window(self, i: int) -> int:
        """ "in the next two weeks", "within 10 days", "en las próximas dos semanas".

        The grammar reads "the next two weeks" as the two calendar weeks after this one
        (Duckling's reading); someone booking means from now on, so the window starts now.
        """
        p, lex = self.p, self.p.lex
        j = p.skip(i, ("in", "within", "over", "during", "for", "the", "en", "durante",
                       "los", "las", "dentro", "de"))  # fmt: skip
        if p.w(j) in lex.next_words:
            found = duration(p, j + 1)
        elif p.w(i) == "within" or p.phrase(i, "dentro de") > 0:
            found = duration(p, j)
        else:
            got = p.cardinal(j)
            if got is None or p.w(got[1]) not in lex.next_words:
                return -1
            found = unit_after(p, got[0], got[1] + 1)
        for amount, unit, end in found:
            if amount != int(amount) or unit not in ("day", "week", "month", "year"):
                continue
            now = p.now
            stop = add(at(now.date(), now.tzinfo), unit, int(amount))
            self._window(Period(now, stop, "day", interval=True))
            return end
        return -1

    def _expression(self, i: int) -> int:
        """A time expression or a range of them: days, parts of day, dates, windows."""
        p = self.p
        point = longest(p, i, latent_ok=False)
        for found in sorted(ranges(p, i), key=lambda r: -r[2]):
            if point is not None and found[2] <= point[1]:
                break
            if self._range(*found):
                return found[2]
        if point is None:
            return -1
        spec, end = point
        self._point(spec, particular=p.w(i) in PARTICULAR)
        return end

    # ---- what an expression constrains ------------------------------------------------

    def _range(self, left: Spec, right: Spec, end: int, sure: bool) -> bool:
        if recurring_day(left) and recurring_day(right):
            if left.hour is not None or right.hour is not None:
                return False  # "lunes a viernes de 9": the days, then "de 9 a 2" on its own
            assert left.weekday is not None and right.weekday is not None
            span = (right.weekday - left.weekday) % 7
            self._add_days(frozenset((left.weekday + k) % 7 for k in range(span + 1)))
            for spec in (left, right):
                if spec.pod is not None and not self.force.negated:
                    self._add_part(spec.pod)
            return True
        if time_only(left) and time_only(right):
            if left.latent and right.latent and not sure:
                return False  # "2 to 4 people"
            start, stop = clock_minutes(left, "after"), clock_minutes(right, "before")
            if start is None or stop is None:
                return False
            if stop <= start:
                return False
            self._add_clock(start, stop)
            return True
        days = left.day is not None and right.day is not None and not left.has_time()
        period = closed_range(self.p, left, right, [], sure or days)  # "del 24 al 26"
        if period is None:
            return False
        self._date(period)
        return True

    def _point(self, spec: Spec, particular: bool) -> None:
        dated_or_day = spec.has_date_fields() or spec.anchor is not None or bool(spec.holiday)
        # "except Monday morning" cannot be said in this schema: leave out all of Monday
        # (never offered, as asked), not every morning of every day.
        if spec.pod is not None and not (self.force.negated and dated_or_day):
            self._add_part(spec.pod)
        if recurring_day(spec) and not particular:
            assert spec.weekday is not None
            self._add_days(frozenset({spec.weekday}))
            return
        if time_only(spec) or spec.latent:
            return  # "at 3" alone bounds nothing
        dated = replace(spec, hour=None, minute=None, second=None, h12=False, pod=None,
                        pod_pm=None)  # fmt: skip
        period = self.p.resolve(dated)
        if period is not None and period.start is not None and period.end is not None:
            self._date(period)

    def _date(self, period: Period) -> None:
        if self.force.negated:
            self.items.excluded.append(period)
        elif not self.force.soft:
            self._window(period)

    def _window(self, period: Period) -> None:
        if self.force.negated:
            self.items.excluded.append(period)
            return
        if self.force.soft:
            return
        self.clause_spans.append(len(self.items.spans))
        self.items.spans.append(period)

    def _add_days(self, days: frozenset[int]) -> None:
        self.clause_days.append(len(self.items.days))
        self.items.days.append((days, self.force))
        self.last_was_day = True

    def _add_part(self, pod: tuple[int, int]) -> None:
        self.clause_parts.append(len(self.items.parts))
        span = (pod[0] * 60, min(pod[1], 24) * 60)
        self.items.parts.append((span, self.force, self.items.alternative))

    def _add_clock(self, start: int, stop: int) -> None:
        force = self.force
        if force.negated:  # "not between 12 and 2": can only be a bound on one side
            return
        self.items.earliest.append((start, force, self.items.alternative))
        self.items.latest.append((stop, force, self.items.alternative))
