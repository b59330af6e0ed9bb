"""The time grammar: parser state, numbers, and how pieces compose into expressions.

Rules live in ``timerules_*`` modules as functions ``rule(p, i) -> [(Spec, end), ...]``
over the token list; here a *point* is one or more rule matches joined by glue words
("tomorrow" "at" "3pm") whose specs intersect, and an *expression* is a point or an
interval between points ("from 9:30 to 11 on Thursday"). Everything is memoised per
start token, so a sentence costs little more than its time words.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from functools import lru_cache

from frontdesk.nlu.timecalc import Period
from frontdesk.nlu.timelex import Lexicon
from frontdesk.nlu.timespec import Prefs, Spec, merge, resolve
from frontdesk.nlu.timetok import Token

Cand = tuple[Spec, int]
Rule = Callable[["Parser", int], Iterable[Cand]]

# Words after which a bare number ("tomorrow 2") may still be an hour.
_QUIET_FOLLOW = frozenset(
    "and or please pls then works work would is ok okay if so maybe instead thanks thank "
    "y o por favor gracias entonces".split()
)


@lru_cache(maxsize=1024)
def _compiled(words: str) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(word.split("|")) for word in words.split())


def pins_day(a: Spec, b: Spec) -> bool:
    """A bare hour (a) only joins what names a day or a part of one (b)."""
    if not (a.latent and a.hour is not None and not a.has_date_fields()):
        return True
    if b.day is not None or b.weekday is not None or b.pod is not None or b.holiday:
        return True
    return b.anchor is not None and b.anchor.grain in ("day", "week")


_RANGE_WORDS = frozenset({"a", "al", "to", "-", "hasta", "till", "until"})
# Words that make a bare number an hour: "at 3", "around 10". (Spanish says "a las 3",
# which the clock rules read themselves; "para una consulta" is no time.)
_HOUR_LEADS = frozenset({"at", "@", "around", "about", "approximately", "approx"})


class Parser:
    """Parses one token list against one lexicon and one ``now``."""

    __slots__ = ("t", "n", "lex", "now", "prefs", "rules", "starts", "_atoms", "_points")

    def __init__(
        self,
        tokens: list[Token],
        lex: Lexicon,
        now: datetime,
        prefs: Prefs,
        rules: tuple[Rule, ...],
        starts: frozenset[str] = frozenset(),
    ) -> None:
        self.t = tokens
        self.n = len(tokens)
        self.lex = lex
        self.now = now
        self.prefs = prefs
        self.rules = rules
        self.starts = starts  # words a rule may begin with (empty: try every word)
        self._atoms: dict[int, list[Cand]] = {}
        self._points: dict[int, list[Cand]] = {}

    # ---- token helpers ----------------------------------------------------------------

    def w(self, i: int) -> str:
        return self.t[i].norm if 0 <= i < self.n else ""

    def num(self, i: int) -> int | None:
        return self.t[i].num if 0 <= i < self.n else None

    def glued(self, i: int) -> bool:
        return 0 <= i < self.n and self.t[i].glued

    def phrase(self, i: int, words: str) -> int:
        """End index if the space-separated ``words`` follow at i ("|" separates options)."""
        tokens, n = self.t, self.n
        for options in _compiled(words):
            if i >= n or tokens[i].norm not in options:
                return -1
            i += 1
        return i

    def skip(self, i: int, words: Iterable[str]) -> int:
        ws = words if isinstance(words, frozenset | set) else frozenset(words)
        while i < self.n and self.t[i].norm in ws:
            i += 1
        return i

    def quiet_after(self, i: int) -> bool:
        """Whether what follows i leaves a bare number free to be an hour."""
        if i >= self.n:
            return True
        word = self.w(i)
        if not word.isalnum():
            return True
        lex = self.lex
        return (
            word in _QUIET_FOLLOW
            or word in lex.pods
            or word in lex.rel_days
            or word in lex.weekdays
            or word in lex.months
            or word in lex.am
            or word in lex.pm
            or word in lex.word_set("glue")
            or word in ("oclock", "ish", "tonight", "tonite", "sharp", "hours", "horas", "h")
            or word in ("in", "on", "at", "this", "next", "de", "del", "por", "en", "esta", "este")
        )

    # ---- numbers ----------------------------------------------------------------------

    def cardinal(self, i: int, words: bool = True) -> tuple[int, int] | None:
        """A whole number at i: digits, or words ("twenty-three", "treinta y uno")."""
        v = self.num(i)
        if v is not None:
            return v, i + 1
        if not words:
            return None
        nums = self.lex.numbers
        first = self.w(i)
        if first not in nums:
            return None
        value, j = nums[first], i + 1
        if self.lex.lang == "es":
            if value in (200, 300, 400, 500, 600, 700, 800, 900) and self.w(j) in nums:
                rest = self.cardinal(j)  # "novecientos noventa"
                if rest is not None and rest[0] < 100:
                    return value + rest[0], rest[1]
            if (
                value in (60, 70, 80, 90)
                and self.w(j) == "y"
                and 1 <= nums.get(self.w(j + 1), 0) <= 9
            ):
                return value + nums[self.w(j + 1)], j + 2
            if value == 1000:
                rest = self.cardinal(j)
                if rest is not None and rest[0] < 1000:
                    return 1000 + rest[0], rest[1]
                return value, j
            if value in (30, 40, 50) and self.w(j) == "y" and 1 <= nums.get(self.w(j + 1), 0) <= 9:
                return value + nums[self.w(j + 1)], j + 2
            return value, j
        if value in (20, 30, 40, 50, 60):
            k = j + 1 if self.w(j) == "-" and self.glued(j) else j
            unit = nums.get(self.w(k))
            if unit is not None and 1 <= unit <= 9:
                return value + unit, k + 1
            return value, j
        if value in (1, 2) and self.w(j) == "thousand":
            rest = self.cardinal(j + 1 + (self.w(j + 1) == "and"))
            if rest is not None and rest[0] < 1000:
                return value * 1000 + rest[0], rest[1]
            return value * 1000, j + 1
        return value, j

    def ordinal(self, i: int) -> tuple[int, int, bool] | None:
        """A day-of-month ordinal: "13th", "the first" words, "twenty-first". (value, end, weak)"""
        v = self.num(i)
        if v is not None:
            suffix = self.w(i + 1)
            allowed = ("st", "nd", "rd", "th") if self.lex.lang == "en" else ("º", "ª")
            if self.glued(i + 1) and suffix in allowed:
                return v, i + 2, False
            return None
        word = self.w(i)
        ords, nums = self.lex.ordinals, self.lex.numbers
        if word in ("twenty", "thirty") and self.lex.lang == "en":
            k = i + 2 if self.w(i + 1) == "-" else i + 1
            unit = ords.get(self.w(k))
            if unit is not None and unit <= 9:
                return nums[word] + unit, k + 1, False
            return None
        if word in ords:
            return ords[word], i + 1, word in self.lex.weak_ordinals
        return None

    # ---- composition ------------------------------------------------------------------

    def can_start(self, i: int) -> bool:
        if i >= self.n:
            return False
        token = self.t[i]
        return token.num is not None or not self.starts or token.norm in self.starts

    def atoms(self, i: int) -> list[Cand]:
        found = self._atoms.get(i)
        if found is None:
            found = []
            if self.can_start(i):
                for rule in self.rules:
                    found.extend(rule(self, i))
            self._atoms[i] = found
        return found

    def points(self, i: int) -> list[Cand]:
        """Every point starting at i: atoms chained by glue words while they intersect."""
        found = self._points.get(i)
        if found is not None:
            return found
        lead = self.lex.word_set("lead")
        j = i
        while j < self.n and self.t[j].norm in lead and j - i < 3:
            j += 1
        prefixed = self._says_hour(i, j)
        found = list(self.atoms(i)) if j > i else []
        for spec, end in self.atoms(j):
            if prefixed and spec.latent and spec.hour is not None:
                spec = replace(spec, latent=False)
            found.append((spec, end))
        frontier = found
        for _ in range(4):
            grown: list[Cand] = []
            for spec, end in frontier:
                bare = spec.latent and spec.hour is not None and not spec.has_date_fields()
                for k in self._glue_starts(end):
                    if bare and any(self.t[g].norm in _RANGE_WORDS for g in range(end, k)):
                        continue  # "13 a 15 de julio" is a range, not 13:00 on the 15th
                    for other, other_end in self.atoms(k):
                        if other.latent and other.hour is not None:
                            if self._says_hour(end, k):  # "Thursday at 11 in the morning"
                                other = replace(other, latent=False)
                            elif not self.quiet_after(other_end):
                                continue
                        if not (pins_day(spec, other) and pins_day(other, spec)):
                            continue
                        both = merge(spec, other)
                        if both is not None:
                            grown.append((both, other_end))
            if not grown:
                break
            found.extend(grown)
            frontier = grown
        self._points[i] = found
        return found

    def _says_hour(self, start: int, stop: int) -> bool:
        """Whether the words between start and stop announce an hour ("at", "around")."""
        return any(self.t[k].norm in _HOUR_LEADS for k in range(start, stop))

    def _glue_starts(self, k: int) -> list[int]:
        glue = self.lex.word_set("glue") | self.lex.word_set("lead")
        starts = [k]
        while k < self.n and self.t[k].norm in glue and len(starts) < 3:
            k += 1
            starts.append(k)
        return starts

    def resolve(self, spec: Spec, now: datetime | None = None) -> Period | None:
        return resolve(spec, now or self.now, self.prefs)

    def fixed(self, period: Period | None) -> Spec | None:
        """A spec that is exactly ``period``."""
        return None if period is None else Spec(anchor=period, latent=False)
