"""How the agent says offers, appointments and refusals: times, options, service names."""

from __future__ import annotations

from datetime import datetime

from frontdesk.conversation.context import TurnContext
from frontdesk.conversation.refusals import say_refusal
from frontdesk.conversation.speech import say_clock, say_day, say_list, say_when
from frontdesk.conversation.state import KnownAppointment, OfferedSlot
from frontdesk.conversation.tool_results import Refused, ToolResult
from frontdesk.errors import RefusalCode


def when_said(iso: str, ctx: TurnContext, lang: str) -> str:
    return say_when(datetime.fromisoformat(iso).astimezone(ctx.tz), ctx.today, lang)


def service_label(ctx: TurnContext, appointment: KnownAppointment, lang: str) -> str:
    """How to say an appointment's service in the caller's language."""
    service = ctx.service(appointment.service_id)
    return service.spoken_name(lang) if service else appointment.service_name.lower()


def say_options(offers: list[OfferedSlot], ctx: TurnContext, lang: str) -> str:
    """'tomorrow at 9 AM, 11:30 AM or 4 PM' when one day; each with its day otherwise."""
    starts = [datetime.fromisoformat(o.start).astimezone(ctx.tz) for o in offers]
    if len(starts) > 1 and len({s.date() for s in starts}) == 1:
        day = say_day(starts[0].date(), ctx.today, lang)
        clocks = say_list([say_clock(s, lang) for s in starts], lang)
        if lang == "es":
            # "a las 9 ..., a las 11 ... o a las 4 ...": keep each article, it reads naturally
            return f"{day} {clocks}"
        return f"{day} at {clocks}"
    return say_list([when_said(o.start, ctx, lang) for o in offers], lang)


def refusal_code(result: ToolResult) -> RefusalCode | None:
    """The code of a refused tool call; None when the tool did its job."""
    return result.code if isinstance(result, Refused) else None


def why_refused(result: ToolResult, ctx: TurnContext, lang: str) -> str:
    """Why a tool refused, in the caller's words and language (never the service's text)."""
    return say_refusal(
        refusal_code(result) or RefusalCode.UNAVAILABLE,
        lang,
        notice_minutes=ctx.tenant.min_notice_minutes,
        days_ahead=ctx.tenant.max_days_ahead,
    )
