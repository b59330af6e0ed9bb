"""The tools both brains use: find slots, book, reschedule, cancel, look up, transfer.

The deterministic policy and the LLM driver call exactly these, with arguments validated
by the same pydantic models, so every guarantee (hours, no double booking, tenant
isolation) is enforced below the brain, in the booking service. Each call is recorded.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.errors import FrontdeskError, InvalidInput
from frontdesk.scheduling import (
    Slot,
    SlotPreferences,
    distinct_starts,
    rank_slots,
    spread,
)
from frontdesk.services import availability, booking
from frontdesk.services.customers import CustomerFields, find_by_phone, normalize_phone
from frontdesk.store.models import Appointment, AppointmentStatus, Resource, Tenant


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FindSlotsArgs(_Args):
    """Free appointment times for a service between two times."""

    service_id: str
    start: AwareDatetime = Field(description="Search from (ISO-8601 with offset)")
    end: AwareDatetime = Field(description="Search until, exclusive (ISO-8601 with offset)")
    part_of_day: list[Literal["morning", "afternoon", "evening"]] | None = None
    near: AwareDatetime | None = Field(
        default=None,
        description="Prefer the times closest to this one (when the asked time is taken)",
    )
    resource_id: str | None = None
    limit: int = Field(default=3, ge=1, le=20)


class BookArgs(_Args):
    """Book a service at a start time that find_open_slots offered."""

    service_id: str
    start: AwareDatetime
    customer_name: str = Field(min_length=1, max_length=200)
    customer_phone: str | None = Field(default=None, description="E.164; the caller ID if known")
    resource_id: str | None = None


class RescheduleArgs(_Args):
    """Move one of the caller's appointments to a new start time."""

    appointment_id: str
    start: AwareDatetime
    resource_id: str | None = Field(default=None, description="Keep to this person if given")


class CancelArgs(_Args):
    """Cancel one of the caller's appointments."""

    appointment_id: str


class LookupCustomerArgs(_Args):
    """Find the caller's customer record and upcoming appointments by phone."""

    phone: str | None = Field(default=None, description="Defaults to the caller ID")


class TransferArgs(_Args):
    """Hand the caller to a human at the business."""

    reason: str = Field(max_length=300)


TOOL_MODELS: dict[str, type[_Args]] = {
    "find_open_slots": FindSlotsArgs,
    "book": BookArgs,
    "reschedule": RescheduleArgs,
    "cancel": CancelArgs,
    "lookup_customer": LookupCustomerArgs,
    "transfer_to_human": TransferArgs,
}


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
        """A caller may change only their own appointments (matched by caller phone)."""
        if not self.ctx.caller_phone:
            return  # text channels verify by what the policy collected; see the policy
        found = self._lookup_customer(LookupCustomerArgs(), None)
        ids = {a["id"] for a in found.get("appointments", [])}
        if appointment_id not in ids:
            raise _NotCallers()

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
