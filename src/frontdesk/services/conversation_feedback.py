"""Staff's ratings of conversations and of single agent replies (issue 17, ADR 0065).

A rating is good or bad, with an optional reason and category, about a whole
conversation (no turn) or one reply of the agent (its ``seq``). Each author has one
current rating per (conversation, reply): rating again replaces it. Authors are named
``api_key:<id>`` or ``user:<id>``.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import ColumnElement, and_, delete, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.errors import FrontdeskError, InvalidInput, NotFound
from frontdesk.services.conversations import get_conversation
from frontdesk.store.db import write_session
from frontdesk.store.models import (
    ApiKey,
    Conversation,
    ConversationFeedback,
    ConversationTurn,
    Tenant,
    User,
)

__all__ = [
    "CATEGORIES",
    "ConversationFeedback",
    "FeedbackCounts",
    "FeedbackFields",
    "NotYourFeedback",
    "Rating",
    "author_names",
    "conversations_with_feedback",
    "counts",
    "feedback_for",
    "has_feedback",
    "rate",
    "remove",
    "user_author",
]

Rating = Literal["good", "bad"]
CATEGORIES = ("wrong_time", "wrong_language", "rude", "not_understood", "wrong_info",
              "too_slow", "other")


class NotYourFeedback(FrontdeskError):
    code = "forbidden"
    status = 403
    title = "Only the person who gave a rating may withdraw it"


def user_author(user_id: uuid.UUID) -> str:
    """The author a dashboard user's ratings are stored under."""
    return f"user:{user_id}"


@dataclass(frozen=True, slots=True)
class FeedbackFields:
    rating: Rating
    reason: str | None = None
    category: str | None = None
    turn: int | None = None  # an assistant reply's seq; None: the whole conversation


@dataclass(frozen=True, slots=True)
class FeedbackCounts:
    good: int = 0
    bad: int = 0
    on_replies: int = 0  # of those, about single replies


def rate(factory: sessionmaker[Session], tenant: Tenant, conversation_id: uuid.UUID,
         author: str, fields: FeedbackFields) -> ConversationFeedback:
    """Record ``author``'s rating, replacing their earlier one on the same target.
    NotFound for another business's conversation; InvalidInput for a turn that is not
    one of the agent's replies."""
    for _ in range(2):  # a concurrent rating by the same author wins the unique index
        try:
            with write_session(factory) as session:
                get_conversation(session, tenant, conversation_id)
                if fields.turn is not None:
                    _check_reply(session, conversation_id, fields.turn)
                session.execute(delete(ConversationFeedback).where(
                    ConversationFeedback.conversation_id == conversation_id,
                    ConversationFeedback.author == author,
                    ConversationFeedback.turn_seq.is_(None) if fields.turn is None
                    else ConversationFeedback.turn_seq == fields.turn))
                row = ConversationFeedback(
                    tenant_id=tenant.id, conversation_id=conversation_id,
                    turn_seq=fields.turn, rating=fields.rating, reason=fields.reason,
                    category=fields.category, author=author)
                session.add(row)
                session.flush()
                return row
        except IntegrityError:
            continue
    raise InvalidInput("This rating changed under us twice; send it again.")


def feedback_for(session: Session, tenant: Tenant,
                 conversation_id: uuid.UUID) -> list[ConversationFeedback]:
    """The conversation's current ratings, oldest first."""
    get_conversation(session, tenant, conversation_id)
    return list(session.scalars(
        select(ConversationFeedback)
        .where(ConversationFeedback.conversation_id == conversation_id)
        .order_by(ConversationFeedback.created_at, ConversationFeedback.id)))


def remove(factory: sessionmaker[Session], tenant: Tenant, conversation_id: uuid.UUID,
           feedback_id: uuid.UUID, *, only_by: str | None = None) -> None:
    """Withdraw one rating. Any key of the business may (staff tidy each other's through
    the API); with ``only_by`` (the dashboard: a person withdraws their own), a rating
    by another author is refused with NotYourFeedback and kept."""
    with write_session(factory) as session:
        get_conversation(session, tenant, conversation_id)
        row = session.get(ConversationFeedback, feedback_id)
        if row is None or row.conversation_id != conversation_id:
            raise NotFound(f"No feedback with id {feedback_id} on this conversation.")
        if only_by is not None and row.author != only_by:
            raise NotYourFeedback("This rating is someone else's: only they may withdraw it.")
        session.delete(row)


def author_names(session: Session, tenant: Tenant, authors: set[str]) -> dict[str, str]:
    """Who each author is, to show beside their ratings: a user's name (else email), an
    API key's name. An author no longer found (a deleted user or key) is left out."""
    ids: dict[str, dict[uuid.UUID, str]] = {"user": {}, "api_key": {}}
    for author in authors:
        kind, _, raw = author.partition(":")
        try:
            ids.setdefault(kind, {})[uuid.UUID(raw)] = author
        except ValueError:
            continue  # not an author this service writes
    names: dict[str, str] = {}
    if ids["user"]:
        for user_id, name, email in session.execute(
                select(User.id, User.name, User.email).where(
                    User.tenant_id == tenant.id, User.id.in_(ids["user"]))):
            names[ids["user"][user_id]] = name or email
    if ids["api_key"]:
        for key_id, name in session.execute(select(ApiKey.id, ApiKey.name).where(
                ApiKey.tenant_id == tenant.id, ApiKey.id.in_(ids["api_key"]))):
            names[ids["api_key"][key_id]] = name
    return names


def counts(session: Session, conversation_id: uuid.UUID) -> FeedbackCounts:
    """How many good and bad ratings the conversation has now."""
    rows = session.execute(select(ConversationFeedback.rating, ConversationFeedback.turn_seq)
                           .where(ConversationFeedback.conversation_id == conversation_id))
    tally: Counter[str] = Counter()
    replies = 0
    for rating, turn in rows:
        tally[rating] += 1
        replies += turn is not None
    return FeedbackCounts(good=tally["good"], bad=tally["bad"], on_replies=replies)


def has_feedback(rating: Rating | None = None) -> ColumnElement[bool]:
    """A condition on ``Conversation``: it has feedback (of ``rating``, if given). For an
    export helper's own query: ``select(Conversation).where(..., has_feedback("bad"))``."""
    rated = select(ConversationFeedback.id).where(
        ConversationFeedback.conversation_id == Conversation.id)
    if rating is not None:
        rated = rated.where(ConversationFeedback.rating == rating)
    return exists(rated)


def judged(rating: Rating) -> ColumnElement[bool]:
    """A condition on ``Conversation``: staff's verdict on it is ``rating``. "bad": anyone
    rated it (or one of its replies) bad; "good": rated good and by nobody bad, so
    "good" never hides a reply someone flagged. The one rule for the dashboard's and the
    API's lists and for the export (``verdict`` reads it for one conversation)."""
    if rating == "bad":
        return has_feedback("bad")
    return and_(has_feedback("good"), ~has_feedback("bad"))


def verdict(session: Session, conversation_id: uuid.UUID) -> Rating | None:
    """Staff's verdict on one conversation (as ``judged``); None when nobody rated it."""
    tally = counts(session, conversation_id)
    return "bad" if tally.bad else "good" if tally.good else None


def conversations_with_feedback(session: Session, tenant_id: uuid.UUID,
                                rating: Rating | None = None, *,
                                limit: int = 1000) -> list[Conversation]:
    """The business's conversations with feedback (of ``rating``), newest first."""
    return list(session.scalars(
        select(Conversation)
        .where(Conversation.tenant_id == tenant_id, has_feedback(rating))
        .order_by(Conversation.started_at.desc(), Conversation.id.desc()).limit(limit)))


def _check_reply(session: Session, conversation_id: uuid.UUID, seq: int) -> None:
    role = session.scalar(select(ConversationTurn.role).where(
        ConversationTurn.conversation_id == conversation_id, ConversationTurn.seq == seq))
    if role is None:
        raise InvalidInput(f"This conversation has no turn {seq}.", field="turn")
    if role != "assistant":
        raise InvalidInput(f"Turn {seq} is a {role} turn, not a reply of the agent: only "
                           "replies can be rated.", field="turn")
