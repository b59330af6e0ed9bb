"""Request keys: how a door names one delivery of one message, so that a retry is known.

A door's key (a Twilio MessageSid, a Telnyx event id, a Retell response id, a chat
client's Idempotency-Key) is kept on the conversation turn the message caused, in
``conversation_turns.request_key``: at most ``MAX_LENGTH`` characters and unique per
conversation, so the database itself refuses to take one delivery twice. This module is
the one place that fits a key into that column and asks whether a key was seen; the
agent replays the recorded answer to a key it has seen instead of acting again.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.store.db import named_lock
from frontdesk.store.models import ConversationTurn

MAX_LENGTH = 64  # conversation_turns.request_key
# A digest this long keeps keys apart (160 bits) and leaves room for a prefix.
_DIGEST_CHARS = 40
MAX_PREFIX = MAX_LENGTH - _DIGEST_CHARS - 1


def fit(prefix: str, raw: str) -> str:
    """``prefix:raw``, or when that is longer than the column, ``prefix:`` and a digest
    of ``raw``: the same delivery always gets the same key."""
    key = f"{prefix}:{raw}"
    return key if len(key) <= MAX_LENGTH else hashed(prefix, raw)


def hashed(prefix: str, raw: str) -> str:
    """``prefix:`` and a digest of ``raw``, whatever its length: for keys a client makes
    up (they may be long, or carry what should not be stored as given)."""
    if len(prefix) > MAX_PREFIX:
        raise ValueError(f"a request-key prefix has at most {MAX_PREFIX} characters")
    return f"{prefix}:{hashlib.sha256(raw.encode()).hexdigest()[:_DIGEST_CHARS]}"


def seen(session: Session, conversation_id: uuid.UUID, key: str) -> bool:
    """Whether a turn of this conversation already carries ``key``."""
    return session.scalars(select(ConversationTurn.id).where(
        ConversationTurn.conversation_id == conversation_id,
        ConversationTurn.request_key == key,
    )).first() is not None


def reply_to(session: Session, conversation_id: uuid.UUID, key: str) -> ConversationTurn | None:
    """The assistant turn that answered the turn with ``key``, if any."""
    asked = session.scalars(select(ConversationTurn).where(
        ConversationTurn.conversation_id == conversation_id,
        ConversationTurn.request_key == key,
    )).first()
    if asked is None:
        return None
    return session.scalars(
        select(ConversationTurn)
        .where(
            ConversationTurn.conversation_id == conversation_id,
            ConversationTurn.seq > asked.seq,
            ConversationTurn.role == "assistant",
        )
        .order_by(ConversationTurn.seq)
    ).first()


@contextmanager
def one_copy_at_a_time(
    factory: sessionmaker[Session], conversation_id: uuid.UUID, key: str
) -> Iterator[None]:
    """Copies of one request (one key) run one after another, not at once.

    A door's retry can arrive while the first copy is still thinking. A turn spans
    several transactions (its tools book in their own), so no one transaction can keep
    the copies apart: a named lock held for the whole turn does, and the copy that
    waited then finds the first one's reply in the record (ADR 0015).
    """
    with named_lock(factory, f"turn:{conversation_id}:{key}"):
        yield
