"""The shape of a language's time vocabulary (filled in by timelex_en / timelex_es)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class PartOfDay:
    start: int  # hour
    end: int  # hour, exclusive; 24 = midnight
    pm: bool | None  # whether an ambiguous hour in it is after noon


@dataclass(frozen=True, slots=True, eq=False)  # compared (and cached) by identity
class Lexicon:
    lang: str
    weekdays: dict[str, int]
    weak_weekdays: frozenset[str]  # also ordinary words ("sat", "sun"): need context
    months: dict[str, int]
    weak_months: frozenset[str]  # "may", "march": need context
    numbers: dict[str, int]  # cardinal words, 0-19 and the tens
    ordinals: dict[str, int]
    weak_ordinals: frozenset[str]  # "second", "first": need "of <month>" or "on the"
    units: dict[str, str]  # duration words -> grain
    pods: dict[str, PartOfDay]
    rel_days: dict[str, int]  # today 0, tomorrow 1, ...
    next_words: frozenset[str]
    last_words: frozenset[str]
    this_words: frozenset[str]
    am: frozenset[str]
    pm: frozenset[str]
    noon: frozenset[str]
    midnight: frozenset[str]
    now_words: frozenset[str]
    seasons: dict[str, tuple[tuple[int, int], tuple[int, int]]]  # (month, day) start, end
    holidays: dict[str, str]  # a name's last word(s) joined by " " -> holiday key
    extra: dict[str, frozenset[str]] = field(default_factory=dict)

    def word_set(self, key: str) -> frozenset[str]:
        return self.extra.get(key, frozenset())
