"""People who sign in to the dashboard: accounts, passwords (argon2id) and roles.

A user belongs to one business; an email names one user on the whole server (sign-in
asks for no business). Passwords are hashed with argon2id (``argon2-cffi``'s defaults,
RFC 9106's second recommended parameters); a hash made with older parameters is
replaced at the next sign-in. An unknown email costs the same hash as a wrong password,
so timing does not tell which emails have accounts.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.errors import Conflict, InvalidInput
from frontdesk.store.db import write_session
from frontdesk.store.models import Resource, Tenant, User, UserRole

MIN_PASSWORD = 10
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_hasher = PasswordHasher()
# Verified against when the email is unknown: the same work as a real check.
_DUMMY_HASH = _hasher.hash("not a password anyone has")


@dataclass(frozen=True, slots=True)
class UserFields:
    email: str
    password: str | None
    role: UserRole = UserRole.STAFF
    name: str | None = None
    resource_id: uuid.UUID | None = None
    language: str | None = None


def normalize_email(raw: str) -> str:
    email = raw.strip().lower()
    if len(email) > 320 or not _EMAIL.match(email):
        raise InvalidInput(f"'{raw[:60]}' is not an email address.", field="email")
    return email


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"A password needs at least {MIN_PASSWORD} characters.",
                           field="password")
    if len(password) > 1024:
        raise InvalidInput("A password may have at most 1,024 characters.", field="password")


def create_user(session: Session, tenant: Tenant, fields: UserFields) -> User:
    email = normalize_email(fields.email)
    if session.scalar(select(func.count()).select_from(User).where(User.email == email)):
        raise Conflict(f"There is already a user with the email {email}.", field="email")
    if fields.password is not None:
        check_password(fields.password)
    if fields.resource_id is not None:
        resource = session.get(Resource, fields.resource_id)
        if resource is None or resource.tenant_id != tenant.id:
            raise InvalidInput("No such staff member in this business.", field="resource_id")
    user = User(tenant_id=tenant.id, email=email, name=fields.name, role=fields.role.value,
                password_hash=_hasher.hash(fields.password) if fields.password else None,
                resource_id=fields.resource_id, language=fields.language)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, or None (either was wrong)."""
    try:
        wanted = normalize_email(email)
    except InvalidInput:
        wanted = ""
    user = session.scalars(select(User).where(User.email == wanted)).first() if wanted else None
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if user is None or user.password_hash is None or user.disabled_at is not None:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = datetime.now(UTC)
    session.flush()
    return user


def set_password(session: Session, user: User, password: str) -> None:
    check_password(password)
    user.password_hash = _hasher.hash(password)
    session.flush()


def active_user(session: Session, user_id: uuid.UUID) -> User | None:
    """The signed-in user behind a session, if still allowed in."""
    user = session.get(User, user_id)
    if user is None or user.disabled_at is not None:
        return None
    return user


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is looking at a dashboard page: what every page checks against."""

    user_id: uuid.UUID
    tenant_id: uuid.UUID
    business: str
    email: str
    name: str | None
    role: str
    resource_id: uuid.UUID | None  # staff: their own calendar
    language: str | None

    @property
    def is_admin(self) -> bool:
        return self.role in (UserRole.OWNER.value, UserRole.ADMIN.value)


def viewer(session: Session, user_id: uuid.UUID) -> Viewer | None:
    user = active_user(session, user_id)
    if user is None:
        return None
    tenant = session.get_one(Tenant, user.tenant_id)
    return Viewer(user.id, tenant.id, tenant.name, user.email, user.name, user.role,
                  user.resource_id, user.language)


def sign_in(factory: sessionmaker[Session], email: str, password: str) -> uuid.UUID | None:
    """Check a sign-in in a transaction of its own (it records the time, and may upgrade
    the stored hash); the user's id, or None."""
    with write_session(factory) as session:
        user = authenticate(session, email, password)
        return user.id if user is not None else None


def business_of(session: Session, who: Viewer) -> Tenant:
    """The signed-in person's business (what every service call of a page is scoped to)."""
    return session.get_one(Tenant, who.tenant_id)
