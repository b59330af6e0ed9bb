"""What each tool answers: one small typed result per tool, or a ``Refused`` with a code.

The deterministic policy reads these directly; the LLM sees them as JSON, written in one
place (``wire``), which also is what the conversation record keeps. Times are aware and
in the business's zone (the tools convert them), so the JSON carries the local offset
the model should repeat.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from frontdesk.errors import RefusalCode
from frontdesk.services.caller_access import AppointmentFacts, CustomerFacts


@dataclass(frozen=True, slots=True)
class OpenSlot:
    start: datetime
    end: datetime
    resource_id: uuid.UUID
    resource_name: str


@dataclass(frozen=True, slots=True)
class FoundSlots:
    """``find_open_slots``: the picked slots, and how many were free in all."""

    slots: list[OpenSlot]
    count: int


@dataclass(frozen=True, slots=True)
class Booked:
    appointment: AppointmentFacts
    replayed: bool = False  # the same idempotency key booked it before


@dataclass(frozen=True, slots=True)
class Rescheduled:
    appointment: AppointmentFacts


@dataclass(frozen=True, slots=True)
class Cancelled:
    appointment: AppointmentFacts


@dataclass(frozen=True, slots=True)
class CustomerFound:
    """``lookup_customer``: the customer (None: the number is no customer's) and their
    next appointments."""

    customer: CustomerFacts | None
    appointments: list[AppointmentFacts] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CodeSent:
    phone: str  # E.164
    expires_in_minutes: int
    already_verified: bool = False  # nothing was sent: this conversation holds the number


@dataclass(frozen=True, slots=True)
class PhoneProved:
    phone: str  # E.164


@dataclass(frozen=True, slots=True)
class Transferred:
    reason: str
    to: str | None  # the business's number for a person, if it has one


@dataclass(frozen=True, slots=True)
class BusinessAnswer:
    """``business_info``: the business's own words on a topic; ``found`` False when it
    gave none (the model must then say it does not know, never guess)."""

    topic: str
    found: bool
    text: str | None = None
    score: float | None = None  # topic faq: how well the caller's question matched


@dataclass(frozen=True, slots=True)
class Refused:
    """A tool would not or could not act. ``note`` is for the model (what to do about
    it); the rules never speak it: they phrase ``code`` in the caller's language."""

    code: RefusalCode
    note: str
    tries_left: int | None = None  # wrong_code
    phone_ending: str | None = None  # verification_required from lookup_customer


ToolResult = (
    FoundSlots
    | Booked
    | Rescheduled
    | Cancelled
    | CustomerFound
    | CodeSent
    | PhoneProved
    | Transferred
    | BusinessAnswer
    | Refused
)


def wire(result: ToolResult) -> dict[str, Any]:
    """The JSON the model reads and the conversation record keeps."""
    match result:
        case FoundSlots(slots, count):
            return {"ok": True, "count": count, "slots": [_slot(s) for s in slots]}
        case Booked(appointment, replayed):
            return {"ok": True, "replayed": replayed, "appointment": _appointment(appointment)}
        case Rescheduled(appointment) | Cancelled(appointment):
            return {"ok": True, "appointment": _appointment(appointment)}
        case CustomerFound(None, _):
            return {"ok": True, "found": False, "appointments": []}
        case CustomerFound(customer, appointments):
            assert customer is not None
            return {
                "ok": True,
                "found": True,
                "customer": {
                    "id": str(customer.id),
                    "name": customer.name,
                    "phone": customer.phone,
                    "language": customer.language,
                },
                "appointments": [_appointment(a) for a in appointments],
            }
        case CodeSent(phone, minutes, already):
            return {
                "ok": True,
                "sent": not already,
                "already_verified": already,
                "phone": phone,
                "phone_ending": phone[-4:],
                "expires_in_minutes": minutes,
            }
        case PhoneProved(phone):
            return {"ok": True, "verified": True, "phone": phone, "phone_ending": phone[-4:]}
        case Transferred(reason, to):
            return {"ok": True, "transfer": True, "reason": reason, "to": to}
        case BusinessAnswer(topic, found, text, score):
            said: dict[str, Any] = {"ok": True, "topic": topic, "found": found, "text": text}
            if score is not None:
                said["match"] = round(score, 2)
            if not found:
                said["note"] = ("The business has not said. Tell the caller you don't know "
                                "and offer to connect them with a person (transfer_to_human).")
            return said
        case Refused(code, note, tries_left, phone_ending):
            refused: dict[str, Any] = {"ok": False, "error": code.value, "detail": note}
            if tries_left is not None:
                refused["tries_left"] = tries_left
            if phone_ending is not None:
                refused["phone_ending"] = phone_ending
            return refused
    raise AssertionError(f"no wire form for {result!r}")  # pragma: no cover


def _slot(s: OpenSlot) -> dict[str, Any]:
    return {
        "start": s.start.isoformat(),
        "end": s.end.isoformat(),
        "resource_id": str(s.resource_id),
        "resource_name": s.resource_name,
    }


def _appointment(a: AppointmentFacts) -> dict[str, Any]:
    return {
        "id": str(a.id),
        "service_id": str(a.service_id),
        "service_name": a.service_name,
        "start": a.start.isoformat(),
        "end": a.end.isoformat(),
        "resource_id": str(a.resource_id),
        "resource_name": a.resource_name,
        "customer_id": str(a.customer_id) if a.customer_id else None,
        "status": a.status,
    }
