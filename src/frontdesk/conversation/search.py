"""Turn a caller's time constraint into slot offers: exact, within a range, or nearest."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from frontdesk.conversation.context import TurnContext
from frontdesk.conversation.state import OfferedSlot
from frontdesk.conversation.tool_results import FoundSlots, Refused

HORIZON_DAYS = 14
OFFERS = 3


@dataclass
class SearchResult:
    offers: list[OfferedSlot]
    exact: bool = False  # the very time asked for is free
    near: bool = False  # nothing in the asked window: these are the nearest
    past: bool = False  # the asked time has passed
    too_far: bool = False  # beyond how far ahead the business takes bookings
    wanted: str | None = None  # the caller's words for what they asked


def window_for(
    mention: dict[str, Any], ctx: TurnContext
) -> tuple[datetime, datetime, datetime | None]:
    """(from, to, exact instant or None) for a serialised TimeMention, in the tenant's zone."""
    tz = ctx.tz
    if mention["kind"] == "interval":
        start = _parse(mention.get("from")) or ctx.now
        end = _parse(mention.get("to")) or start + timedelta(days=HORIZON_DAYS)
        return start.astimezone(tz), end.astimezone(tz), None
    value = _parse(mention["value"])
    assert value is not None
    value = value.astimezone(tz)
    grain = mention.get("grain", "day")
    if grain in ("minute", "second"):
        return value, value + timedelta(minutes=1), value
    if grain == "hour":
        return value, value + timedelta(minutes=1), value
    if grain == "week":
        return value, value + timedelta(days=7), None
    if grain in ("month", "year"):
        return value, value + timedelta(days=31), None
    day = datetime.combine(value.date(), time(0), tzinfo=tz)
    return day, day + timedelta(days=1), None


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _slots(
    ctx: TurnContext,
    service_id: str,
    start: datetime,
    end: datetime,
    limit: int,
    near: datetime | None = None,
    parts: list[str] | None = None,
    *,
    skip_declined: bool = True,
) -> list[OfferedSlot]:
    args: dict[str, Any] = {
        "service_id": service_id,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "limit": limit,
    }
    if near is not None:
        args["near"] = near.isoformat()
    if parts:
        args["part_of_day"] = parts
    if ctx.resource_id:
        args["resource_id"] = ctx.resource_id
    if ctx.rule:
        args.update(_rule_args(ctx.rule))
        if not parts and ctx.rule.get("parts_of_day"):
            args["part_of_day"] = ctx.rule["parts_of_day"]  # preferred: ranked first
    if ctx.limits:
        _keep_to_limits(args, ctx.limits)
    if ctx.moving:
        args["moving_appointment_id"] = ctx.moving
    # Times turned down are skipped, not just ranked lower: ask for enough to replace them.
    skip = set(ctx.declined) if skip_declined else set()
    if skip:
        args["limit"] = min(20, limit + len(skip))
    result = ctx.tools.call("find_open_slots", args)
    if isinstance(result, Refused) and ctx.resource_id:
        # The person asked for does not do this service: search everyone instead.
        ctx.resource_id = None
        args.pop("resource_id")
        result = ctx.tools.call("find_open_slots", args)
    if not isinstance(result, FoundSlots):
        return []
    offers = [OfferedSlot.of(s) for s in result.slots]
    if skip:
        offers = [o for o in offers if not _declined(o, skip)][:limit]
    return offers


def _declined(offer: OfferedSlot, skip: set[str]) -> bool:
    # Compared as instants: the same start may be written with another offset.
    start = datetime.fromisoformat(offer.start)
    return any(datetime.fromisoformat(s) == start for s in skip)


def _keep_to_limits(args: dict[str, Any], limits: dict[str, str | None]) -> None:
    """The caller's hours narrow a rule's: the later earliest, the earlier latest."""
    earliest, latest = limits.get("earliest"), limits.get("latest")
    if earliest and (not args.get("earliest_time") or earliest > args["earliest_time"]):
        args["earliest_time"] = earliest
    if latest and (not args.get("latest_time") or latest < args["latest_time"]):
        args["latest_time"] = latest
    if args.get("earliest_time") and args.get("latest_time") and (
        args["earliest_time"] >= args["latest_time"]
    ):
        # A rule and hours said later that cannot both hold: the later words win.
        for key, value in (("earliest_time", earliest), ("latest_time", latest)):
            if value:
                args[key] = value
            else:
                args.pop(key)


def _rule_args(rule: dict[str, Any]) -> dict[str, Any]:
    """The hard part of a caller's rule, as find_open_slots takes it."""
    names = ("days_of_week", "earliest_time", "latest_time", "exclude_dates")
    return {name: rule[name] for name in names if rule.get(name)}


def search(ctx: TurnContext, service_id: str, mention: dict[str, Any]) -> SearchResult:
    start, end, exact = window_for(mention, ctx)
    wanted = mention.get("text")
    if end <= ctx.now:
        return SearchResult([], past=True, wanted=wanted)
    if start >= ctx.now + timedelta(days=ctx.tenant.max_days_ahead):
        return SearchResult([], too_far=True, wanted=wanted)
    start = max(start, ctx.now)
    if exact is not None:
        hit = _slots(ctx, service_id, start, end, 1, skip_declined=False)
        if hit:
            return SearchResult(hit, exact=True, wanted=wanted)
        return SearchResult(_nearest(ctx, service_id, exact), near=True, wanted=wanted)
    if mention.get("windows"):
        offers = _in_windows(ctx, service_id, mention["windows"])
    else:
        parts = _parts_of_day(mention, start, end)
        offers = _slots(ctx, service_id, start, end, OFFERS, parts=parts)
    if offers:
        return SearchResult(offers, wanted=wanted)
    later = _slots(ctx, service_id, end, end + timedelta(days=HORIZON_DAYS), 2)
    return SearchResult(later, near=True, wanted=wanted)


def _in_windows(ctx: TurnContext, service_id: str, windows: list[list[str]]) -> list[OfferedSlot]:
    """The first free times of each window in turn ("Monday or Wednesday" offers Monday's,
    and Wednesday's when Monday is full), never a time between them."""
    offers: list[OfferedSlot] = []
    for first, last in windows:
        start, end = max(datetime.fromisoformat(first), ctx.now), datetime.fromisoformat(last)
        if start < end:
            offers += _slots(ctx, service_id, start, end, OFFERS - len(offers))
        if len(offers) >= OFFERS:
            break
    return offers


_PARTS = {
    "morning": re.compile(r"\b(mornings?|mañanas|por la mañana|en la mañana)\b", re.I),
    "afternoon": re.compile(r"\b(afternoons?|after lunch|tardes?|por la tarde)\b", re.I),
    "evening": re.compile(r"\b(evenings?|nights?|noches?)\b", re.I),
}


def _parts_of_day(mention: dict[str, Any], start: datetime, end: datetime) -> list[str]:
    """'Tue-Thu mornings in the next two weeks' spans many days, and only mornings count:
    rank those first (a single-day interval already is the part of day)."""
    if end - start <= timedelta(days=1):
        return []
    text = mention.get("text") or ""
    return [part for part, words in _PARTS.items() if words.search(text)]


def _nearest(ctx: TurnContext, service_id: str, target: datetime) -> list[OfferedSlot]:
    """The two free starts closest to ``target`` on its day, else the next ones after it."""
    day = datetime.combine(target.date(), time(0), tzinfo=ctx.tz)
    same_day = _slots(ctx, service_id, max(day, ctx.now), day + timedelta(days=1), 2, target)
    if same_day:
        return same_day
    return _slots(ctx, service_id, max(target, ctx.now), target + timedelta(days=HORIZON_DAYS), 2)


def search_default(ctx: TurnContext, service_id: str, *, limit: int = OFFERS) -> SearchResult:
    """No time given: the next few free times ("as soon as possible": the first one)."""
    return SearchResult(
        _slots(ctx, service_id, ctx.now, ctx.now + timedelta(days=HORIZON_DAYS), limit)
    )
