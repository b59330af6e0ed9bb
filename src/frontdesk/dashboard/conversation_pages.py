"""The conversations page: calls, chats and texts, live and finished, with outcome,
duration, transfer and what the analysis said, filtered by channel, outcome, language,
date, result and staff's ratings; each opens its own page (the analysis, staff's
ratings and the transcript). Owners and admins see all; staff those with the customers
on their own calendar."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, get_args

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.responses import HTMLResponse

from frontdesk.dashboard.customer_pages import calendar_of
from frontdesk.dashboard.render import page
from frontdesk.dashboard.routes import HOME, ViewerDep
from frontdesk.dashboard.text import language_of
from frontdesk.errors import NotFound
from frontdesk.services import conversation_feedback
from frontdesk.services.conversation_analysis import analysis_of
from frontdesk.services.conversation_feedback import CATEGORIES, Rating
from frontdesk.services.conversation_list import (
    RESULTS,
    ConversationFilter,
    Result,
    Transcript,
    list_conversations,
    transcript,
)
from frontdesk.services.customer_overview import sees_customer
from frontdesk.services.tenants import Tenant
from frontdesk.services.users import Viewer, business_of
from frontdesk.web.deps import SessionDep

router = APIRouter(include_in_schema=False)
# The channels a conversation is recorded on (voice platforms' calls are "phone").
CHANNELS = ("phone", "chat", "sms")
RATINGS: tuple[Rating, ...] = get_args(Rating)
# What a redirect after a rating says was done (anything else: nothing to say).
DONE = ("rated", "withdrawn")


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
    result: Annotated[Result | None, Query()] = None,
    rated: Annotated[Rating | None, Query()] = None,
) -> Response:
    day = _day(on)
    since = datetime.combine(day, time(0), tzinfo=UTC) if day else None
    where = ConversationFilter(
        channel=channel or None, outcome=outcome or None, language=language or None,
        since=since, until=since + timedelta(days=1) if since else None,
        resource_id=calendar_of(who), result=result, rated=rated)
    rows = list_conversations(session, business_of(session, who), where, limit=100)
    return page("conversations.html", language_of(request, who.language), who=who,
                rows=rows, channels=CHANNELS, results=RESULTS, ratings=RATINGS,
                csrf=request.state.csrf,
                filters={"channel": channel, "outcome": outcome, "language": language,
                         "on": day.isoformat() if day else "", "result": result or "",
                         "rated": rated or ""},
                active="conversations")


def seen_conversation(session: SessionDep, who: Viewer,
                      conversation_id: uuid.UUID) -> tuple[Tenant, Transcript]:
    """The conversation as ``who`` may see it: NotFound for another business's, and for
    staff, one without a customer on their own calendar."""
    business = business_of(session, who)
    found = transcript(session, business, conversation_id)
    calendar = calendar_of(who)
    customer = found.row.conversation.customer_id
    if calendar is not None and (customer is None or not sees_customer(
            session, business, calendar, customer)):
        raise NotFound(f"No conversation with id {conversation_id} in this business.",
                       conversation_id=str(conversation_id))
    return business, found


@router.get(HOME + "/conversations/{conversation_id}", response_class=HTMLResponse)
def conversation_page(request: Request, who: ViewerDep, session: SessionDep,
                      conversation_id: uuid.UUID,
                      done: Annotated[str, Query(max_length=16)] = "") -> Response:
    """One conversation: when, where, how it ended, what it came to (its analysis and
    staff's ratings, with forms to rate it and each reply of the agent), and its
    transcript (who said what, when, in which language). Staff: only with a customer on
    their own calendar."""
    business, found = seen_conversation(session, who, conversation_id)
    conversation = found.row.conversation
    ratings = conversation_feedback.feedback_for(session, business, conversation.id)
    names = conversation_feedback.author_names(session, business,
                                               {r.author for r in ratings})
    return page("conversation.html", language_of(request, who.language), who=who,
                found=found, analysis=analysis_of(session, business, conversation),
                feedback=conversation_feedback.counts(session, conversation.id),
                ratings=ratings, names=names, categories=CATEGORIES,
                me=conversation_feedback.user_author(who.user_id),
                done=done if done in DONE else "",
                csrf=request.state.csrf, active="conversations")
