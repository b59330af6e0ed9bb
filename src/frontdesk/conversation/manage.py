"""Existing appointments: find the caller's, reschedule, cancel, list; opening hours."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from frontdesk.conversation import relative, verify, when
from frontdesk.conversation.booking_flow import book_flow, do_reschedule, on_readback
from frontdesk.conversation.context import Decision, TurnContext
from frontdesk.conversation.phrases import say
from frontdesk.conversation.speech import say_clock, say_list, say_weekday_range
from frontdesk.conversation.state import DialogueState, KnownAppointment
from frontdesk.conversation.tool_results import Cancelled, CustomerFound
from frontdesk.conversation.wording import refusal_code, service_label, when_said, why_refused
from frontdesk.errors import RefusalCode
from frontdesk.nlu.types import Intent, Understanding


def load_appointments(state: DialogueState, ctx: TurnContext, lang: str) -> Decision | None:
    """Fill state.appointments from the caller's phone; ask for it when unknown."""
    # A caller ID the door vouches for wins; otherwise the number said in this
    # conversation (the one a code proves), else the number the site passed on.
    vouched = ctx.caller_phone if ctx.caller_verified else None
    phone = vouched or state.phone or ctx.caller_phone
    if not phone:
        state.awaiting = "phone"
        return Decision(say("ask_phone_lookup", lang))
    result = ctx.tools.call("lookup_customer", {"phone": phone})
    if refusal_code(result) is RefusalCode.VERIFICATION_REQUIRED:
        return verify.start(state, ctx, lang, phone)  # a claim: prove it before reading
    found = result.appointments if isinstance(result, CustomerFound) else []
    state.appointments = [KnownAppointment.of(a) for a in found]
    if isinstance(result, CustomerFound) and result.customer is not None:
        state.customer_id = str(result.customer.id)
        state.name = state.name or result.customer.name
    if not state.appointments:
        state.goal, state.awaiting = None, "anything_else"
        state.outcome = state.outcome or "info"  # they asked and got an answer
        return Decision(say("no_appointments", lang))
    return None


def identify(state: DialogueState, u: Understanding, ctx: TurnContext) -> Decision | None:
    """Find which of the caller's appointments this is about; ask when it is not clear."""
    lang = u.lang
    if state.awaiting == "phone" and u.phone:
        state.phone = u.phone  # the answer to "what number is it under?"
    if state.target is not None:
        return None
    if not state.appointments:
        asked = load_appointments(state, ctx, lang)
        if asked is not None:
            return asked
    private = ctx.persona.private and not state.verified
    if len(state.appointments) == 1:
        state.target = state.appointments[0]
        return None
    if private:
        state.target = state.appointments[0]  # the next one; details are not read back
        return None
    if state.awaiting == "which_appointment":
        state.target = _pick_appointment(state, u, ctx)
        if state.target is not None:
            return None
    state.awaiting = "which_appointment"
    options = say_list(
        [
            f"{service_label(ctx, a, lang)} {when_said(a.start, ctx, lang)}"
            for a in state.appointments[:3]
        ],
        lang,
    )
    return Decision(say("which_appointment", lang, options=options))


def _pick_appointment(
    state: DialogueState, u: Understanding, ctx: TurnContext
) -> KnownAppointment | None:
    items = state.appointments[:3]
    if u.choice is not None and -len(items) <= u.choice < len(items):
        return items[u.choice]
    for match in u.services:
        for a in items:
            if a.service_id == match.service_id:
                return a
    for mention in u.times:
        if mention.value is None:
            continue
        for a in items:
            start = datetime.fromisoformat(a.start).astimezone(ctx.tz)
            if start.date() == mention.value.date() or (
                mention.grain in ("hour", "minute") and start.hour == mention.value.hour
            ):
                return a
    return None


# --- reschedule, cancel, list, hours ------------------------------------------------------


def reschedule(state: DialogueState, u: Understanding, ctx: TurnContext) -> Decision | None:
    lang = u.lang
    picking = u.choice is not None and bool(state.offered)
    if not picking and (shift := relative.read(u.text)) is not None:
        state.shift = shift  # applied once we know which appointment it counts from
    asked = identify(state, u, ctx)
    if asked is not None:
        return asked
    assert state.target is not None
    state.service_id = state.target.service_id
    ctx.moving = state.target.id  # its own time is free for its move
    if state.shift is not None:
        state.time = _shifted(state.shift, state.target, u, ctx)
        state.shift = None
        state.reset_booking()
    elif state.time is not None and not state.offered:
        state.time = moving_to(state.time, state.target, u, ctx)
    if state.awaiting == "confirm" and state.chosen is not None:
        return on_readback(state, u, lambda: do_reschedule(state, ctx, lang))
    if state.time is None and state.chosen is None and not state.limits:
        state.awaiting = "time"
        if ctx.persona.private and not state.verified:
            return Decision(say("ask_new_time_private", lang))
        return Decision(
            say(
                "ask_new_time",
                lang,
                service=service_label(ctx, state.target, lang),
                when=when_said(state.target.start, ctx, lang),
            )
        )
    return book_flow(state, u, ctx)


def _shifted(
    shift: dict[str, int], target: KnownAppointment, u: Understanding, ctx: TurnContext
) -> dict[str, Any]:
    """The booking moved by ``shift``; "two days later, at 4" takes the clock said."""
    moved = relative.apply(shift, target.start, ctx)
    if shift["minutes"]:
        return moved
    clocks = [
        m for m in u.times if m.grain in ("hour", "minute") and relative.read(m.text) is None
    ]
    if not clocks or clocks[0].value is None:
        return moved
    clock = when.business_hour(clocks[0].to_dict(), ctx)
    return when.move_to_day(clock, datetime.fromisoformat(moved["value"]), ctx)


def moving_to(
    mention: dict[str, Any], target: KnownAppointment, u: Understanding, ctx: TurnContext
) -> dict[str, Any]:
    """'from Wednesday to Thursday' names the new day last; 'same time' keeps the clock."""
    if mention.get("kind") == "interval" and mention.get("from") and mention.get("to"):
        start = datetime.fromisoformat(mention["from"]).astimezone(ctx.tz)
        end = datetime.fromisoformat(mention["to"]).astimezone(ctx.tz)
        if (end - start).days >= 1 and start.time() == end.time():  # a span of whole days
            last = datetime.combine((end - timedelta(days=1)).date(), start.time(), tzinfo=ctx.tz)
            mention = {**mention, "kind": "instant", "value": last.isoformat(), "grain": "day"}
    if when.SAME_TIME.search(u.text) and mention.get("kind") == "instant":
        old = datetime.fromisoformat(target.start).astimezone(ctx.tz)
        mention = when.at_clock(mention, old.time(), ctx)
    return mention


def cancel(state: DialogueState, u: Understanding, ctx: TurnContext) -> Decision | None:
    lang = u.lang
    asked = identify(state, u, ctx)
    if asked is not None:
        return asked
    assert state.target is not None
    if state.awaiting == "confirm":
        if u.has(Intent.YES) and not u.has(Intent.NO):
            result = ctx.tools.call("cancel", {"appointment_id": state.target.id})
            if isinstance(result, Cancelled):
                state.appointment_id = state.target.id
                state.outcome, state.awaiting, state.goal = "cancelled", "anything_else", None
                return Decision(say("cancelled", lang), outcome="cancelled")
            state.goal, state.awaiting = None, "anything_else"
            return Decision(say("no_longer_open", lang, reason=why_refused(result, ctx, lang)))
        if u.has(Intent.NO):
            state.goal, state.awaiting = None, "anything_else"
            return Decision(say("kept", lang))
        return None
    state.awaiting = "confirm"
    if ctx.persona.private and not state.verified:
        return Decision(say("confirm_cancel_private", lang))
    return Decision(
        say(
            "confirm_cancel",
            lang,
            service=service_label(ctx, state.target, lang),
            when=when_said(state.target.start, ctx, lang),
        )
    )


def list_appointments(state: DialogueState, u: Understanding, ctx: TurnContext) -> Decision | None:
    lang = u.lang
    if state.awaiting == "phone" and u.phone:
        state.phone = u.phone
    if ctx.persona.private and not state.verified:
        state.goal, state.awaiting = None, "anything_else"
        state.outcome = state.outcome or "info"
        return Decision(say("private", lang))
    if not state.appointments:
        asked = load_appointments(state, ctx, lang)
        if asked is not None:
            return asked
    options = say_list(
        [
            f"{service_label(ctx, a, lang)} {when_said(a.start, ctx, lang)} "
            f"{'con' if lang == 'es' else 'with'} {a.resource_name}"
            for a in state.appointments[:3]
        ],
        lang,
        conjunction="y" if lang == "es" else "and",
    )
    state.goal, state.awaiting = None, "anything_else"
    state.outcome = state.outcome or "info"
    return Decision(say("your_appointments", lang, options=options))


def opening_hours(state: DialogueState, u: Understanding, ctx: TurnContext) -> Decision:
    lang = u.lang
    state.goal, state.awaiting = None, "anything_else"
    state.outcome = state.outcome or "info"
    if not ctx.hours:
        return Decision(say("hours_closed", lang))
    groups: dict[tuple[tuple[str, str], ...], list[int]] = {}
    for weekday, ranges in sorted(ctx.hours.items()):
        groups.setdefault(tuple(ranges), []).append(weekday)
    parts = []
    for spans_of_day, days in groups.items():
        spans = say_list(
            [_span(a, b, lang) for a, b in spans_of_day],
            lang,
            conjunction="y" if lang == "es" else "and",
        )
        parts.append(f"{say_weekday_range(days, lang)} {spans}")
    text = say(
        "hours", lang, hours=say_list(parts, lang, conjunction="y" if lang == "es" else "and")
    )
    return Decision(f"{text} {say('anything_else', lang)}")


def _span(start: str, end: str, lang: str) -> str:
    a = datetime.fromisoformat(f"2000-01-01T{start}")
    b = datetime.fromisoformat(f"2000-01-01T{end}")
    if lang == "es":  # 24-hour clock is how opening hours are said in Spain and Mexico
        return f"de {a.hour}:{a.minute:02d} a {b.hour}:{b.minute:02d}"
    return f"from {say_clock(a, lang)} to {say_clock(b, lang)}"
