"""What any model-driven brain does with the tool calls its model asks for: the guard
the model must keep, the validated tool run, and the dialogue state kept in step.

Shared by the Chat Completions driver (``llm.py``) and the speech-to-speech session
(``realtime_session.py``), so a realtime model is held to exactly what the LLM driver
is: the same tools (``Tools.call``, the same pydantic models), the same refusals as
data, the same redaction for an unverified caller of a private business, and the
outcome taken only from successful tool results.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from frontdesk.conversation import verify
from frontdesk.conversation.context import Decision, TurnContext
from frontdesk.conversation.llm_prompt import MAX_OFFERS
from frontdesk.conversation.llm_wire import Call
from frontdesk.conversation.state import DialogueState, OfferedSlot
from frontdesk.conversation.tool_results import (
    Booked,
    Cancelled,
    CodeSent,
    CustomerFound,
    FoundSlots,
    PhoneProved,
    Refused,
    Rescheduled,
    ToolResult,
    Transferred,
    wire,
)
from frontdesk.conversation.tools import ToolCall
from frontdesk.errors import RefusalCode
from frontdesk.nlu.types import Intent, Understanding

WRITES = {"book": "booked", "reschedule": "rescheduled", "cancel": "cancelled"}


def run_model_call(
    call: Call,
    state: DialogueState,
    u: Understanding,
    ctx: TurnContext,
    key: Callable[[], str],
) -> tuple[dict[str, Any], ToolCall | None]:
    """Run one tool call a model asked for; every problem comes back as a result the
    model can read. ``key`` names a write (called once, only for a write the guard let
    through): its idempotency key. Returns the JSON the model is sent, and the recorded
    call when the tool succeeded (None when it was refused)."""
    try:
        args = json.loads(call.arguments) if call.arguments.strip() else {}
    except ValueError as exc:
        args, problem = {}, f"The arguments are not valid JSON ({exc}). Send a JSON object."
    else:
        problem = "" if isinstance(args, dict) else "The arguments must be a JSON object."
    if not problem:
        problem = guard(call.name, args, state, u, ctx)
    if problem:
        refused = Refused(RefusalCode.INVALID_ARGUMENTS, problem)
        ctx.tools.calls.append(ToolCall(call.name, {"raw": call.arguments}, refused))
        return wire(refused), None
    result = ctx.tools.call(call.name, args, key=key() if call.name in WRITES else None)
    done = None
    if not isinstance(result, Refused):
        done = ctx.tools.calls[-1]
        _track_verification(result, state)
    if isinstance(result, CustomerFound) and ctx.persona.private and not state.verified:
        return _redacted(result), done
    return wire(result), done


def keep_in_step(
    text: str, state: DialogueState, u: Understanding, ctx: TurnContext, done: list[ToolCall]
) -> Decision:
    """Keep the dialogue state in step with what the tools did (``done``: the successful
    calls, in order); the decision's outcome comes from tools only, never from ``text``."""
    state.lang = u.lang
    decision = Decision(text)
    for call in done:
        args, result = call.args, call.result
        if isinstance(result, FoundSlots) and result.slots:
            state.service_id = str(args.get("service_id"))
            state.offered = [OfferedSlot.of(s) for s in result.slots]
            state.chosen = None
            state.goal = state.goal if state.goal in ("book", "reschedule") else "book"
            state.awaiting = "choice"
        elif isinstance(result, Booked | Rescheduled | Cancelled):
            appointment_id = str(result.appointment.id)
            state.appointment_id = appointment_id
            state.outcome = decision.outcome = WRITES[call.name]
            state.goal, state.awaiting = None, "anything_else"
            state.reset_booking()
            if isinstance(result, Booked):
                state.name = str(args.get("customer_name") or state.name)
                state.phone = args.get("customer_phone") or state.phone
            if isinstance(result, Cancelled):
                state.appointments = [a for a in state.appointments if a.id != appointment_id]
        elif isinstance(result, Transferred):
            state.done, state.outcome, state.awaiting = True, "transferred", None
            decision.outcome, decision.transfer, decision.end = "transferred", True, True
    if u.phone and not state.phone:
        state.phone = u.phone
    return decision


def guard(
    name: str, args: dict[str, Any], state: DialogueState, u: Understanding, ctx: TurnContext
) -> str:
    """Rules the model must keep before a tool runs; empty when the call may go ahead."""
    if name == "find_open_slots" and isinstance(args.get("limit"), int):
        args["limit"] = min(args["limit"], MAX_OFFERS)
    if name not in WRITES:
        return ""
    if u.has(Intent.NO) and not u.has(Intent.YES):
        return "The caller just said no. Ask what they would like instead; do not act."
    if name == "book" and not args.get("customer_phone"):
        phone = ctx.caller_phone or state.phone or u.phone
        if not phone:
            return "Ask the caller for a phone number first, then pass it as customer_phone."
        args["customer_phone"] = phone
    return ""


def _track_verification(result: ToolResult, state: DialogueState) -> None:
    """Keep the state in step with a code sent or proved, at once: a lookup later in the
    same turn may read out details, and the rules can take over the next turn."""
    if isinstance(result, CodeSent) and not result.already_verified:
        state.pending_phone, state.awaiting = result.phone, "code"
    elif isinstance(result, PhoneProved):
        verify.proved(state, result.phone)


def _redacted(result: CustomerFound) -> dict[str, Any]:
    """An unverified caller of a private business: ids to act on, no details to read out."""
    if result.customer is None:
        return wire(result)
    return {
        "ok": True,
        "found": True,
        "privacy": "caller not verified: share no details",
        "appointments": [{"id": str(a.id)} for a in result.appointments],
    }
