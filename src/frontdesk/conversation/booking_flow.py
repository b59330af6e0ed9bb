"""Booking (and availability): ask for what is missing, offer real slots, read back, book.

Reschedules share the offer and read-back steps; their own steps live in ``manage``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from frontdesk.conversation import intake, search, when
from frontdesk.conversation.absorb import pick_by_time
from frontdesk.conversation.context import Decision, TurnContext
from frontdesk.conversation.phrases import say
from frontdesk.conversation.speech import say_list
from frontdesk.conversation.state import DialogueState, KnownAppointment, OfferedSlot
from frontdesk.conversation.tool_results import Booked, Rescheduled, ToolResult
from frontdesk.conversation.wording import (
    refusal_code,
    say_options,
    service_label,
    when_said,
    why_refused,
)
from frontdesk.errors import RefusalCode
from frontdesk.nlu.types import Intent, Understanding

# The appointment itself can no longer change: no new time would help.
_NOT_CHANGEABLE = {
    RefusalCode.NOT_ACTIVE,
    RefusalCode.ALREADY_STARTED,
    RefusalCode.NOT_YOUR_APPOINTMENT,
}

# "Sorry, about Friday at 10 isn't available" -> "Sorry, Friday at 10 isn't available".
_WANTED_LEAD = re.compile(r"^(?:about|around|like|maybe|at|on|sobre|como|hacia|a eso de)\s+", re.I)


_ASAP = re.compile(
    r"\b(as soon as possible|asap|soonest|earliest|the sooner the better|first (available|"
    r"thing|opening)|whatever you have first|next available|any ?time|lo antes posible|"
    r"cuanto antes|lo primero que (haya|tenga[ns]?|tiene[ns]?)|lo m[aá]s pronto|primer hueco|"
    r"cuando sea|la primera (?:hora |cita )?(?:que (?:haya|tenga[ns]?|tiene[ns]?|hay)|libre|"
    r"disponible)|lo primero (?:libre|disponible)|lo m[aá]s temprano|primera hora libre)\b",
    re.IGNORECASE,
)


def _pick_by_number(state: DialogueState, text: str, ctx: TurnContext) -> OfferedSlot | None:
    """'6 works', 'a las 4 está bien': a bare hour that one offer starts at."""
    hour = when.bare_hour(text)
    if hour is None:
        return None
    starts = [(o, datetime.fromisoformat(o.start).astimezone(ctx.tz)) for o in state.offered]
    hits = [o for o, start in starts if start.hour == hour]
    if len(hits) == 1:
        return hits[0]
    # "Let's do the 2" after 2:00, 2:15 and 2:45: a bare hour is the one on the hour.
    round_hour = [o for o, start in starts if start.hour == hour and start.minute == 0]
    return round_hour[0] if len(round_hour) == 1 else None


def pick_offer(state: DialogueState, u: Understanding, ctx: TurnContext) -> OfferedSlot | None:
    if not state.offered:
        return None
    if u.choice is not None and -len(state.offered) <= u.choice < len(state.offered):
        return state.offered[u.choice]
    if u.has(Intent.YES) and len(state.offered) == 1:
        return state.offered[0]
    for mention in u.times:
        if (picked := pick_by_time(state, mention)) is not None:
            return picked
    return _pick_by_number(state, u.text, ctx)


def on_readback(
    state: DialogueState, u: Understanding, act: Callable[[], Decision]
) -> Decision | None:
    """The answer to "Shall I book it?": yes acts; no or a correction asks for a new time;
    anything else is not an answer (the policy re-asks)."""
    if u.has(Intent.YES) and not u.has(Intent.NO):
        return act()
    if u.has(Intent.NO) or u.has(Intent.CORRECTION):
        state.reset_booking()
        state.time = None
        state.awaiting = "time"
        return Decision(say("what_to_change", u.lang))
    return None


def book_flow(state: DialogueState, u: Understanding, ctx: TurnContext) -> Decision | None:
    lang = u.lang
    if state.awaiting == "confirm" and state.chosen is not None:
        return on_readback(state, u, lambda: _do_book(state, ctx, lang))
    if state.service_id is None:
        if len(ctx.services) == 1:
            state.service_id = ctx.services[0].id
        else:
            reask = state.awaiting == "service"
            state.awaiting = "service"
            names = [s.spoken_name(lang) for s in ctx.services]
            return Decision(say("ask_service", lang, options=say_list(names, lang)), reask=reask)
    if state.chosen is None and state.awaiting == "choice":
        state.chosen = pick_offer(state, u, ctx)
        if state.chosen is None and state.offered and not u.times:
            if u.has(Intent.NO):
                # "None of those work": not to be offered again this call.
                state.declined.extend(o.start for o in state.offered)
                ctx.declined = state.declined
                state.reset_booking()
                state.time = None
                state.awaiting = "time"
                return Decision(say("what_to_change", lang))
            return Decision(
                say("which_offer", lang, options=say_options(state.offered, ctx, lang)), reask=True
            )
    if state.chosen is None:
        return _offer(state, u, ctx)
    return _collect_and_confirm(state, u, ctx)


def _offer(state: DialogueState, u: Understanding, ctx: TurnContext) -> Decision | None:
    lang = u.lang
    service = ctx.service(state.service_id)
    assert service is not None
    if state.time is None:
        if _ASAP.search(u.text):
            # "The earliest you have" has one answer: say it ("yes, that one" then books).
            result = search.search_default(ctx, service.id, limit=1)
            return _present(state, result, ctx, lang, service.spoken_name(lang))
        if state.limits:
            # "Only evenings" and no day: the soonest times within those hours.
            result = search.search_default(ctx, service.id)
            return _present(state, result, ctx, lang, service.spoken_name(lang))
        wants_soonest = u.has(Intent.AVAILABILITY) or state.awaiting == "time"
        if not wants_soonest:
            state.awaiting = "time"
            return Decision(say("ask_time", lang, service=service.spoken_name(lang)))
        if state.awaiting == "time":
            return None  # asked for a time and got none: re-ask (misunderstood)
        result = search.search_default(ctx, service.id)
    else:
        result = search.search(ctx, service.id, state.time)
    return _present(state, result, ctx, lang, service.spoken_name(lang))


def _present(
    state: DialogueState,
    result: search.SearchResult,
    ctx: TurnContext,
    lang: str,
    service_name: str,
) -> Decision:
    """Say what a slot search found: the exact time, a choice, alternatives, or nothing."""
    if result.past or result.too_far:
        state.time = None
        state.awaiting = "time"
        if result.too_far:
            return Decision(say("too_far", lang, days=ctx.tenant.max_days_ahead))
        return Decision(say("past_time", lang))
    if not result.offers:
        state.awaiting = "confirm_transfer"
        return Decision(say("fully_booked", lang, service=service_name, days=search.HORIZON_DAYS))
    state.offered = result.offers
    state.awaiting = "choice"
    if result.exact:
        offer = result.offers[0]
        return Decision(
            say(
                "offer_exact",
                lang,
                when=when_said(offer.start, ctx, lang),
                resource=offer.resource_name,
            )
        )
    options = say_options(result.offers, ctx, lang)
    if result.near:
        key = "offer_near_one" if len(result.offers) == 1 else "offer_near"
        wanted = _WANTED_LEAD.sub("", result.wanted or "") or (
            "esa hora" if lang == "es" else "that time"
        )
        return Decision(say(key, lang, wanted=wanted, options=options))
    if len(result.offers) == 1:
        offer = result.offers[0]
        return Decision(
            say(
                "offer_exact",
                lang,
                when=when_said(offer.start, ctx, lang),
                resource=offer.resource_name,
            )
        )
    return Decision(say("offer_many", lang, options=options))


def _collect_and_confirm(
    state: DialogueState, u: Understanding, ctx: TurnContext
) -> Decision | None:
    lang = u.lang
    said_yes_to_one = state.awaiting == "choice" and len(state.offered) == 1 and u.has(Intent.YES)
    if state.goal == "reschedule":
        if said_yes_to_one:  # "I have 2 PM with Ana. Shall I book that?" - "Yes"
            return do_reschedule(state, ctx, lang)
        return _confirm_reschedule(state, ctx, lang)
    if not state.name:
        if state.awaiting == "name":
            return None  # the policy re-asks, and hands over after repeated failures
        state.awaiting = "name"
        return Decision(say("ask_name", lang))
    if not state.phone and not ctx.caller_phone:
        if state.awaiting == "phone":
            return None
        state.awaiting = "phone"
        return Decision(say("ask_phone", lang))
    if (asked := intake.ask_missing(state, u, ctx)) is not None:
        return asked  # the details the business requires, before the read-back
    assert state.chosen is not None
    service = ctx.service(state.service_id)
    assert service is not None
    if said_yes_to_one:
        # "I have 3 PM with Ana. Shall I book that?" - "Yes": that was the read-back;
        # asking again would be a second confirmation for the same thing.
        return _do_book(state, ctx, lang)
    state.awaiting = "confirm"
    return Decision(
        say(
            "confirm_booking",
            lang,
            service=service.spoken_name(lang),
            when=when_said(state.chosen.start, ctx, lang),
            resource=state.chosen.resource_name,
            name=state.name,
        )
    )


def _do_book(state: DialogueState, ctx: TurnContext, lang: str) -> Decision:
    assert state.chosen is not None and state.service_id is not None and state.name
    state.booking_seq += 1
    result = ctx.tools.call(
        "book",
        {
            "service_id": state.service_id,
            "start": state.chosen.start,
            "resource_id": state.chosen.resource_id,
            "customer_name": state.name,
            "customer_phone": state.phone or ctx.caller_phone,
            **state.intake,
        },
        key=f"{ctx.tools.ctx.conversation_id}:{state.booking_seq}",
    )
    service = ctx.service(state.service_id)
    assert service is not None
    if isinstance(result, Booked):
        appt = result.appointment
        state.appointment_id = str(appt.id)
        state.booked_here = KnownAppointment.of(appt)
        state.customer_id = str(appt.customer_id) if appt.customer_id else state.customer_id
        state.outcome, state.awaiting, state.goal = "booked", "anything_else", None
        return Decision(
            say(
                "booked",
                lang,
                service=service.spoken_name(lang),
                when=when_said(appt.start.isoformat(), ctx, lang),
                resource=appt.resource_name,
            ),
            outcome="booked",
        )
    return write_failed(state, ctx, lang, result)


def write_failed(
    state: DialogueState, ctx: TurnContext, lang: str, result: ToolResult
) -> Decision:
    """The slot went between offer and booking (or a rule refused): offer again."""
    wanted = state.chosen
    state.reset_booking()
    if wanted is not None:
        # Never offer the refused time again ("sorry, that was just taken" in a loop).
        state.declined.append(wanted.start)
        ctx.declined = state.declined
    if refusal_code(result) is RefusalCode.SLOT_TAKEN and wanted is not None and state.service_id:
        retry = search.search(
            ctx,
            state.service_id,
            {"kind": "instant", "value": wanted.start, "grain": "minute", "text": None},
        )
        if retry.offers:
            state.offered, state.awaiting = retry.offers, "choice"
            return Decision(
                f"{say('slot_gone', lang)} "
                + say("offer_many", lang, options=say_options(retry.offers, ctx, lang))
            )
    state.awaiting = "time"
    return Decision(say("booking_failed", lang, reason=why_refused(result, ctx, lang)))


# --- finding the caller's appointments ----------------------------------------------------


def _confirm_reschedule(state: DialogueState, ctx: TurnContext, lang: str) -> Decision:
    assert state.chosen is not None and state.target is not None
    state.awaiting = "confirm"
    return Decision(
        say(
            "confirm_reschedule",
            lang,
            service=service_label(ctx, state.target, lang),
            when=when_said(state.chosen.start, ctx, lang),
            resource=state.chosen.resource_name,
        )
    )


def do_reschedule(state: DialogueState, ctx: TurnContext, lang: str) -> Decision:
    assert state.chosen is not None and state.target is not None
    result = ctx.tools.call(
        "reschedule",
        {
            "appointment_id": state.target.id,
            "start": state.chosen.start,
            "resource_id": state.chosen.resource_id,
        },  # the person the read-back named
    )
    if isinstance(result, Rescheduled):
        appt = result.appointment
        state.appointment_id = str(appt.id)
        # Moving what this call booked leaves a booking: the call's outcome stays "booked".
        amended = state.booked_here is not None and state.booked_here.id == str(appt.id)
        outcome = "booked" if amended else "rescheduled"
        if amended:
            state.booked_here = KnownAppointment.of(appt)
        state.outcome, state.awaiting, state.goal = outcome, "anything_else", None
        text = say(
            "rescheduled",
            lang,
            service=service_label(ctx, state.target, lang),
            when=when_said(appt.start.isoformat(), ctx, lang),
            resource=appt.resource_name,
        )
        state.target = KnownAppointment.of(appt)  # where it is now, if moved again
        return Decision(text, outcome=outcome)
    if refusal_code(result) in _NOT_CHANGEABLE:
        state.goal, state.awaiting = None, "anything_else"
        return Decision(say("no_longer_open", lang, reason=why_refused(result, ctx, lang)))
    return write_failed(state, ctx, lang, result)
