"""The tools both brains use: find slots, book, reschedule, cancel, look up, verify a
phone, transfer.

The deterministic policy and the LLM driver call exactly these, with arguments validated
by the same pydantic models (``tool_args``), so every guarantee (hours, no double
booking, tenant isolation, no acting on a number the caller has not proved) is enforced
below the brain, in the tools and services. Each call is recorded.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.conversation.tool_args import (
    TOOL_MODELS,
    BookArgs,
    CancelArgs,
    CheckCodeArgs,
    FindSlotsArgs,
    LookupCustomerArgs,
    RescheduleArgs,
    SendCodeArgs,
    TransferArgs,
)
from frontdesk.errors import FrontdeskError, InvalidInput
from frontdesk.scheduling import (
    Slot,
    SlotPreferences,
    distinct_starts,
    rank_slots,
    spread,
)
from frontdesk.services import availability, booking
from frontdesk.services import phone_verification as verification
from frontdesk.services.customers import CustomerFields, find_by_phone, normalize_phone
from frontdesk.store.models import Appointment, AppointmentStatus, Resource, Tenant


@dataclass
class ToolCall:
    name: str
    args: dict[str, Any]
    result: dict[str, Any]


@dataclass
class ToolContext:
    factory: sessionmaker[Session]
    tenant: Tenant
    conversation_id: uuid.UUID
    channel: str
    caller_phone: str | None = None
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    lang: str = "en"  # the conversation's language: the default for texts we send


@dataclass
class Tools:
    ctx: ToolContext
    calls: list[ToolCall] = field(default_factory=list)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.ctx.tenant.timezone)

    def call(
        self, name: str, raw_args: dict[str, Any], *, key: str | None = None
    ) -> dict[str, Any]:
        """Validate and run one tool; errors come back as data, never as exceptions."""
        model = TOOL_MODELS.get(name)
        if model is None:
            result: dict[str, Any] = {
                "ok": False,
                "error": "unknown_tool",
                "detail": f"No tool named {name!r}.",
            }
        else:
            try:
                args = model.model_validate(raw_args)
                result = getattr(self, f"_{name}")(args, key)
            except ValidationError as exc:
                result = {
                    "ok": False,
                    "error": "invalid_arguments",
                    "detail": "; ".join(
                        f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()
                    ),
                }
            except FrontdeskError as exc:
                result = {"ok": False, "error": exc.code, "detail": exc.detail}
            except ValueError as exc:  # a malformed id
                result = {"ok": False, "error": "invalid_arguments", "detail": str(exc)}
        self.calls.append(ToolCall(name, dict(raw_args), result))
        return result

    # --- the tools -------------------------------------------------------------------------

    def _find_open_slots(self, args: FindSlotsArgs, _: str | None) -> dict[str, Any]:
        with self.ctx.factory() as session:
            slots = availability.find_slots(
                session,
                self.ctx.tenant,
                uuid.UUID(args.service_id),
                args.start,
                args.end,
                resource_id=uuid.UUID(args.resource_id) if args.resource_id else None,
                now=self.ctx.clock(),
            )
            names = self._resource_names(session)
        if args.part_of_day:
            slots = rank_slots(
                slots, SlotPreferences(parts_of_day=frozenset(args.part_of_day)), self.tz
            )
        if args.near is not None:
            near = args.near
            closest = sorted(distinct_starts(slots), key=lambda s: abs(s.start - near))
            picked = sorted(closest[: args.limit], key=lambda s: s.start)
        else:
            picked = _varied(distinct_starts(slots), args.limit, self.tz)
        return {
            "ok": True,
            "count": len(slots),
            "slots": [
                {
                    "start": s.start.astimezone(self.tz).isoformat(),
                    "end": s.end.astimezone(self.tz).isoformat(),
                    "resource_id": str(s.resource_id),
                    "resource_name": names[s.resource_id],
                }
                for s in picked
            ],
        }

    def _book(self, args: BookArgs, key: str | None) -> dict[str, Any]:
        phone = args.customer_phone or self._usable_caller_id()
        result = booking.book(
            self.ctx.factory,
            self.ctx.tenant,
            booking.BookingRequest(
                service_id=uuid.UUID(args.service_id),
                start=args.start,
                resource_id=uuid.UUID(args.resource_id) if args.resource_id else None,
                customer=CustomerFields(phone=phone, name=args.customer_name),
                source=self.ctx.channel if self.ctx.channel in ("chat", "phone", "sms") else "chat",
                idempotency_key=key,
            ),
            now=self.ctx.clock(),
        )
        return {
            "ok": True,
            "replayed": result.replayed,
            "appointment": self._appointment(result.appointment),
        }

    def _reschedule(self, args: RescheduleArgs, _: str | None) -> dict[str, Any]:
        self._require_callers(args.appointment_id)
        moved = booking.reschedule(
            self.ctx.factory,
            self.ctx.tenant,
            uuid.UUID(args.appointment_id),
            args.start,
            resource_id=uuid.UUID(args.resource_id) if args.resource_id else None,
            now=self.ctx.clock(),
        )
        return {"ok": True, "appointment": self._appointment(moved)}

    def _cancel(self, args: CancelArgs, _: str | None) -> dict[str, Any]:
        self._require_callers(args.appointment_id)
        cancelled = booking.cancel(
            self.ctx.factory, self.ctx.tenant, uuid.UUID(args.appointment_id), now=self.ctx.clock()
        )
        return {"ok": True, "appointment": self._appointment(cancelled)}

    def _lookup_customer(self, args: LookupCustomerArgs, _: str | None) -> dict[str, Any]:
        phone = args.phone or self.ctx.caller_phone
        if not phone:
            return {"ok": False, "error": "no_phone", "detail": "No phone number to look up."}
        e164 = normalize_phone(phone, self.ctx.tenant.country)
        if e164 not in self._verified_phones():
            # Refused before any read: not even whether the number is a customer leaks.
            return _verification_required(e164)
        return self._customer_record(e164)

    def _send_verification_code(self, args: SendCodeArgs, _: str | None) -> dict[str, Any]:
        sent = verification.issue_code(
            self.ctx.factory,
            self.ctx.tenant,
            self.ctx.conversation_id,
            args.phone,
            lang=args.language or self.ctx.lang,
            now=self.ctx.clock(),
        )
        return {
            "ok": True,
            "sent": not sent.already_verified,
            "already_verified": sent.already_verified,
            "phone": sent.phone,
            "phone_ending": sent.phone[-4:],
            "expires_in_minutes": int(verification.CODE_TTL.total_seconds() // 60),
        }

    def _check_verification_code(self, args: CheckCodeArgs, _: str | None) -> dict[str, Any]:
        try:
            phone = verification.check_code(
                self.ctx.factory,
                self.ctx.tenant,
                self.ctx.conversation_id,
                args.code,
                phone=args.phone,
                now=self.ctx.clock(),
            )
        except verification.WrongCode as exc:
            left = exc.extra["tries_left"]
            return {"ok": False, "error": exc.code, "detail": exc.detail, "tries_left": left}
        return {"ok": True, "verified": True, "phone": phone, "phone_ending": phone[-4:]}

    def _transfer_to_human(self, args: TransferArgs, _: str | None) -> dict[str, Any]:
        return {
            "ok": True,
            "transfer": True,
            "reason": args.reason,
            "to": self.ctx.tenant.fallback_phone,
        }

    # --- helpers ---------------------------------------------------------------------------

    def _usable_caller_id(self) -> str | None:
        """The caller ID, unless it is not a real number (withheld, test ranges): then the
        booking is made without a phone rather than failing at the last step."""
        if not self.ctx.caller_phone:
            return None
        try:
            return normalize_phone(self.ctx.caller_phone, self.ctx.tenant.country)
        except InvalidInput:
            return None

    def _require_callers(self, appointment_id: str) -> None:
        """A caller may change only the appointments of a number this conversation holds:
        a caller ID its door vouched for, or a number proved by a code."""
        phones = self._verified_phones()
        if not phones:
            raise _VerificationRequired()
        for phone in sorted(phones):
            record = self._customer_record(phone)
            if appointment_id in {a["id"] for a in record["appointments"]}:
                return
        raise _NotCallers()

    def _verified_phones(self) -> set[str]:
        with self.ctx.factory() as session:
            return verification.verified_phones(
                session, self.ctx.tenant, self.ctx.conversation_id
            )

    def _customer_record(self, phone: str) -> dict[str, Any]:
        """The customer with this number and their next appointments (no checks here)."""
        with self.ctx.factory() as session:
            customer = find_by_phone(session, self.ctx.tenant, phone)
            if customer is None:
                return {"ok": True, "found": False, "appointments": []}
            rows = session.scalars(
                select(Appointment)
                .where(
                    Appointment.tenant_id == self.ctx.tenant.id,
                    Appointment.customer_id == customer.id,
                    Appointment.status == AppointmentStatus.BOOKED.value,
                    Appointment.start_at > self.ctx.clock(),
                )
                .order_by(Appointment.start_at)
                .limit(10)
            ).all()
            return {
                "ok": True,
                "found": True,
                "customer": {
                    "id": str(customer.id),
                    "name": customer.name,
                    "phone": customer.phone_e164,
                    "language": customer.language,
                },
                "appointments": [self._appointment(a) for a in rows],
            }

    def _resource_names(self, session: Session) -> dict[Any, str]:
        rows = session.execute(
            select(Resource.id, Resource.name).where(Resource.tenant_id == self.ctx.tenant.id)
        )
        return {rid: name for rid, name in rows}

    def _appointment(self, a: Appointment) -> dict[str, Any]:
        return {
            "id": str(a.id),
            "service_id": str(a.service_id),
            "service_name": a.service.name,
            "start": a.start_at.astimezone(self.tz).isoformat(),
            "end": a.end_at.astimezone(self.tz).isoformat(),
            "resource_id": str(a.resource_id),
            "resource_name": a.resource.name,
            "customer_id": str(a.customer_id) if a.customer_id else None,
            "status": a.status,
        }


def _verification_required(phone: str) -> dict[str, Any]:
    return {
        "ok": False,
        "error": "verification_required",
        "phone_ending": phone[-4:],
        "detail": "This number is not verified in this conversation. Call "
        "send_verification_code with it, ask the caller for the 6-digit code it texts, "
        "then call check_verification_code.",
    }


class _VerificationRequired(FrontdeskError):
    code = "verification_required"
    status = 403
    title = "Phone not verified"

    def __init__(self) -> None:
        super().__init__(
            "No phone number is verified in this conversation: verify the caller's number "
            "with send_verification_code and check_verification_code first."
        )


class _NotCallers(FrontdeskError):
    code = "not_your_appointment"
    status = 403
    title = "Not the caller's appointment"

    def __init__(self) -> None:
        super().__init__("That appointment does not belong to this caller.")


def _varied(slots: list[Slot], n: int, tz: ZoneInfo) -> list[Slot]:
    """Different days first (``spread``); when everything falls on one day, times spaced
    out across it (9:00, 12:15, 15:30 rather than 9:00, 9:15, 12:00)."""
    picked = spread(slots, n, tz)
    days = {s.start.astimezone(tz).date() for s in picked}
    if len(days) > 1 or len(slots) <= n or n < 2:
        return picked
    same_day = [s for s in slots if s.start.astimezone(tz).date() in days]
    if len(same_day) <= n:
        return picked
    step = (len(same_day) - 1) / (n - 1)
    return [same_day[round(i * step)] for i in range(n)]


def default_window(now: datetime, days: int = 14) -> tuple[datetime, datetime]:
    return now, now + timedelta(days=days)
