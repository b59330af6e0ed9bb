"""Google and Microsoft accounts linked to dashboard users: whom a verified ID token signs
in, and linking an account to the signed-in user (docs/decisions/0043).

The rule. An account, named by what its provider vouches never changes (provider, issuer,
subject), once linked signs in its user and nobody else, whatever email it asserts
later. An account not yet linked may find its user by email only when its provider vouches
for that email (``email_trusted``, decided per provider by ``services.oidc_sign_in``) and
that user has no account of the same provider linked already; the link is then stored.
Otherwise the person signs in with their password and links the account from their
session. Nobody is created here: a business invites people by creating their user. A
disabled user is refused either way.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.services.users import active_user
from frontdesk.store.db import write_session
from frontdesk.store.models import User, UserIdentity

LinkOutcome = Literal["linked", "linked_elsewhere", "refused"]
UnlinkOutcome = Literal["unlinked", "last_method", "not_linked"]


@dataclass(frozen=True, slots=True)
class ProviderAccount:
    """Who a verified ID token says the person is."""

    provider: str
    issuer: str
    subject: str
    email: str | None  # as asserted, lower-cased
    email_trusted: bool  # the provider vouches that the person owns ``email``


@dataclass(frozen=True, slots=True)
class LinkedAccount:
    provider: str
    email: str | None
    created_at: datetime
    last_used_at: datetime | None


def _stored(session: Session, account: ProviderAccount) -> UserIdentity | None:
    return session.scalars(select(UserIdentity).where(
        UserIdentity.provider == account.provider, UserIdentity.issuer == account.issuer,
        UserIdentity.subject == account.subject)).first()


def _of_user(session: Session, user_id: uuid.UUID, provider: str) -> UserIdentity | None:
    return session.scalars(select(UserIdentity).where(
        UserIdentity.user_id == user_id, UserIdentity.provider == provider)).first()


def _by_trusted_email(session: Session, account: ProviderAccount) -> User | None:
    """The user the account's email names, when a first link by email is allowed."""
    if not account.email_trusted or not account.email:
        return None
    user = session.scalars(select(User).where(User.email == account.email)).first()
    if user is None or _of_user(session, user.id, account.provider) is not None:
        # A user who linked another account of this provider chose that one: an email
        # match must not add a second way in beside it.
        return None
    return user


def sign_in_with(factory: sessionmaker[Session], account: ProviderAccount) -> uuid.UUID | None:
    """The id of the active user this account signs in (linking it on a trusted first
    match by email), or None: no such user, or not allowed in."""
    now = datetime.now(UTC)
    try:
        with write_session(factory) as session:
            identity = _stored(session, account)
            if identity is not None:
                user = active_user(session, identity.user_id)
            else:
                found = _by_trusted_email(session, account)
                user = active_user(session, found.id) if found is not None else None
                if user is not None:
                    identity = UserIdentity(user_id=user.id, provider=account.provider,
                                            issuer=account.issuer, subject=account.subject)
                    session.add(identity)
            if user is None or identity is None:
                return None
            identity.email = account.email
            identity.last_used_at = user.last_login_at = now
            session.flush()
            return user.id
    except IntegrityError:
        return None  # the same account was linked by a sign-in at the same moment


def link(factory: sessionmaker[Session], user_id: uuid.UUID,
         account: ProviderAccount) -> LinkOutcome:
    """Link the account to the signed-in user (replacing their earlier account of the same
    provider), unless it is already another user's."""
    try:
        with write_session(factory) as session:
            if active_user(session, user_id) is None:
                return "refused"
            identity = _stored(session, account)
            if identity is not None and identity.user_id != user_id:
                return "linked_elsewhere"
            if identity is None:
                earlier = _of_user(session, user_id, account.provider)
                if earlier is not None:
                    session.delete(earlier)
                    session.flush()
                identity = UserIdentity(user_id=user_id, provider=account.provider,
                                        issuer=account.issuer, subject=account.subject)
                session.add(identity)
            identity.email = account.email
            session.flush()
            return "linked"
    except IntegrityError:
        return "linked_elsewhere"  # linked to someone else at the same moment


def unlink(factory: sessionmaker[Session], user_id: uuid.UUID, provider: str) -> UnlinkOutcome:
    """Forget the user's account of ``provider``, unless it is their only way in."""
    with write_session(factory) as session:
        identity = _of_user(session, user_id, provider)
        user = session.get(User, user_id)
        if identity is None or user is None:
            return "not_linked"
        others = session.scalars(select(UserIdentity.id).where(
            UserIdentity.user_id == user_id, UserIdentity.id != identity.id)).first()
        if user.password_hash is None and others is None:
            return "last_method"
        session.delete(identity)
        return "unlinked"


def linked_accounts(session: Session, user_id: uuid.UUID) -> dict[str, LinkedAccount]:
    """The user's linked accounts, by provider."""
    found = session.scalars(select(UserIdentity).where(UserIdentity.user_id == user_id))
    return {i.provider: LinkedAccount(i.provider, i.email, i.created_at, i.last_used_at)
            for i in found}
