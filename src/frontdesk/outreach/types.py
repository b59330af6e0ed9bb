"""Value types of the dialer's decision core: a tenant's contact policy and a lead's facts.

Pure data, validated on construction, so the service layer can build them from rows and
from tenant input alike and get the same errors. Times are timezone-aware datetimes.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

__all__ = [
    "OUTER_WINDOW",
    "Attempt",
    "ContactPolicy",
    "DayWindow",
    "DoNotCall",
    "Lead",
    "Outcome",
    "Refusal",
    "RefusalReason",
]


@dataclass(frozen=True, slots=True)
class DayWindow:
    """Wall-clock times, in the lead's zone, at which a call may START: [start, end).

    A call started at 20:59 may run past 21:00; one at 21:00 may not be started.
    """

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("a contact window is wall-clock time: no tzinfo")
        if not self.start < self.end:
            raise ValueError(f"contact window {self.start}-{self.end}: end must be after start")

    def contains(self, wall: time) -> bool:
        return self.start <= wall.replace(tzinfo=None, fold=0) < self.end


# The widest window any tenant may configure (the US TCPA's 8 a.m.-9 p.m. in the called
# party's local time, also the default). Tenants may only narrow it.
OUTER_WINDOW = DayWindow(time(8), time(21))


class Outcome(StrEnum):
    """How an attempt ended (issue 12's list)."""

    BOOKED = "booked"
    DECLINED = "declined"
    CALLBACK_REQUESTED = "callback_requested"
    VOICEMAIL = "voicemail"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    FAILED = "failed"
    WRONG_NUMBER = "wrong_number"
    OPTED_OUT = "opted_out"


# Outcomes after which the lead is never called again by this campaign.
CONCLUDING = frozenset({Outcome.BOOKED, Outcome.DECLINED, Outcome.WRONG_NUMBER})


@dataclass(frozen=True, slots=True)
class Attempt:
    """One call placed to the lead. ``outcome`` is None while unknown (in flight, or the
    worker died before recording it): it counts as an attempt and waits out the backoff
    like a no-answer, so a lost result never causes an immediate redial."""

    at: datetime
    outcome: Outcome | None = None

    def __post_init__(self) -> None:
        _require_aware(self.at, "attempt time")


@dataclass(frozen=True, slots=True)
class Lead:
    """What the dialer knows about one person in a campaign.

    ``country``: ISO 3166-1 alpha-2, for public holidays (None: no holidays known).
    ``consent_at``: when prior express consent to automated calls was recorded (None:
    never). ``callback_at``: the time the person asked to be called back at, honoured
    when the latest attempt ended ``CALLBACK_REQUESTED``.
    """

    phone: str
    timezone: ZoneInfo
    country: str | None = None
    consent_at: datetime | None = None
    attempts: tuple[Attempt, ...] = ()
    callback_at: datetime | None = None
    opted_out: bool = False

    def __post_init__(self) -> None:
        if self.consent_at is not None:
            _require_aware(self.consent_at, "consent_at")
        if self.callback_at is not None:
            _require_aware(self.callback_at, "callback_at")

    @property
    def last_attempt(self) -> Attempt | None:
        return max(self.attempts, key=lambda attempt: attempt.at, default=None)


@dataclass(frozen=True)
class ContactPolicy:
    """A tenant's rules for contacting leads (the campaign's copy of them).

    ``window`` applies every day unless ``by_weekday`` (0 = Monday ... 6 = Sunday) names
    the day: a ``DayWindow`` there replaces it, ``None`` means no calls that weekday.
    Every window must lie inside ``OUTER_WINDOW``. ``retry_backoff[k]`` is the wait after
    the (k+1)-th attempt that did not reach anyone (no answer, busy, voicemail, failed,
    unknown); the last entry repeats.
    """

    window: DayWindow = OUTER_WINDOW
    by_weekday: Mapping[int, DayWindow | None] = field(default_factory=dict)
    max_attempts: int = 3
    retry_backoff: tuple[timedelta, ...] = (timedelta(hours=4), timedelta(days=1))
    ai_voice_requires_consent: bool = True
    skip_public_holidays: bool = True

    def __post_init__(self) -> None:
        for weekday, window in self.by_weekday.items():
            if weekday not in range(7):
                raise ValueError(f"weekday {weekday} is not 0 (Monday) .. 6 (Sunday)")
            if window is not None:
                _require_inside_outer(window)
        _require_inside_outer(self.window)
        if self.max_attempts < 0:
            raise ValueError("max_attempts must not be negative")
        if not self.retry_backoff or any(wait < timedelta(0) for wait in self.retry_backoff):
            raise ValueError("retry_backoff needs at least one wait, none negative")

    def window_on(self, weekday: int) -> DayWindow | None:
        return self.by_weekday.get(weekday, self.window)

    def backoff_after(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th attempt (1-based)."""
        return self.retry_backoff[min(attempts, len(self.retry_backoff)) - 1]


class RefusalReason(StrEnum):
    """Why a lead may not be called. The first group is permanent: ``next_contact_time``
    answers them. The second only says "not at this instant" (``check_contact_at``)."""

    OPTED_OUT = "opted_out"
    DO_NOT_CALL = "do_not_call"
    NO_CONSENT = "no_consent"
    CONCLUDED = "concluded"
    MAX_ATTEMPTS = "max_attempts"
    NO_WINDOW = "no_window"

    NOT_YET = "not_yet"
    HOLIDAY = "holiday"
    OUTSIDE_WINDOW = "outside_window"


PERMANENT = frozenset(
    {
        RefusalReason.OPTED_OUT,
        RefusalReason.DO_NOT_CALL,
        RefusalReason.NO_CONSENT,
        RefusalReason.CONCLUDED,
        RefusalReason.MAX_ATTEMPTS,
        RefusalReason.NO_WINDOW,
    }
)


@dataclass(frozen=True, slots=True)
class Refusal:
    reason: RefusalReason
    detail: str = ""

    @property
    def permanent(self) -> bool:
        return self.reason in PERMANENT


# The do-not-call list as the service layer hands it in: a set of E.164 numbers (or any
# container), or a predicate that looks the number up.
DoNotCall = Container[str] | Callable[[str], bool]


def on_dnc(dnc: DoNotCall, phone: str) -> bool:
    if callable(dnc):
        return bool(dnc(phone))
    return phone in dnc


def _require_aware(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware")


def _require_inside_outer(window: DayWindow) -> None:
    if window.start < OUTER_WINDOW.start or window.end > OUTER_WINDOW.end:
        raise ValueError(
            f"contact window {window.start}-{window.end} is wider than the permitted "
            f"{OUTER_WINDOW.start}-{OUTER_WINDOW.end}"
        )
