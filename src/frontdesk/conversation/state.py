"""Dialogue state: what the conversation knows so far, stored as JSON between turns."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from frontdesk.conversation.tool_results import OpenSlot
    from frontdesk.services.caller_access import AppointmentFacts

Goal = Literal["book", "reschedule", "cancel", "my_appointments", "availability", "hours"]
Awaiting = Literal[
    "service",
    "time",
    "choice",
    "name",
    "phone",
    "confirm",
    "which_appointment",
    "anything_else",
    "confirm_transfer",
    "code",  # a verification code was texted; the caller reads it back
    "resend_code",  # the code expired or died: send a new one?
    "availability",  # a campaign's offers did not suit: when is the person free?
    "date_of_birth",  # details the business requires before booking (conversation/intake.py)
    "insurance",
]


@dataclass
class OfferedSlot:
    start: str  # ISO-8601 with offset
    end: str
    resource_id: str
    resource_name: str

    @classmethod
    def of(cls, slot: OpenSlot) -> OfferedSlot:
        return cls(slot.start.isoformat(), slot.end.isoformat(), str(slot.resource_id),
                   slot.resource_name)


@dataclass
class KnownAppointment:
    id: str
    service_id: str
    service_name: str
    start: str  # ISO-8601 with the business's offset
    resource_name: str

    @classmethod
    def of(cls, appointment: AppointmentFacts) -> KnownAppointment:
        return cls(
            id=str(appointment.id),
            service_id=str(appointment.service_id),
            service_name=appointment.service_name,
            start=appointment.start.isoformat(),
            resource_name=appointment.resource_name,
        )


@dataclass
class DialogueState:
    lang: str = "en"
    goal: Goal | None = None
    awaiting: Awaiting | None = None
    service_id: str | None = None
    resource_id: str | None = None  # a person the caller asked for
    # The caller's time constraint, as a serialised TimeMention (see nlu.types).
    time: dict[str, Any] | None = None
    # A rule the caller stated for every offer ("any weekday morning except Wednesday"),
    # as ``services.constraints.CallerRule.to_json()``; ``time`` then spans its window.
    rule: dict[str, Any] | None = None
    # The hours the caller can come ("only evenings", "nothing before noon"), as
    # ``{"earliest": "HH:MM"|None, "latest": "HH:MM"|None}``: kept for every later offer
    # in the call until they change it (conversation/limits.py).
    limits: dict[str, str | None] | None = None
    # Starts (ISO) the caller turned down ("none of those work") or that a write refused:
    # a later search for other times does not offer them again.
    declined: list[str] = field(default_factory=list)
    # A move counted from the appointment being moved ("two days later"), said before the
    # agent knew which one: ``{"days": N, "minutes": M}`` (conversation/relative.py).
    shift: dict[str, int] | None = None
    offered: list[OfferedSlot] = field(default_factory=list)
    chosen: OfferedSlot | None = None
    name: str | None = None
    phone: str | None = None
    customer_id: str | None = None
    # The caller is known to hold the number: a vouched-for caller ID matched a customer,
    # or they read back the code texted to the number they gave.
    verified: bool = False
    pending_phone: str | None = None  # a code was texted here and not yet read back
    appointments: list[KnownAppointment] = field(default_factory=list)
    target: KnownAppointment | None = None
    misunderstood: int = 0
    asked_phone: int = 0
    done: bool = False
    outcome: str | None = None
    appointment_id: str | None = None
    # The appointment booked in this call: "actually, can we make it 4?" right after is a
    # move of this one, never a second booking (policy._amending).
    booked_here: KnownAppointment | None = None
    booking_seq: int = 0  # numbers each write, for idempotency keys
    # A call the business placed (its opening disclosed who calls and how to opt out):
    # "not interested", "call me back", "wrong number" are outcomes here.
    outbound: bool = False
    # What the business requires before booking, as given and checked ({"date_of_birth":
    # "1985-03-02"}); sent with the booking and kept on the appointment.
    intake: dict[str, str] = field(default_factory=dict)
    # When the agent last spoke (ISO, the agent's clock): a question asked long ago by
    # text is no longer what a "yes" answers (ADR 0048).
    replied_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> DialogueState:
        if not data:
            return cls()
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["offered"] = [OfferedSlot(**o) for o in values.get("offered", [])]
        if values.get("chosen"):
            values["chosen"] = OfferedSlot(**values["chosen"])
        values["appointments"] = [KnownAppointment(**a) for a in values.get("appointments", [])]
        for key in ("target", "booked_here"):
            if values.get(key):
                values[key] = KnownAppointment(**values[key])
        return cls(**values)

    def reset_booking(self) -> None:
        """Forget the slot search (a new time or service was given)."""
        self.offered = []
        self.chosen = None

    def start_afresh(self) -> None:
        """Forget the task and its pending question, keep who the caller is: a new
        request ("R" to a reminder) or a question gone stale starts from nothing."""
        self.goal = self.awaiting = None
        self.service_id = self.resource_id = None
        self.time = self.rule = None
        self.reset_booking()
        self.target = None
        self.pending_phone = None
        self.misunderstood = self.asked_phone = 0
        self.done, self.outcome = False, None

    def summary(self) -> dict[str, Any]:
        """What a door shows of the state (no personal data beyond what was said)."""
        return {
            "goal": self.goal,
            "awaiting": self.awaiting,
            "service_id": self.service_id,
            "offered": [o.start for o in self.offered],
            "chosen": self.chosen.start if self.chosen else None,
            "have_name": self.name is not None,
            "have_phone": self.phone is not None,
            "outcome": self.outcome,
            "appointment_id": self.appointment_id,
        }
