"""The tools both brains use: find slots, book, reschedule, cancel, look up, verify a
phone, transfer.

The deterministic policy and the LLM driver call exactly these, with arguments validated
by the same pydantic models (``tool_args``), so every guarantee (hours, no double
booking, tenant isolation, no acting on a number the caller has not proved) is enforced
below the brain, in the services the tools call. Each call is recorded, and answers a
typed result (``tool_results``): a refusal is data with a stable code, never an exception.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.conversation.business_tool import answer_about_business, required_details
from frontdesk.conversation.refusals import say_refusal
from frontdesk.conversation.tool_args import (
    BookArgs,
    BusinessInfoArgs,
    CancelArgs,
    CheckCodeArgs,
    FindSlotsArgs,
    LookupCustomerArgs,
    RescheduleArgs,
    SendCodeArgs,
    TransferArgs,
)
from frontdesk.conversation.tool_results import (
    Booked,
    Cancelled,
    CodeSent,
    CustomerFound,
    FoundSlots,
    OpenSlot,
    PhoneProved,
    Refused,
    Rescheduled,
    ToolResult,
    Transferred,
)
from frontdesk.errors import FrontdeskError, InvalidInput, RefusalCode
from frontdesk.observability.metrics import REFUSALS
from frontdesk.scheduling import Slot, SlotPreferences, distinct_starts, rank_slots, spread
from frontdesk.services import booking, caller_access
from frontdesk.services import phone_verification as verification
from frontdesk.services.agent_context import Tenant, open_slots
from frontdesk.services.caller_access import AppointmentFacts
from frontdesk.services.constraints import slots_meeting_rule
from frontdesk.services.customers import CustomerFields, normalize_phone

# What the model is told about a refusal, where the caller's words (``refusals``) would
# not tell it what to do next.
_NOTES_FOR_THE_MODEL = {
    RefusalCode.SLOT_TAKEN: "That time is already taken. Call find_open_slots for free times.",
    RefusalCode.VERIFICATION_REQUIRED: (
        "This number is not verified in this conversation. Call send_verification_code "
        "with it, ask the caller for the 6-digit code it texts, then call "
        "check_verification_code."
    ),
    RefusalCode.NO_CODE_PENDING: "No code is waiting: call send_verification_code first.",
    RefusalCode.CODE_EXPIRED: "That code has expired: call send_verification_code again.",
    RefusalCode.TOO_MANY_TRIES: (
        "That code was tried too many times: call send_verification_code again."
    ),
}
# Refusals about the call itself: the service's own words help the model correct it.
_ABOUT_THE_CALL = {RefusalCode.INVALID_INPUT, RefusalCode.NOT_FOUND}


@dataclass
class ToolCall:
    name: str
    args: dict[str, Any]
    result: ToolResult


@dataclass
class ToolContext:
    factory: sessionmaker[Session]  # handed through to the services, never queried here
    tenant: Tenant
    conversation_id: uuid.UUID
    channel: str
    caller_phone: str | None = None
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    lang: str = "en"  # the conversation's language: the default for texts we send


# Tools that change something outside the conversation: a booking, a text, a code's tries.
ACTING = frozenset(
    {"book", "reschedule", "cancel", "send_verification_code", "check_verification_code"}
)


@dataclass
class Tools:
    ctx: ToolContext
    calls: list[ToolCall] = field(default_factory=list)
    # False while catching up on a history answered elsewhere: whoever answered it acted
    # then, so an acting tool answers "unavailable" and changes nothing (ADR 0008).
    acting: bool = True
    # Shared by the contexts of one catch-up pass: nothing is written during it, so the
    # same search gives the same slots, and a long history's repeats cost one search.
    searches: dict[str, ToolResult] | None = None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.ctx.tenant.timezone)

    def call(self, name: str, raw_args: dict[str, Any], *, key: str | None = None) -> ToolResult:
        """Validate and run one tool; a refusal comes back as data, never as an exception."""
        tool = TOOLS.get(name)
        result: ToolResult
        if tool is None:
            result = Refused(RefusalCode.UNKNOWN_TOOL, f"No tool named {name!r}.")
        elif not self.acting and name in ACTING:
            result = Refused(RefusalCode.UNAVAILABLE, "Not acted on: catching up a history.")
        elif self.searches is not None and name == "find_open_slots":
            asked = json.dumps(raw_args, sort_keys=True, default=str)
            if asked not in self.searches:
                self.searches[asked] = self._run(tool, raw_args, key)
            result = self.searches[asked]
        else:
            result = self._run(tool, raw_args, key)
        self.calls.append(ToolCall(name, dict(raw_args), result))
        return result

    def _run(self, tool: Tool[Any], raw_args: dict[str, Any], key: str | None) -> ToolResult:
        try:
            return tool.run(self, tool.args.model_validate(raw_args), key)
        except ValidationError as exc:
            return Refused(
                RefusalCode.INVALID_ARGUMENTS,
                "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()),
            )
        except FrontdeskError as exc:
            REFUSALS.labels(exc.code, "conversation").inc()
            return self.refused(exc)
        except ValueError as exc:  # a malformed id
            return Refused(RefusalCode.INVALID_ARGUMENTS, str(exc))

    def refused(self, exc: FrontdeskError) -> Refused:
        """A service's refusal as the tools answer it: its code, and a note for the model
        that never carries the service's text for API readers (it may name API paths)."""
        try:
            code = RefusalCode(exc.code)
        except ValueError:  # not a refusal the brain knows: say it did not work
            code = RefusalCode.UNAVAILABLE
        note = _NOTES_FOR_THE_MODEL.get(code) or (
            exc.detail
            if code in _ABOUT_THE_CALL
            else say_refusal(
                code,
                "en",
                notice_minutes=self.ctx.tenant.min_notice_minutes,
                days_ahead=self.ctx.tenant.max_days_ahead,
            )
        )
        tries_left, ending = exc.extra.get("tries_left"), exc.extra.get("phone_ending")
        return Refused(
            code,
            note,
            tries_left=int(tries_left) if tries_left is not None else None,
            phone_ending=str(ending) if ending is not None else None,
        )

    # --- the tools -------------------------------------------------------------------------

    def find_open_slots(self, args: FindSlotsArgs, _: str | None) -> ToolResult:
        moving = None
        if args.moving_appointment_id:
            # Only the caller's own appointment may be looked through (what it frees is
            # as much theirs to know as the appointment itself).
            self._require_callers(args.moving_appointment_id)
            moving = uuid.UUID(args.moving_appointment_id)
        slots, names = open_slots(
            self.ctx.factory,
            self.ctx.tenant,
            uuid.UUID(args.service_id),
            args.start,
            args.end,
            resource_id=uuid.UUID(args.resource_id) if args.resource_id else None,
            now=self.ctx.clock(),
            moving=moving,
        )
        if args.days_of_week or args.earliest_time or args.latest_time or args.exclude_dates:
            slots = slots_meeting_rule(
                slots, start=args.start, end=args.end, timezone=self.ctx.tenant.timezone,
                days_of_week=list(args.days_of_week) if args.days_of_week else None,
                earliest_time=args.earliest_time, latest_time=args.latest_time,
                exclude_dates=args.exclude_dates)
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
        return FoundSlots(
            [
                OpenSlot(
                    s.start.astimezone(self.tz),
                    s.end.astimezone(self.tz),
                    uuid.UUID(str(s.resource_id)),
                    names[s.resource_id],
                )
                for s in picked
            ],
            count=len(slots),
        )

    def book(self, args: BookArgs, key: str | None) -> ToolResult:
        phone = args.customer_phone or self._usable_caller_id()
        intake = required_details(
            self.ctx.tenant, date_of_birth=args.date_of_birth, insurance=args.insurance,
            today=self.ctx.clock().astimezone(self.tz).date())
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
                intake=intake,
            ),
            now=self.ctx.clock(),
        )
        return Booked(self._local(caller_access.appointment_facts(result.appointment)),
                      replayed=result.replayed)

    def reschedule(self, args: RescheduleArgs, _: str | None) -> ToolResult:
        self._require_callers(args.appointment_id)
        moved = booking.reschedule(
            self.ctx.factory,
            self.ctx.tenant,
            uuid.UUID(args.appointment_id),
            args.start,
            resource_id=uuid.UUID(args.resource_id) if args.resource_id else None,
            now=self.ctx.clock(),
        )
        return Rescheduled(self._local(caller_access.appointment_facts(moved)))

    def cancel(self, args: CancelArgs, _: str | None) -> ToolResult:
        self._require_callers(args.appointment_id)
        cancelled = booking.cancel(
            self.ctx.factory, self.ctx.tenant, uuid.UUID(args.appointment_id), now=self.ctx.clock()
        )
        return Cancelled(self._local(caller_access.appointment_facts(cancelled)))

    def lookup_customer(self, args: LookupCustomerArgs, _: str | None) -> ToolResult:
        phone = args.phone or self.ctx.caller_phone
        if not phone:
            return Refused(RefusalCode.NO_PHONE, "No phone number to look up.")
        # Refused before any read unless this conversation holds the number.
        record = caller_access.caller_record(
            self.ctx.factory,
            self.ctx.tenant,
            self.ctx.conversation_id,
            phone,
            now=self.ctx.clock(),
        )
        return CustomerFound(record.customer, [self._local(a) for a in record.appointments])

    def send_verification_code(self, args: SendCodeArgs, _: str | None) -> ToolResult:
        sent = verification.issue_code(
            self.ctx.factory,
            self.ctx.tenant,
            self.ctx.conversation_id,
            args.phone,
            lang=args.language or self.ctx.lang,
            now=self.ctx.clock(),
        )
        return CodeSent(
            sent.phone,
            expires_in_minutes=int(verification.CODE_TTL.total_seconds() // 60),
            already_verified=sent.already_verified,
        )

    def check_verification_code(self, args: CheckCodeArgs, _: str | None) -> ToolResult:
        phone = verification.check_code(
            self.ctx.factory,
            self.ctx.tenant,
            self.ctx.conversation_id,
            args.code,
            phone=args.phone,
            now=self.ctx.clock(),
        )
        return PhoneProved(phone)

    def business_info(self, args: BusinessInfoArgs, _: str | None) -> ToolResult:
        return answer_about_business(self.ctx.factory, self.ctx.tenant, args.topic,
                                     args.question, args.language or self.ctx.lang)

    def transfer_to_human(self, args: TransferArgs, _: str | None) -> ToolResult:
        return Transferred(args.reason, self.ctx.tenant.fallback_phone)

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
        caller_access.require_callers_appointment(
            self.ctx.factory,
            self.ctx.tenant,
            self.ctx.conversation_id,
            appointment_id,
            now=self.ctx.clock(),
        )

    def _local(self, appointment: AppointmentFacts) -> AppointmentFacts:
        """Times in the business's zone, as the caller and the model speak them."""
        return dataclasses.replace(
            appointment,
            start=appointment.start.astimezone(self.tz),
            end=appointment.end.astimezone(self.tz),
        )


_Args = TypeVar("_Args", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Tool(Generic[_Args]):
    """One tool: the arguments it takes, and what runs it (with the call's write key)."""

    args: type[_Args]
    run: Callable[[Tools, _Args, str | None], ToolResult]


# The dispatcher: every tool by name. The LLM is offered exactly these (``tool_specs``).
TOOLS: dict[str, Tool[Any]] = {
    "find_open_slots": Tool(FindSlotsArgs, Tools.find_open_slots),
    "book": Tool(BookArgs, Tools.book),
    "reschedule": Tool(RescheduleArgs, Tools.reschedule),
    "cancel": Tool(CancelArgs, Tools.cancel),
    "lookup_customer": Tool(LookupCustomerArgs, Tools.lookup_customer),
    "send_verification_code": Tool(SendCodeArgs, Tools.send_verification_code),
    "check_verification_code": Tool(CheckCodeArgs, Tools.check_verification_code),
    "business_info": Tool(BusinessInfoArgs, Tools.business_info),
    "transfer_to_human": Tool(TransferArgs, Tools.transfer_to_human),
}
TOOL_MODELS: dict[str, type[BaseModel]] = {name: tool.args for name, tool in TOOLS.items()}


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
