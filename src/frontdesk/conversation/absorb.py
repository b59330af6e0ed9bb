"""Copy what a caller just said (service, time, staff, name, phone) into the state."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from typing import Any

from frontdesk.conversation import limits, when
from frontdesk.conversation.context import TurnContext
from frontdesk.conversation.state import DialogueState, OfferedSlot
from frontdesk.nlu.language import normalize
from frontdesk.nlu.timewindows import as_whole_day
from frontdesk.nlu.types import Intent, ServiceMatch, TimeMention, Understanding
from frontdesk.services.constraints import caller_rule

# Answers to the business's required details: a birth date is no appointment time.
_INTAKE = ("date_of_birth", "insurance")


def absorb(state: DialogueState, u: Understanding, ctx: TurnContext) -> bool:
    """Copy service, time, name and phone from the turn into the state. True if any."""
    got = False
    if u.services and state.awaiting not in ("name", "phone", "code", *_INTAKE):
        best = u.services[0].service_id
        if len(u.services) > 1 and (u.has(Intent.CORRECTION) or state.service_id):
            best = _wanted_service(u)
        if best != state.service_id and state.goal not in ("reschedule", "cancel"):
            state.service_id = best
            state.reset_booking()
            got = True
    picking = u.choice is not None and bool(state.offered)  # "la de más tarde" is a pick
    reading = state.awaiting in ("name", "phone", "which_appointment", "code", *_INTAKE)
    said_limits = None if picking or reading else limits.read(u.text)
    times = u.times
    if said_limits is not None:
        # "Only evenings" holds for every offer from now on; its own words ("evenings",
        # "before noon") are not a time to search.
        state.limits = said_limits.to_json()
        times = limits.outside(u.times, said_limits)
        state.reset_booking()
        got = True
    rule = None if picking or reading else caller_rule(u.text, ctx.tenant.timezone, ctx.now)
    if rule is not None and said_limits is not None:
        # The rule parser reads "nothing before noon" as "before noon": the hours are the
        # limit's ("weekday" and the window stay the rule's).
        rule = replace(rule, earliest_time=said_limits.earliest, latest_time=said_limits.latest)
    if rule is not None:
        # "Any weekday morning except Wednesday": the rule, not the days it names, is what
        # the caller wants; every search keeps to it (search._slots), over its window.
        state.rule = rule.to_json()
        state.time = {"kind": "interval", "grain": "day", "from": rule.window_start,
                      "to": rule.window_end, "text": None}
        state.reset_booking()
        got = True
    elif times and not picking and not reading:
        rescheduling = state.goal == "reschedule"
        times = tuple(as_whole_day(m) for m in times)  # "in a fortnight" is a day
        main = when.primary(times, rescheduling=rescheduling)
        mention = when.business_hour(when.combine(times, main, ctx), ctx)
        mention = when.weekend_days(mention, ctx)
        if not rescheduling:
            mention = when.alternatives(u.text, times, mention, ctx, u.lang)
        mention = when.keep_clock(mention, state.time, ctx, u.lang)
        mention = when.keep_day(mention, state.time, ctx)
        picked = pick_by_time(state, main) if state.offered else None
        if picked is not None:
            state.chosen = picked
        else:
            if state.limits and not _within(mention, state.limits, ctx):
                state.limits = None  # "Friday at 10" after "only evenings": they changed it
            state.time = mention
            state.rule = None  # a particular time replaces a rule said before
            state.reset_booking()
        got = True
    elif (
        said_limits is None
        and u.has(Intent.CORRECTION)
        and state.time
        and (hour := when.bare_hour(u.text))
    ):
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
    ctx.rule = state.rule
    ctx.limits = state.limits
    ctx.declined = state.declined
    if u.person_name and (state.awaiting == "name" or state.name is None):
        state.name = u.person_name
        got = True
    if u.phone and (state.awaiting == "phone" or state.phone is None):
        state.phone = u.phone
        got = True
    return got


def _within(mention: dict[str, Any], hours: dict[str, str | None], ctx: TurnContext) -> bool:
    """Whether an exact time the caller asks for keeps to the hours they gave (a day or a
    span does: the search keeps to the hours inside it)."""
    if mention.get("kind") != "instant" or mention.get("grain") not in ("hour", "minute"):
        return True
    value = datetime.fromisoformat(mention["value"]).astimezone(ctx.tz)
    return limits.allows(hours, f"{value.hour:02d}:{value.minute:02d}")


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


def pick_by_time(state: DialogueState, mention: TimeMention) -> OfferedSlot | None:
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
