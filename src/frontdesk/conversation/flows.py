"""The task flows: book (and availability), reschedule, cancel, my appointments, hours.

Each turn: ``absorb`` copies what the caller just said into the state, then ``advance``
asks for the next missing thing, offers slots, reads back, or acts through a tool.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from frontdesk.conversation import search, when
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
from frontdesk.nlu.language import normalize
from frontdesk.nlu.types import Intent, ServiceMatch, TimeMention, Understanding


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
        if len(u.services) > 1 and (u.has(Intent.CORRECTION) or state.service_id):
            best = _wanted_service(u)
        if best != state.service_id and state.goal not in ("reschedule", "cancel"):
            state.service_id = best
            state.reset_booking()
            got = True
    picking = u.choice is not None and bool(state.offered)  # "la de más tarde" is a pick
    if u.times and not picking and state.awaiting not in ("name", "phone", "which_appointment"):
        rescheduling = state.goal == "reschedule"
        main = when.primary(u.times, rescheduling=rescheduling)
        mention = when.business_hour(when.combine(u.times, main, ctx), ctx)
        mention = when.weekend_days(mention, ctx)
        mention = when.keep_clock(mention, state.time, ctx, u.lang)
        mention = when.keep_day(mention, state.time, ctx)
        picked = _pick_by_time(state, main) if state.offered else None
        if picked is not None:
            state.chosen = picked
        else:
            state.time = mention
            state.reset_booking()
        got = True
    elif u.has(Intent.CORRECTION) and state.time and (hour := when.bare_hour(u.text)):
        # "can we do 4 instead of 3": a bare number is the new hour on the same day.
        day = when.at_clock(state.time, datetime.min.time().replace(hour=hour), ctx)
        state.time = {**day, "grain": "hour", "text": None}
        state.reset_booking()
        got = True
    if (resource := _named_resource(u.text, ctx)) is not None and resource != state.resource_id:
        state.resource_id = resource
        mine = [o for o in state.offered if o.resource_id == resource]
        if len(mine) == 1 and state.awaiting == "choice":
            state.chosen = mine[0]  # "the one with Marco"
        elif state.chosen is None or state.chosen.resource_id != resource:
            state.reset_booking()
        got = True
    ctx.resource_id = state.resource_id
    if u.person_name and (state.awaiting == "name" or state.name is None):
        state.name = u.person_name
        got = True
    if u.phone and (state.awaiting == "phone" or state.phone is None):
        state.phone = u.phone
        got = True
    return got


# "Sorry, about Friday at 10 isn't available" -> "Sorry, Friday at 10 isn't available".
_WANTED_LEAD = re.compile(r"^(?:about|around|like|maybe|at|on|sobre|como|hacia|a eso de)\s+", re.I)

_ASAP = re.compile(
    r"\b(as soon as possible|asap|soonest|earliest|the sooner the better|first (available|"
    r"thing|opening)|whatever you have first|next available|any ?time|lo antes posible|"
    r"cuanto antes|lo primero que (haya|tenga[ns]?)|lo m[aá]s pronto|primer hueco|cuando sea)\b",
    re.IGNORECASE,
)


_NOT_THIS = re.compile(
    r"(?:\bnot|\bno|instead of|rather than|scratch|forget|cancel|en vez de|en lugar de|"
    r"olvida|quita)\W+(?:\w+\W+)?$",
    re.IGNORECASE,
)
_THIS_ONE = re.compile(
    r"(?:\bjust|\bonly|\brather|\bactually|\bmeant|\bmejor|\bsolo|\bsólo|\bquise decir|"
    r"\bprefiero)\W+(?:\w+\W+){0,2}$",
    re.IGNORECASE,
)


def _wanted_service(u: Understanding) -> str:
    """Of several services named in one turn, the one the caller wants now: "I meant a
    color, not a cut", "scratch the highlights, just a haircut", "mejor solo un corte"."""
    text = u.text.lower()

    def score(match: ServiceMatch) -> tuple[int, int]:
        at = text.rfind(match.matched.lower())
        before = text[max(0, at - 30) : max(at, 0)]
        if _NOT_THIS.search(before):
            return (-1, at)
        return (1 if _THIS_ONE.search(before) else 0, at)

    return max(u.services, key=score).service_id


_TITLES = {"dr", "dra", "doctor", "doctora", "mr", "mrs", "ms", "miss", "sr", "sra", "srta"}


def _named_resource(text: str, ctx: TurnContext) -> str | None:
    """The staff member a caller names ("with Marco", "con la Dra. Ruiz"), if exactly one."""
    words = set(normalize(text).split())
    hits = []
    for resource_id, name in ctx.resources:
        tokens = [t for t in normalize(name).replace(".", " ").split() if t not in _TITLES]
        if tokens and any(t in words for t in tokens if len(t) > 2):
            hits.append(resource_id)
    return hits[0] if len(hits) == 1 else None


def _pick_by_time(state: DialogueState, mention: TimeMention) -> OfferedSlot | None:
    """'the 10:30 one', 'Tuesday', '3 pm' against what was offered."""
    if mention.kind != "instant" or mention.value is None:
        return None
    said_day = when.has_day(mention.text)
    said = (mention.value.hour, mention.value.minute)
    afternoon = (said[0] + 12, said[1]) if 1 <= said[0] <= 7 else said
    for offer in state.offered:
        start = datetime.fromisoformat(offer.start).astimezone(mention.value.tzinfo)
        if said_day and start.date() != mention.value.date():
            continue
        if mention.grain in ("minute", "hour") and (start.hour, start.minute) in (said, afternoon):
            return offer
        if mention.grain == "day" and start.date() == mention.value.date():
            return offer
    return None


def _pick_by_number(state: DialogueState, text: str, ctx: TurnContext) -> OfferedSlot | None:
    """'6 works', 'a las 4 está bien': a bare hour that one offer starts at."""
    hour = when.bare_hour(text)
    if hour is None:
        return None
    hits = [
        o for o in state.offered if datetime.fromisoformat(o.start).astimezone(ctx.tz).hour == hour
    ]
    return hits[0] if len(hits) == 1 else None


def _pick_offer(state: DialogueState, u: Understanding, ctx: TurnContext) -> OfferedSlot | None:
    if not state.offered:
        return None
    if u.choice is not None and -len(state.offered) <= u.choice < len(state.offered):
        return state.offered[u.choice]
    if u.has(Intent.YES) and len(state.offered) == 1:
        return state.offered[0]
    for mention in u.times:
        if (picked := _pick_by_time(state, mention)) is not None:
            return picked
    return _pick_by_number(state, u.text, ctx)


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


def _on_readback(
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


def _book(state: DialogueState, u: Understanding, ctx: TurnContext) -> Decision | None:
    lang = u.lang
    if state.awaiting == "confirm" and state.chosen is not None:
        return _on_readback(state, u, lambda: _do_book(state, ctx, lang))
    if state.service_id is None:
        if len(ctx.services) == 1:
            state.service_id = ctx.services[0].id
        else:
            reask = state.awaiting == "service"
            state.awaiting = "service"
            names = [s.spoken_name(lang) for s in ctx.services]
            return Decision(say("ask_service", lang, options=say_list(names, lang)), reask=reask)
    if state.chosen is None and state.awaiting == "choice":
        state.chosen = _pick_offer(state, u, ctx)
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
    if state.time is not None and not state.offered:
        state.time = _moving_to(state.time, state.target, u, ctx)
    if state.awaiting == "confirm" and state.chosen is not None:
        return _on_readback(state, u, lambda: _do_reschedule(state, ctx, lang))
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


def _moving_to(
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
        "reschedule",
        {
            "appointment_id": state.target.id,
            "start": state.chosen.start,
            "resource_id": state.chosen.resource_id,
        },  # the person the read-back named
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
