"""The simulated people a demo campaign calls: who answers, and what they say.

Each person is one of a few kinds, each with a short script in English and Spanish (the
lines they say, one per time the front desk listens; when the lines run out they hang
up). Who is which kind is deterministic: ``cast`` deals a fixed mix to a list of numbers
with a seeded shuffle, ``person_for`` picks from a number alone (for a number nobody cast).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    BOOKS = "books"  # takes the first time offered
    DECLINES = "declines"
    CALLBACK = "asks for a callback"
    MACHINE = "voicemail machine"
    NO_ANSWER = "does not answer"
    BUSY = "line busy"
    STOP = "says stop calling"


# What each kind says, one line per turn; after the last line the person hangs up.
_LINES: dict[Kind, dict[str, tuple[str, ...]]] = {
    Kind.BOOKS: {
        # Three times were offered: a person picks one, then confirms.
        "en": ("the first one works for me", "yes", "no, that's all, thank you"),
        "es": ("la primera me viene bien", "sí", "no, nada más, gracias"),
    },
    Kind.DECLINES: {
        "en": ("no thanks, I'm not interested",),
        "es": ("no, gracias, no me interesa",),
    },
    Kind.CALLBACK: {
        "en": ("can you call me back tomorrow at 3pm",),
        "es": ("¿me puede llamar mañana a las 3 de la tarde?",),
    },
    Kind.STOP: {
        "en": ("stop calling me",),
        "es": ("no me llamen más",),
    },
}

# Twenty people's worth: the demo's mix (5 book, 4 machines, 3 decline, 3 callbacks, 2 no
# answer, 2 busy, 1 "stop calling me"), in an order whose every prefix of 7 or more has
# each kind, so a shorter list is varied too. ``cast`` deals it round and round.
MIX: tuple[Kind, ...] = (
    Kind.BOOKS, Kind.MACHINE, Kind.DECLINES, Kind.CALLBACK, Kind.NO_ANSWER, Kind.BUSY,
    Kind.STOP, Kind.BOOKS, Kind.MACHINE, Kind.DECLINES, Kind.CALLBACK, Kind.NO_ANSWER,
    Kind.BUSY, Kind.BOOKS, Kind.MACHINE, Kind.DECLINES, Kind.CALLBACK, Kind.BOOKS,
    Kind.MACHINE, Kind.BOOKS,
)


@dataclass(frozen=True, slots=True)
class Person:
    kind: Kind
    lang: str = "en"
    ring_s: float = 0.5  # how long the phone rings before it is answered (or not)

    @property
    def answers(self) -> bool:
        """Someone (or something) picks up and the voice webhook is fetched."""
        return self.kind not in (Kind.NO_ANSWER, Kind.BUSY)

    @property
    def answered_by(self) -> str:
        """Twilio's ``AnsweredBy`` with ``MachineDetection=DetectMessageEnd``."""
        return "machine_end_beep" if self.kind is Kind.MACHINE else "human"

    @property
    def lines(self) -> tuple[str, ...]:
        by_lang = _LINES.get(self.kind, {})
        return by_lang.get(self.lang) or by_lang.get("en", ())

    @property
    def final_status(self) -> str:
        """The call's last status, as Twilio's ``CallStatus`` says it."""
        if self.kind is Kind.NO_ANSWER:
            return "no-answer"
        return "busy" if self.kind is Kind.BUSY else "completed"


def _ring(rng: random.Random) -> float:
    return round(rng.uniform(0.3, 1.2), 2)


def cast(numbers: Sequence[tuple[str, str]], seed: int) -> dict[str, Person]:
    """A person for each ``(phone, language)``: the mix dealt with a shuffle ``seed``
    decides, so the same seed and list always give the same people."""
    rng = random.Random(seed)
    kinds = [MIX[i % len(MIX)] for i in range(len(numbers))]
    rng.shuffle(kinds)
    return {phone: Person(kind, lang, _ring(rng))
            for (phone, lang), kind in zip(numbers, kinds, strict=True)}


def person_for(phone: str, seed: int = 0, lang: str = "en") -> Person:
    """The person at a number nobody cast: a kind from the mix, fixed by number and seed."""
    digest = hashlib.sha256(f"{seed}:{phone}".encode()).digest()
    rng = random.Random(digest)
    return Person(MIX[digest[0] % len(MIX)], lang, _ring(rng))
