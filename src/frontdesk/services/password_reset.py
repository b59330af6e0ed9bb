"""Forgotten passwords: a reset link by email, through the outbox.

The link carries a token sealed with the server's key (Fernet: encrypted, authenticated,
timestamped): the user's id and a fingerprint of their current password hash. It works
for ``LIFETIME`` and only once — setting a password changes the fingerprint, so the same
link (or any older one) no longer matches. Asking for a link says the same whether or
not the email has an account.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.errors import InvalidInput
from frontdesk.services.notices.outbox import Draft, write
from frontdesk.services.users import normalize_email, set_password
from frontdesk.store.db import write_session
from frontdesk.store.models import Tenant, User

LIFETIME = timedelta(hours=1)
PURPOSE = "password_reset"

_TEXT = {
    "en": ("Reset your {business} dashboard password",
           "Someone (we hope you) asked to reset the password of {email} on the {business} "
           "dashboard.\n\nSet a new one here, within the hour:\n{link}\n\nIf it was not "
           "you, ignore this email: your password stays as it is."),
    "es": ("Restablezca su contraseña del panel de {business}",
           "Alguien (esperamos que usted) pidió restablecer la contraseña de {email} en el "
           "panel de {business}.\n\nElija una nueva aquí, antes de una hora:\n{link}\n\nSi "
           "no fue usted, ignore este correo: su contraseña no cambia."),
}


def _fingerprint(user: User) -> str:
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]


def request_reset(factory: sessionmaker[Session], cipher: Fernet, email: str,
                  reset_url: str, lang: str = "en") -> None:
    """Email a reset link to ``email`` if it has an account (nothing is said either way)."""
    try:
        wanted = normalize_email(email)
    except InvalidInput:
        return
    with write_session(factory) as session:
        user = session.scalars(select(User).where(User.email == wanted)).first()
        if user is None or user.disabled_at is not None:
            return
        tenant = session.get_one(Tenant, user.tenant_id)
        token = cipher.encrypt(json.dumps({"u": str(user.id), "f": _fingerprint(user)})
                               .encode()).decode()
        subject, body = _TEXT.get(user.language or lang, _TEXT["en"])
        link = f"{reset_url}?token={token}"
        minute = int(datetime.now(UTC).timestamp() // 60)  # at most one email a minute
        write(session, [Draft(
            tenant_id=tenant.id, channel="email", purpose=PURPOSE, recipient=user.email,
            payload={"subject": subject.format(business=tenant.name),
                     "body": body.format(business=tenant.name, email=user.email, link=link),
                     "from_name": tenant.name},
            dedupe_key=f"{PURPOSE}:{user.id}:{minute}")])


def reset_password(factory: sessionmaker[Session], cipher: Fernet, token: str,
                   password: str) -> bool:
    """Set a new password with a link's token; False for a wrong, old or used link."""
    try:
        raw = json.loads(cipher.decrypt(token.encode(), ttl=int(LIFETIME.total_seconds())))
        user_id = uuid.UUID(raw["u"])
        fingerprint = str(raw["f"])
    except (InvalidToken, ValueError, KeyError, TypeError):
        return False
    with write_session(factory) as session:
        user = session.get(User, user_id)
        if user is None or user.disabled_at is not None or _fingerprint(user) != fingerprint:
            return False
        set_password(session, user, password)
        return True
