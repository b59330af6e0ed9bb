"""What the LLM driver tells the model: the system prompt and the tool specs.

Pure functions of the turn's context and state; no I/O. The tool specs are generated
from the same pydantic models ``Tools.call`` validates against (``TOOL_MODELS``), so
the model is offered exactly the arguments the deterministic policy uses.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from frontdesk.conversation.context import TurnContext
from frontdesk.conversation.prices import say_price
from frontdesk.conversation.state import DialogueState
from frontdesk.conversation.tools import TOOL_MODELS

MAX_OFFERS = 3  # times offered in one reply: more is hard to remember on the phone

_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_LANGUAGES = {"en": "English", "es": "Spanish (español)"}

# Usage notes beyond each model's docstring, for the model's benefit only.
_HINTS = {
    "find_open_slots": (
        f"Call this before offering any time. Offer at most {MAX_OFFERS} of the returned "
        "slots. A search window is usually one day (or part of one)."
    ),
    "book": (
        "Only after reading the details back and hearing a yes. Use a start (and its "
        "resource_id) exactly as find_open_slots returned it."
    ),
    "reschedule": "Only after reading the new time back and hearing a yes.",
    "cancel": "Only after reading back which appointment and hearing a yes.",
    "lookup_customer": (
        "Use the caller ID unless the caller gives another number. A number that is not "
        "verified is refused with verification_required: verify it first."
    ),
    "send_verification_code": (
        "When a tool answers verification_required: text a code to the number the caller "
        "gave, then ask them to read it back. Not needed to book something new."
    ),
    "check_verification_code": "With the digits the caller read back, exactly as said.",
    "transfer_to_human": "When the caller asks for a person, or you cannot help.",
    "business_info": (
        "For any question about the business (where it is, parking, payment, cancellation, "
        "prices, services, anything in its FAQ). Say only what it returns; found=false "
        "means the business has not said."
    ),
}


def tool_specs() -> list[dict[str, Any]]:
    """OpenAI Chat Completions ``tools`` entries, one per tool in ``TOOL_MODELS``."""
    specs: list[dict[str, Any]] = []
    for name, model in TOOL_MODELS.items():
        schema = _without_titles(model.model_json_schema())
        doc = str(schema.pop("description", "") or (model.__doc__ or "")).strip()
        hint = _HINTS.get(name)
        specs.append(
            {
                "type": "function",
                "function": {
                    "name": name,
                    "description": f"{doc} {hint}".strip() if hint else doc,
                    "parameters": schema,
                },
            }
        )
    return specs


def _without_titles(node: Any) -> Any:
    """Drop pydantic's generated ``title`` keys (noise in the prompt), keep everything else."""
    if isinstance(node, list):
        return [_without_titles(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "title" and isinstance(value, str):
            continue
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: _without_titles(prop) for name, prop in value.items()}
        else:
            out[key] = _without_titles(value)
    return out


def system_prompt(ctx: TurnContext, state: DialogueState, lang: str) -> str:
    """The system message for one turn: who we are, what is true now, and the rules."""
    persona = ctx.persona
    sections = [
        f"You are the phone and chat front desk of {ctx.tenant.name}. "
        f"Style: {persona.system_style}",
        f"Reply language: answer in {_LANGUAGES.get(lang, 'English')}, the caller's language.",
        f"Now: {_now(ctx.now)}. Give tool times in ISO-8601 with this offset.",
        "Opening hours:\n" + _hours(ctx.hours),
        "Services (use the id in tools):\n" + _services(ctx),
        "Caller:\n" + _caller(ctx, state),
    ]
    facts = _facts(ctx, lang)
    if facts:
        sections.append("What the business tells callers (its own words; say nothing "
                        "else about these topics):\n" + facts)
    own = ctx.tenant.instructions
    if own:
        # The business's words, below what is true now and above the rules: they shape
        # how the agent helps, never what the tools allow.
        sections.append("The business's own instructions (follow them unless a rule below "
                        "says otherwise):\n" + own)
    known = _known(ctx, state)
    if known:
        sections.append("Known from earlier in this conversation:\n" + known)
    sections.append("Rules:\n" + "\n".join(f"- {rule}" for rule in _rules(ctx, state)))
    return "\n\n".join(sections)


def _now(now: datetime) -> str:
    offset = now.strftime("%z")
    offset = f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"
    clock = f"{now.hour % 12 or 12}:{now.minute:02d} {'AM' if now.hour < 12 else 'PM'}"
    zone = getattr(now.tzinfo, "key", None) or now.tzname() or ""
    return (
        f"{_WEEKDAYS[now.weekday()]}, {now:%B} {now.day}, {now.year}, {clock} "
        f"({now:%Y-%m-%dT%H:%M}), time zone {zone} ({offset})"
    )


def _hours(hours: dict[int, list[tuple[str, str]]]) -> str:
    if not hours:
        return "- not set; use find_open_slots to see when we are open"
    lines = []
    for day, name in enumerate(_WEEKDAYS):
        spans = hours.get(day) or []
        lines.append(f"- {name}: " + (", ".join(f"{a}-{b}" for a, b in spans) or "closed"))
    return "\n".join(lines)


def _services(ctx: TurnContext) -> str:
    if not ctx.services:
        return "- none bookable right now; offer to transfer the caller"
    lines = []
    for s in ctx.services:
        other = sorted({n for names in s.spoken.values() for n in names} - {s.name.lower()})
        aka = f"; also called {', '.join(other)}" if other else ""
        price = (f", {say_price(s.price_cents, ctx.tenant.country or 'US', 'en')}"
                 if s.price_cents is not None else ", price not given")
        lines.append(f"- {s.name} ({s.duration_minutes} min{price}{aka}): id {s.id}")
    return "\n".join(lines)


def _facts(ctx: TurnContext, lang: str) -> str:
    lines = [f"- {topic}: {text}" for topic in ("address", "directions", "parking",
                                                  "payment", "cancellation")
             if (text := ctx.info.text(topic, lang))]
    if ctx.info.faq:
        lines.append(f"- plus {len(ctx.info.faq)} questions and answers of its own: "
                     "call business_info with topic faq")
    if ctx.info.required_fields:
        lines.append("- required before booking (pass to book): "
                     + ", ".join(ctx.info.required_fields))
    return "\n".join(lines)


def _caller(ctx: TurnContext, state: DialogueState) -> str:
    by_caller_id = ctx.caller_verified and state.phone == ctx.caller_phone
    how = "caller ID" if by_caller_id else "the code texted to their number"
    if state.verified and state.name:
        who = (
            f"- A known customer, verified by {how}: {state.name}. Do not ask for "
            "their name or phone again."
        )
    elif state.verified:
        who = f"- Verified by {how} ({state.phone}), not a customer yet."
    elif ctx.caller_phone:
        who = "- Not a known customer yet. Ask for their name before booking."
    else:
        who = "- Not identified. Ask for their name and a phone number before booking."
    if not ctx.caller_phone:
        caller_id = "- No caller ID."
    elif ctx.caller_verified:
        caller_id = f"- Caller ID: {ctx.caller_phone}"
    else:
        caller_id = f"- Number given on this chat (not verified): {ctx.caller_phone}"
    return f"{caller_id}\n{who}"


def _known(ctx: TurnContext, state: DialogueState) -> str:
    """What earlier turns established (the model sees only their words, not tool results)."""
    lines = []
    service = ctx.service(state.service_id)
    if service is not None:
        lines.append(f"- Service being discussed: {service.name} (id {service.id})")
    if state.offered:
        lines.append(
            "- Times you last offered (book with these exact values): "
            + "; ".join(
                f"start {o.start} with {o.resource_name} (resource_id {o.resource_id})"
                for o in state.offered
            )
        )
    if state.name and not state.verified:
        lines.append(f"- Caller's name: {state.name}")
    if state.phone and state.phone != ctx.caller_phone:
        lines.append(f"- Caller's phone: {state.phone}")
    if state.appointments and (state.verified or not ctx.persona.private):
        lines.append(
            "- Caller's upcoming appointments: "
            + "; ".join(
                f"{a.service_name} at {a.start} with {a.resource_name} (id {a.id})"
                for a in state.appointments
            )
        )
    if state.outcome and state.appointment_id:
        lines.append(
            f"- Already done in this conversation: {state.outcome} "
            f"(appointment id {state.appointment_id})"
        )
    return "\n".join(lines)


def _rules(ctx: TurnContext, state: DialogueState) -> list[str]:
    rules = [
        "Your words are spoken aloud: plain sentences, no markdown, lists or emoji; say "
        'times naturally ("Tuesday at 10:30 AM"), never as ISO strings.',
        "Keep each reply to at most two short sentences plus one question.",
        "Before offering any time, call find_open_slots; offer at most "
        f"{MAX_OFFERS} of the times it returned. Never invent or guess a time.",
        "Never say an appointment is booked, rescheduled or cancelled unless the tool "
        "returned ok in this turn. If a tool returns an error, say so briefly and offer "
        "what you can.",
        "Before book, reschedule or cancel: read the service, day, time and staff back and "
        "get an explicit yes from the caller.",
        "Collect the caller's name"
        + ("" if ctx.caller_phone else " and phone number")
        + " before booking.",
        "A phone number the caller states is a claim, not proof of who they are: before "
        "reading, moving or cancelling appointments under a number that is not verified, "
        "call send_verification_code, ask for the 6-digit code and call "
        "check_verification_code with it. Never say, guess or repeat a code yourself. "
        "Booking something new needs no code.",
        "If the caller asks for a person, or you cannot help, call transfer_to_human.",
        "Only discuss this business's appointments, hours and services.",
        "Answer questions about the business (address, parking, payment, policies, prices, "
        "its FAQ) only from what it tells callers above or from business_info; when it has "
        "not said, say you don't know and offer to connect the caller with a person. Never "
        "guess.",
    ]
    if ctx.persona.private:
        rules.append(
            "Privacy: never give medical advice. Never read back appointment details "
            "(service, date, time, staff) or confirm that someone is a patient unless the "
            "caller is verified by caller ID or by a texted code"
            + (" (this caller is)." if state.verified else " (this caller is not).")
        )
    return rules
