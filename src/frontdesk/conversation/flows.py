"""The task flows: book (and availability), reschedule, cancel, my appointments, hours.

Each turn: ``absorb`` copies what the caller just said into the state, then ``advance``
asks for the next missing thing, offers slots, reads back, or acts through a tool.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from frontdesk.conversation import search
from frontdesk.conversation.context import Decision, TurnContext
from frontdesk.conversation.phrases import say
from frontdesk.conversation.speech import (
    say_clock,
    say_day,
    say_list,
    say_weekday_range,
    say_when,
)
from frontdesk.conversation.state import DialogueState, KnownAppointment, OfferedSlot
from frontdesk.nlu.types import Intent, Understanding


def _when(iso: str, ctx: TurnContext, lang: str) -> str:
    return say_when(datetime.fromisoformat(iso).astimezone(ctx.tz), ctx.today, lang)


def _label(ctx: TurnContext, appointment: KnownAppointment, lang: str) -> str:
    """How to say an appointment's service in the caller's language."""
    service = ctx.service(appointment.service_id)
    return service.spoken_name(lang) if service else appointment.service_name.lower()


def _options(offers: list[OfferedSlot], ctx: TurnContext, lang: str) -> str:
    """'tomorrow at 9 AM, 11:30 AM or 4 PM' when one day; each with its day otherwise."""
    starts = [datetime.fromisoformat(o.start).astimezone(ctx.tz) for o in offers]
    if len(starts) > 1 and len({s.date() for s in starts}) == 1:
        day = say_day(starts[0].date(), ctx.today, lang)
        clocks = say_list([say_clock(s, lang) for s in starts], lang)
        if lang == "es":
            # "a las 9 ..., a las 11 ... o a las 4 ...": keep each article, it reads naturally
            return f"{day} {clocks}"
        return f"{day} at {clocks}"
    return say_list([_when(o.start, ctx, lang) for o in offers], lang)


def absorb(state: DialogueState, u: Understanding, ctx: TurnContext) -> bool:
    """Copy service, time, name and phone from the turn into the state. True if any."""
    got = False
    if u.services and state.awaiting not in ("name", "phone"):
        best = u.services[0].service_id
        if best != state.service_id and state.goal not in ("reschedule", "cancel"):
            state.service_id = best
            state.reset_booking()
            got = True
    if u.times and state.awaiting not in ("name", "phone", "which_appointment"):
        # The longest mention is the caller's real constraint ("el jueves por la tarde"),
        # not a stray word the parser also read as a time.
        longest = max(u.times, key=lambda m: (m.end - m.start, -m.start))
        mention = _business_hour(longest.to_dict(), ctx)
        mention = _keep_clock(mention, state.time, ctx, u.lang)
        mention = _keep_day(mention, state.time, ctx)
        picked = _pick_by_time(state, u) if state.offered else None
        if picked is not None:
            state.chosen = picked
        else:
            state.time = mention
            state.reset_booking()
        got = True
    if u.person_name and (state.awaiting == "name" or state.name is None):
        state.name = u.person_name
        got = True
    if u.phone and (state.awaiting == "phone" or state.phone is None):
        state.phone = u.phone
        got = True
    return got


_AM_WORDS = re.compile(r"\b(am|a\.m\.|morning|mañana|madrugada)\b", re.IGNORECASE)


def _business_hour(mention: dict[str, Any], ctx: TurnContext) -> dict[str, Any]:
    """'Friday at 4' is 4 PM at a front desk: a bare hour from 1 to 7 with no am/pm
    word means the afternoon (Duckling, and so the parser, would say 4 AM)."""
    if mention.get("kind") != "instant" or mention.get("grain") not in ("hour", "minute"):
        return mention
    value = datetime.fromisoformat(mention["value"]).astimezone(ctx.tz)
    if not 1 <= value.hour <= 7 or _AM_WORDS.search(mention.get("text") or ""):
        return mention
    shifted = value.replace(hour=value.hour + 12)
    return {**mention, "value": shifted.isoformat()}


_DAY_WORDS = re.compile(
    r"\b(today|tomorrow|tonight|mon|tues?|wed|thu(rs)?|fri|sat|sun|\w+day|week|weekend|"
    r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|\w+ber|january|february|march|april|"
    r"june|july|august|hoy|pasado|lunes|martes|mi[eé]rcoles|jueves|viernes|s[aá]bado|domingo|"
    r"semana|enero|febrero|marzo|abril|mayo|junio|julio|agosto|\d+(st|nd|rd|th)|el \d+)\b"
    r"|\bmañana\b(?<!la mañana)|\d+/\d+",
    re.IGNORECASE,
)


_ASAP = re.compile(
    r"\b(as soon as possible|asap|soonest|earliest|the sooner the better|first (available|"
    r"thing|opening)|whatever you have first|next available|any ?time|lo antes posible|"
    r"cuanto antes|lo primero que (haya|tenga[ns]?)|lo m[aá]s pronto|primer hueco|cuando sea)\b",
    re.IGNORECASE,
)


def _keep_day(new: dict[str, Any], old: dict[str, Any] | None, ctx: TurnContext) -> dict[str, Any]:
    """'Tuesday at 2' then 'no, I meant 4 pm' means Tuesday at 4: a clock-only answer
    keeps the day the caller already gave."""
    if old is None or new.get("kind") != "instant" or new.get("grain") not in ("hour", "minute"):
        return new
    if _DAY_WORDS.search(new.get("text") or ""):
        return new
    anchor = old.get("value") if old.get("kind") == "instant" else old.get("from")
    if not anchor:
        return new
    day = datetime.fromisoformat(anchor).astimezone(ctx.tz).date()
    clock = datetime.fromisoformat(new["value"]).astimezone(ctx.tz)
    merged = datetime.combine(day, clock.time(), tzinfo=ctx.tz)
    return {**new, "value": merged.isoformat()}


def _keep_clock(
    new: dict[str, Any], old: dict[str, Any] | None, ctx: TurnContext, lang: str
) -> dict[str, Any]:
    """'tomorrow at 3' then 'actually make it Thursday' means Thursday at 3."""
    if (
        old is None
        or old.get("kind") != "instant"
        or old.get("grain") not in ("hour", "minute")
        or new.get("kind") != "instant"
        or new.get("grain") != "day"
    ):
        return new
    clock = datetime.fromisoformat(old["value"]).astimezone(ctx.tz)
    day = datetime.fromisoformat(new["value"]).astimezone(ctx.tz)
    merged = datetime.combine(day.date(), clock.time(), tzinfo=ctx.tz)
    return {
        **new,
        "value": merged.isoformat(),
        "grain": old["grain"],
        "text": f"{new.get('text')} {'' if lang == 'es' else 'at '}{say_clock(clock, lang)}",
    }


def _pick_by_time(state: DialogueState, u: Understanding) -> OfferedSlot | None:
    """'the 10:30 one', 'Tuesday', '3 pm' against what was offered."""
    for mention in u.times:
        if mention.kind != "instant" or mention.value is None:
            continue
        said_day = bool(_DAY_WORDS.search(mention.text))
        said = (mention.value.hour, mention.value.minute)
        afternoon = (said[0] + 12, said[1]) if 1 <= said[0] <= 7 else said
        for offer in state.offered:
            start = datetime.fromisoformat(offer.start).astimezone(mention.value.tzinfo)
            if said_day and start.date() != mention.value.date():
                continue
            if mention.grain in ("minute", "hour") and (start.hour, start.minute) in (
                said,
                afternoon,
            ):
                return offer
            if mention.grain == "day" and start.date() == mention.value.date():
                return offer
    return None


def _pick_offer(state: DialogueState, u: Understanding) -> OfferedSlot | None:
    if not state.offered:
        return None
    if u.choice is not None and -len(state.offered) <= u.choice < len(state.offered):
        return state.offered[u.choice]
    if u.has(Intent.YES) and len(state.offered) == 1:
        return state.offered[0]
    return _pick_by_time(state, u)


def advance(state: DialogueState, u: Understanding, ctx: TurnContext) -> Decision | None:
    if state.goal in ("book", "availability"):
        return _book(state, u, ctx)
    if state.goal == "reschedule":
        return _reschedule(state, u, ctx)
    if state.goal == "cancel":
        return _cancel(state, u, ctx)
    if state.goal == "my_appointments":
        return _list(state, u, ctx)
    if state.goal == "hours":
        return _hours(state, u, ctx)
    return None


# --- booking ------------------------------------------------------------------------------


def _book(state: DialogueState, u: Understanding, ctx: TurnContext) -> Decision | None:
    lang = u.lang
    if state.awaiting == "confirm" and state.chosen is not None:
        if u.has(Intent.YES) and not u.has(Intent.NO):
            return _do_book(state, ctx, lang)
        if u.has(Intent.NO) or u.has(Intent.CORRECTION):
            state.reset_booking()
            state.time = None
            state.awaiting = "time"
            return Decision(say("what_to_change", lang))
        return None
    if state.service_id is None:
        if len(ctx.services) == 1:
            state.service_id = ctx.services[0].id
        else:
            reask = state.awaiting == "service"
            state.awaiting = "service"
            names = [s.spoken_name(lang) for s in ctx.services]
            return Decision(say("ask_service", lang, options=say_list(names, lang)), reask=reask)
    if state.chosen is None and state.awaiting == "choice":
        state.chosen = _pick_offer(state, u)
        if state.chosen is None and state.offered and not u.times:
            if u.has(Intent.NO):
                state.reset_booking()
                state.time = None
                state.awaiting = "time"
                return Decision(say("what_to_change", lang))
            return Decision(
                say("which_offer", lang, options=_options(state.offered, ctx, lang)), reask=True
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
                when=_when(offer.start, ctx, lang),
                resource=offer.resource_name,
            )
        )
    options = _options(result.offers, ctx, lang)
    if result.near:
        key = "offer_near_one" if len(result.offers) == 1 else "offer_near"
        return Decision(say(key, lang, wanted=result.wanted or "that time", options=options))
    if len(result.offers) == 1:
        offer = result.offers[0]
        return Decision(
            say(
                "offer_exact",
                lang,
                when=_when(offer.start, ctx, lang),
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
            return _do_reschedule(state, ctx, lang)
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
            when=_when(state.chosen.start, ctx, lang),
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
        },
        key=f"{ctx.tools.ctx.conversation_id}:{state.booking_seq}",
    )
    service = ctx.service(state.service_id)
    assert service is not None
    if result.get("ok"):
        appt = result["appointment"]
        state.appointment_id = appt["id"]
        state.customer_id = appt.get("customer_id") or state.customer_id
        state.outcome, state.awaiting, state.goal = "booked", "anything_else", None
        return Decision(
            say(
                "booked",
                lang,
                service=service.spoken_name(lang),
                when=_when(appt["start"], ctx, lang),
                resource=appt["resource_name"],
            ),
            outcome="booked",
        )
    return _write_failed(state, ctx, lang, result)


def _write_failed(
    state: DialogueState, ctx: TurnContext, lang: str, result: dict[str, object]
) -> Decision:
    """The slot went between offer and booking (or a rule refused): offer again."""
    wanted = state.chosen
    state.reset_booking()
    if result.get("error") == "slot_taken" and wanted is not None and state.service_id:
        retry = search.search(
            ctx,
            state.service_id,
            {"kind": "instant", "value": wanted.start, "grain": "minute", "text": None},
        )
        if retry.offers:
            state.offered, state.awaiting = retry.offers, "choice"
            return Decision(
                f"{say('slot_gone', lang)} "
                + say("offer_many", lang, options=_options(retry.offers, ctx, lang))
            )
    state.awaiting = "time"
    return Decision(say("booking_failed", lang, reason=str(result.get("detail", ""))))


# --- finding the caller's appointments ----------------------------------------------------


def _load_appointments(state: DialogueState, ctx: TurnContext, lang: str) -> Decision | None:
    """Fill state.appointments from the caller's phone; ask for it when unknown."""
    phone = ctx.caller_phone or state.phone
    if not phone:
        state.awaiting = "phone"
        return Decision(say("ask_phone_lookup", lang))
    result = ctx.tools.call("lookup_customer", {"phone": phone})
    found = result.get("appointments", []) if result.get("ok") else []
    state.appointments = [
        KnownAppointment(
            id=a["id"],
            service_id=a["service_id"],
            service_name=a["service_name"],
            start=a["start"],
            resource_name=a["resource_name"],
        )
        for a in found
    ]
    if result.get("found") and result.get("customer"):
        state.customer_id = result["customer"]["id"]
        state.name = state.name or result["customer"]["name"]
    if not state.appointments:
        state.goal, state.awaiting = None, "anything_else"
        state.outcome = state.outcome or "info"  # they asked and got an answer
        return Decision(say("no_appointments", lang))
    return None


def _identify(state: DialogueState, u: Understanding, ctx: TurnContext) -> Decision | None:
    lang = u.lang
    if state.target is not None:
        return None
    if not state.appointments:
        asked = _load_appointments(state, ctx, lang)
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
        [f"{_label(ctx, a, lang)} {_when(a.start, ctx, lang)}" for a in state.appointments[:3]],
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


def _reschedule(state: DialogueState, u: Understanding, ctx: TurnContext) -> Decision | None:
    lang = u.lang
    if state.awaiting == "phone" and u.phone:
        state.phone = u.phone
    asked = _identify(state, u, ctx)
    if asked is not None:
        return asked
    assert state.target is not None
    state.service_id = state.target.service_id
    if state.awaiting == "confirm" and state.chosen is not None:
        if u.has(Intent.YES) and not u.has(Intent.NO):
            return _do_reschedule(state, ctx, lang)
        if u.has(Intent.NO) or u.has(Intent.CORRECTION):
            state.reset_booking()
            state.time = None
            state.awaiting = "time"
            return Decision(say("what_to_change", lang))
        return None
    if state.time is None and state.chosen is None:
        state.awaiting = "time"
        if ctx.persona.private and not state.verified:
            return Decision(say("ask_new_time_private", lang))
        return Decision(
            say(
                "ask_new_time",
                lang,
                service=_label(ctx, state.target, lang),
                when=_when(state.target.start, ctx, lang),
            )
        )
    return _book(state, u, ctx)


def _confirm_reschedule(state: DialogueState, ctx: TurnContext, lang: str) -> Decision:
    assert state.chosen is not None and state.target is not None
    state.awaiting = "confirm"
    return Decision(
        say(
            "confirm_reschedule",
            lang,
            service=_label(ctx, state.target, lang),
            when=_when(state.chosen.start, ctx, lang),
            resource=state.chosen.resource_name,
        )
    )


def _do_reschedule(state: DialogueState, ctx: TurnContext, lang: str) -> Decision:
    assert state.chosen is not None and state.target is not None
    result = ctx.tools.call(
        "reschedule", {"appointment_id": state.target.id, "start": state.chosen.start}
    )
    if result.get("ok"):
        appt = result["appointment"]
        state.appointment_id = appt["id"]
        state.outcome, state.awaiting, state.goal = "rescheduled", "anything_else", None
        return Decision(
            say(
                "rescheduled",
                lang,
                service=_label(ctx, state.target, lang),
                when=_when(appt["start"], ctx, lang),
                resource=appt["resource_name"],
            ),
            outcome="rescheduled",
        )
    if result.get("error") in ("not_active", "already_started", "not_your_appointment"):
        state.goal, state.awaiting = None, "anything_else"
        return Decision(say("no_longer_open", lang, reason=str(result.get("detail", ""))))
    return _write_failed(state, ctx, lang, result)


def _cancel(state: DialogueState, u: Understanding, ctx: TurnContext) -> Decision | None:
    lang = u.lang
    if state.awaiting == "phone" and u.phone:
        state.phone = u.phone
    asked = _identify(state, u, ctx)
    if asked is not None:
        return asked
    assert state.target is not None
    if state.awaiting == "confirm":
        if u.has(Intent.YES) and not u.has(Intent.NO):
            result = ctx.tools.call("cancel", {"appointment_id": state.target.id})
            if result.get("ok"):
                state.appointment_id = state.target.id
                state.outcome, state.awaiting, state.goal = "cancelled", "anything_else", None
                return Decision(say("cancelled", lang), outcome="cancelled")
            state.goal, state.awaiting = None, "anything_else"
            return Decision(say("no_longer_open", lang, reason=str(result.get("detail", ""))))
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
            service=_label(ctx, state.target, lang),
            when=_when(state.target.start, ctx, lang),
        )
    )


def _list(state: DialogueState, u: Understanding, ctx: TurnContext) -> Decision | None:
    lang = u.lang
    if state.awaiting == "phone" and u.phone:
        state.phone = u.phone
    if ctx.persona.private and not state.verified:
        state.goal, state.awaiting = None, "anything_else"
        state.outcome = state.outcome or "info"
        return Decision(say("private", lang))
    if not state.appointments:
        asked = _load_appointments(state, ctx, lang)
        if asked is not None:
            return asked
    options = say_list(
        [
            f"{_label(ctx, a, lang)} {_when(a.start, ctx, lang)} "
            f"{'con' if lang == 'es' else 'with'} {a.resource_name}"
            for a in state.appointments[:3]
        ],
        lang,
        conjunction="y" if lang == "es" else "and",
    )
    state.goal, state.awaiting = None, "anything_else"
    state.outcome = state.outcome or "info"
    return Decision(say("your_appointments", lang, options=options))


def _hours(state: DialogueState, u: Understanding, ctx: TurnContext) -> Decision:
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
