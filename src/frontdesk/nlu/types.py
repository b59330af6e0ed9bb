"""Value types of language understanding (pure data, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

Grain = Literal["second", "minute", "hour", "day", "week", "month", "year"]
Lang = Literal["en", "es"]


@dataclass(frozen=True, slots=True)
class TimeMention:
    """A date/time expression found in text.

    kind "instant": ``value`` is the resolved time (aware, in the zone of ``now``).
    kind "interval": ``start_at``/``end_at`` bound it; ``end_at`` is exclusive; either
    may be None for an open end ("after 5", "before Friday").
    ``start``/``end`` are character offsets of ``text`` in the input.
    """

    text: str
    start: int
    end: int
    kind: Literal["instant", "interval"]
    grain: Grain
    value: datetime | None = None
    start_at: datetime | None = None
    end_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        def iso(d: datetime | None) -> str | None:
            return d.isoformat() if d is not None else None

        out: dict[str, Any] = {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "kind": self.kind,
            "grain": self.grain,
        }
        if self.kind == "instant":
            out["value"] = iso(self.value)
        else:
            out["from"] = iso(self.start_at)
            out["to"] = iso(self.end_at)
        return out


class Intent(StrEnum):
    BOOK = "book"
    RESCHEDULE = "reschedule"
    CANCEL = "cancel"
    MY_APPOINTMENTS = "my_appointments"
    # "When is my wife's appointment?": about an appointment the caller does not hold.
    THIRD_PARTY = "third_party"
    AVAILABILITY = "availability"
    HOURS = "hours"
    HUMAN = "human"
    YES = "yes"
    NO = "no"
    CHOICE = "choice"
    CORRECTION = "correction"
    OPT_OUT = "opt_out"
    # What a person we called may answer besides booking (issue 12's outcomes).
    DECLINE = "decline"  # "not interested", "no me interesa"
    CALLBACK = "callback"  # "call me back tomorrow at 3", "llámeme mañana a las 3"
    WRONG_NUMBER = "wrong_number"  # "wrong number", "número equivocado"
    GREETING = "greeting"
    GOODBYE = "goodbye"
    THANKS = "thanks"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class ServiceName:
    """A bookable service as callers may name it (the tenant's names and synonyms)."""

    service_id: str
    name: str
    synonyms: dict[str, list[str]] = field(default_factory=dict)  # lang -> spoken names


@dataclass(frozen=True, slots=True)
class ServiceMatch:
    service_id: str
    score: float  # 0..1
    matched: str  # the words in the text that matched


@dataclass(frozen=True, slots=True)
class Understanding:
    """Everything the deterministic policy needs from one caller turn."""

    text: str
    lang: Lang
    intents: tuple[Intent, ...]  # most likely first; never empty (UNKNOWN at worst)
    times: tuple[TimeMention, ...] = ()
    services: tuple[ServiceMatch, ...] = ()  # best first
    choice: int | None = None  # 0-based option index; -1 = the last one
    person_name: str | None = None
    phone: str | None = None  # E.164
    email: str | None = None
    code: str | None = None  # a one-time code read back (only when one was asked for)

    @property
    def intent(self) -> Intent:
        return self.intents[0]

    def has(self, intent: Intent) -> bool:
        return intent in self.intents
