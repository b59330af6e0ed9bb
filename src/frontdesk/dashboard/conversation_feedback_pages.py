"""Rating a conversation, or one reply of the agent, from its page: plain forms (Good or
Bad, an optional reason and category), every post CSRF-checked, then back to the page
(post, redirect, get). Anyone who may see the conversation may rate it (staff: those
with a customer on their own calendar, as for the page itself); each person withdraws
only their own ratings. Refusals (a turn that is not a reply, a reason too long, an
unknown category) answer with the dashboard's error page, and nothing is stored."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response

from frontdesk.dashboard.conversation_pages import seen_conversation
from frontdesk.dashboard.routes import HOME, CsrfChecked, ViewerDep
from frontdesk.errors import InvalidInput
from frontdesk.services import conversation_feedback
from frontdesk.services.conversation_feedback import CATEGORIES, FeedbackFields, Rating
from frontdesk.web.deps import FactoryDep, SessionDep

router = APIRouter(include_in_schema=False)

PAGE = HOME + "/conversations/{conversation_id}"


def _turn(value: str) -> int | None:
    """The reply's seq; empty: the whole conversation."""
    if not value.strip():
        return None
    try:
        return int(value)
    except ValueError:
        raise InvalidInput("That is not one of the agent's replies.", field="turn") from None


def _category(value: str) -> str | None:
    if value and value not in CATEGORIES:
        raise InvalidInput("That category is not one of the choices.", field="category")
    return value or None


def _back(conversation_id: uuid.UUID, done: str, turn: int | None) -> Response:
    anchor = f"#turn-{turn}" if turn is not None else "#ratings"
    return RedirectResponse(f"{HOME}/conversations/{conversation_id}?done={done}{anchor}",
                            status_code=303)


@router.post(PAGE + "/feedback")
def rate(who: ViewerDep, _: CsrfChecked, factory: FactoryDep, session: SessionDep,
         conversation_id: uuid.UUID, rating: Annotated[Rating, Form()],
         reason: Annotated[str, Form(max_length=500)] = "",
         category: Annotated[str, Form(max_length=32)] = "",
         turn: Annotated[str, Form(max_length=12)] = "") -> Response:
    """Rate the conversation (no ``turn``) or one reply; a person's earlier rating of the
    same thing is replaced."""
    fields = FeedbackFields(rating, reason.strip() or None, _category(category), _turn(turn))
    business, _found = seen_conversation(session, who, conversation_id)
    session.close()  # the read is done; the rating is written in a session of its own
    conversation_feedback.rate(factory, business, conversation_id,
                               conversation_feedback.user_author(who.user_id), fields)
    return _back(conversation_id, "rated", fields.turn)


@router.post(PAGE + "/feedback/{feedback_id}/withdraw")
def withdraw(who: ViewerDep, _: CsrfChecked, factory: FactoryDep, session: SessionDep,
             conversation_id: uuid.UUID, feedback_id: uuid.UUID) -> Response:
    business, _found = seen_conversation(session, who, conversation_id)
    session.close()
    conversation_feedback.remove(factory, business, conversation_id, feedback_id,
                                 only_by=conversation_feedback.user_author(who.user_id))
    return _back(conversation_id, "withdrawn", None)
