"""The conversations page: calls, chats and texts, live and finished, with outcome,
duration and transfer, filtered by channel, outcome, language and date; each links to
its customer's history, where the transcript is. Owners and admins see all; staff those
with the customers on their own calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.responses import HTMLResponse

from frontdesk.dashboard.customer_pages import calendar_of
from frontdesk.dashboard.render import page
from frontdesk.dashboard.routes import HOME, ViewerDep
from frontdesk.dashboard.text import language_of
from frontdesk.services.conversation_list import ConversationFilter, list_conversations
from frontdesk.services.users import business_of
from frontdesk.web.deps import SessionDep

router = APIRouter(include_in_schema=False)
CHANNELS = ("phone", "chat", "sms", "openai", "retell")


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip()) if value.strip() else None
    except ValueError:
        return None  # a malformed date box is no filter


@router.get(HOME + "/conversations", response_class=HTMLResponse)
def conversations_page(
    request: Request, who: ViewerDep, session: SessionDep,
    channel: Annotated[str, Query(max_length=16)] = "",
    outcome: Annotated[str, Query(max_length=24)] = "",
    language: Annotated[str, Query(max_length=8)] = "",
    on: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    day = _day(on)
    since = datetime.combine(day, time(0), tzinfo=UTC) if day else None
    where = ConversationFilter(
        channel=channel or None, outcome=outcome or None, language=language or None,
        since=since, until=since + timedelta(days=1) if since else None,
        resource_id=calendar_of(who))
    rows = list_conversations(session, business_of(session, who), where, limit=100)
    return page("conversations.html", language_of(request, who.language), who=who,
                rows=rows, channels=CHANNELS, csrf=request.state.csrf,
                filters={"channel": channel, "outcome": outcome, "language": language,
                         "on": day.isoformat() if day else ""},
                active="conversations")
