"""Proving that a caller holds a phone number they stated: a one-time code texted to it.

A number typed into a web chat (or said to a door with no caller ID) is a claim, not an
identity: anyone can say "it's under 212 555 0199". Before anything is read, moved or
cancelled on such a number, a 6-digit code goes to it by SMS through the outbox, in the
same transaction that records it, and the caller must say it back. A number the door
vouches for (a carrier caller ID on a signed webhook, a number we dialled) needs none:
``Conversation.caller_verified``. See docs/decisions/0013-stated-phone-verification.md.

Limits: a code lives 10 minutes and dies after 5 wrong tries; a number gets at most 3
codes an hour (per business), and one conversation can ask for at most 3 an hour
(whatever the numbers), so the door cannot be used to flood someone's phone or to try
codes at scale. Only a keyed hash of each code is stored (HMAC-SHA256 under a random
per-row salt), compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.errors import FrontdeskError, NotFound
from frontdesk.services.customers import find_by_phone, normalize_phone
from frontdesk.services.notices.outbox import enqueue
from frontdesk.services.phone_numbers import sending_number
from frontdesk.store.db import write_session
from frontdesk.store.models import Conversation, PhoneVerification, Tenant

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=10)
MAX_TRIES = 5  # wrong codes, then the code is dead
RATE_WINDOW = timedelta(hours=1)
MAX_CODES_PER_PHONE = 3  # per business, per RATE_WINDOW
MAX_CODES_PER_CONVERSATION = 3  # per RATE_WINDOW, whatever the numbers
PURPOSE = "verification_code"
# An SMS code is worthless once expired: a few quick retries, then the outbox gives up.
SMS_MAX_ATTEMPTS = 3

_TEXTS = {
    "en": "Your {business} code is {code}. It expires in 10 minutes.",
    "es": "Su código de {business} es {code}. Caduca en 10 minutos.",
}


class RateLimited(FrontdeskError):
    code = "rate_limited"
    status = 429
    title = "Too many codes"


class CannotText(FrontdeskError):
    code = "cannot_text"
    status = 409
    title = "This number does not take texts"


class NoCodePending(FrontdeskError):
    code = "no_code_pending"
    status = 409
    title = "No code was sent"


class CodeExpired(FrontdeskError):
    code = "code_expired"
    status = 409
    title = "The code expired"


class TooManyTries(FrontdeskError):
    code = "too_many_tries"
    status = 409
    title = "Too many wrong codes"


class WrongCode(FrontdeskError):
    code = "wrong_code"
    status = 409
    title = "Wrong code"


@dataclass(frozen=True, slots=True)
class CodeSent:
    phone: str  # E.164
    expires_at: datetime
    already_verified: bool = False  # nothing sent: this conversation holds the number


def issue_code(
    factory: sessionmaker[Session],
    tenant: Tenant,
    conversation_id: uuid.UUID,
    phone: str,
    *,
    lang: str,
    now: datetime,
) -> CodeSent:
    """Text a new code to ``phone`` for this conversation; a code sent before in it dies.

    Raises ``InvalidInput`` (not a phone number), ``CannotText`` (the number opted out of
    texts) or ``RateLimited``.
    """
    e164 = normalize_phone(phone, tenant.country)
    with write_session(factory) as session:
        _serialise(session, tenant, conversation_id, e164)
        if e164 in verified_phones(session, tenant, conversation_id):
            return CodeSent(e164, now, already_verified=True)
        customer = find_by_phone(session, tenant, e164)
        if customer is not None and customer.do_not_call:
            raise CannotText("That number asked us not to text it.")
        _check_rate(session, tenant, conversation_id, e164, now)
        session.execute(  # one code waits per conversation: the newest
            update(PhoneVerification)
            .where(
                PhoneVerification.conversation_id == conversation_id,
                PhoneVerification.verified_at.is_(None),
                PhoneVerification.replaced_at.is_(None),
            )
            .values(replaced_at=now)
            .execution_options(synchronize_session=False)
        )
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        salt = secrets.token_hex(16)
        row = PhoneVerification(
            tenant_id=tenant.id,
            conversation_id=conversation_id,
            phone_e164=e164,
            code_hash=_digest(salt, code),
            salt=salt,
            attempts=0,
            created_at=now,
            expires_at=now + CODE_TTL,
        )
        session.add(row)
        session.flush()
        sender = sending_number(session, tenant)
        message = enqueue(
            session,
            tenant_id=tenant.id,
            channel="sms",
            purpose=PURPOSE,
            recipient=e164,
            payload={"body": code_text(tenant, code, lang), "from": sender},
            dedupe_key=f"verify:{row.id}",
            customer_id=customer.id if customer else None,
        )
        message.max_attempts = SMS_MAX_ATTEMPTS
        return CodeSent(e164, row.expires_at)


def check_code(
    factory: sessionmaker[Session],
    tenant: Tenant,
    conversation_id: uuid.UUID,
    code: str,
    *,
    phone: str | None = None,
    now: datetime,
) -> str:
    """The number the conversation's waiting code (sent to ``phone``, if given) proves,
    once ``code`` matches it; the conversation then holds that number.

    Raises ``NoCodePending``, ``CodeExpired``, ``TooManyTries`` or ``WrongCode`` (with
    ``tries_left``). A wrong guess is counted in the same transaction that reads the row,
    under the write lock, so parallel guesses cannot get past ``MAX_TRIES``.
    """
    digits = "".join(ch for ch in code if ch.isdigit())
    wanted = normalize_phone(phone, tenant.country) if phone else None
    with write_session(factory) as session:
        _conversation(session, tenant, conversation_id)
        outcome = _try_code(session, tenant, conversation_id, wanted, digits, now)
    # Raised after the commit: a wrong guess must stay counted.
    if isinstance(outcome, FrontdeskError):
        raise outcome
    return outcome


def _try_code(
    session: Session,
    tenant: Tenant,
    conversation_id: uuid.UUID,
    phone: str | None,
    digits: str,
    now: datetime,
) -> str | FrontdeskError:
    query = select(PhoneVerification).where(
        PhoneVerification.tenant_id == tenant.id,
        PhoneVerification.conversation_id == conversation_id,
        PhoneVerification.verified_at.is_(None),
        PhoneVerification.replaced_at.is_(None),
    )
    if phone:
        query = query.where(PhoneVerification.phone_e164 == phone)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()  # SQLite: write_session already holds the lock
    row = session.scalars(query.limit(1)).first()  # at most one waits (issue_code)
    if row is None:  # none sent, already used, or replaced by a newer one
        return NoCodePending("No code is waiting in this conversation; send one first.")
    if row.attempts >= MAX_TRIES:
        return TooManyTries("That code was tried too many times; send a new one.")
    if row.expires_at <= now:
        return CodeExpired("That code has expired; send a new one.")
    if hmac.compare_digest(row.code_hash, _digest(row.salt, digits)):
        row.verified_at = now
        return row.phone_e164
    row.attempts += 1
    left = MAX_TRIES - row.attempts
    if left <= 0:
        return TooManyTries("That code was tried too many times; send a new one.")
    return WrongCode(f"That code is not right; {left} tries left.", tries_left=left)


def verified_phones(session: Session, tenant: Tenant, conversation_id: uuid.UUID) -> set[str]:
    """The numbers this conversation may act on: a caller ID its door vouched for, and
    every number proved by a code in it."""
    conversation = _conversation(session, tenant, conversation_id)
    phones = set(
        session.scalars(
            select(PhoneVerification.phone_e164).where(
                PhoneVerification.tenant_id == tenant.id,
                PhoneVerification.conversation_id == conversation_id,
                PhoneVerification.verified_at.is_not(None),
            )
        )
    )
    if conversation.caller_verified and conversation.caller_phone:
        phones.add(conversation.caller_phone)
    return phones


def code_text(tenant: Tenant, code: str, lang: str) -> str:
    return _TEXTS.get(lang, _TEXTS["en"]).format(business=tenant.name, code=code)


def _check_rate(
    session: Session, tenant: Tenant, conversation_id: uuid.UUID, phone: str, now: datetime
) -> None:
    since = now - RATE_WINDOW
    for column, value, limit, whose in (
        (PhoneVerification.phone_e164, phone, MAX_CODES_PER_PHONE, "this number"),
        (PhoneVerification.conversation_id, conversation_id, MAX_CODES_PER_CONVERSATION,
         "this conversation"),
    ):
        count, oldest = session.execute(
            select(func.count(), func.min(PhoneVerification.created_at)).where(
                PhoneVerification.tenant_id == tenant.id,
                column == value,
                PhoneVerification.created_at > since,
            )
        ).one()
        if count >= limit:
            wait = max(int((oldest + RATE_WINDOW - now).total_seconds() // 60) + 1, 1)
            raise RateLimited(
                f"{limit} codes were already sent for {whose} in the last hour; "
                f"try again in {wait} minutes.",
                retry_after_minutes=wait,
            )


def _serialise(session: Session, tenant: Tenant, conversation_id: uuid.UUID, phone: str) -> None:
    """Count-then-send must not race, or parallel requests could pass the rate limits.
    SQLite: write_session already holds the database's write lock. PostgreSQL: lock the
    conversation's row, then the number (always in that order, so no deadlock)."""
    _conversation(session, tenant, conversation_id)
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(
        select(Conversation.id).where(Conversation.id == conversation_id).with_for_update()
    )
    key = f"phone-verification:{tenant.id}:{phone}"
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})


def _conversation(session: Session, tenant: Tenant, conversation_id: uuid.UUID) -> Conversation:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None or conversation.tenant_id != tenant.id:
        raise NotFound(f"No conversation with id {conversation_id}.")
    return conversation


def _digest(salt: str, code: str) -> str:
    return hmac.new(bytes.fromhex(salt), code.encode(), hashlib.sha256).hexdigest()
