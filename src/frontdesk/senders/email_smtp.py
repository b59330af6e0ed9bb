"""Email through any SMTP server (a relay, Postfix, Gmail, SES's SMTP endpoint, ...).

The Message-ID is derived from the outbox row's id, so a message sent again after a lost
answer carries the same id: mail clients and most servers recognise it as a duplicate.
Plain SMTP has no idempotency key beyond that (see ``frontdesk.delivery.worker``).
"""

from __future__ import annotations

import asyncio
from email.message import EmailMessage
from email.utils import formataddr, formatdate

import aiosmtplib

from frontdesk.config import Settings
from frontdesk.senders.base import OutgoingMessage, PermanentSendError, TransientSendError

OUTBOX_HEADER = "X-Frontdesk-Outbox-Id"
INVITE_FILENAME = "invite.ics"


def message_id(outbox_id: str, from_addr: str) -> str:
    """``<outbox-id@sender-domain>``: the same row always gets the same Message-ID."""
    domain = from_addr.rpartition("@")[2] or "frontdesk"
    return f"<{outbox_id}@{domain}>"


def build_mime(message: OutgoingMessage, from_addr: str) -> EmailMessage:
    """The MIME message: the text, plus the invite as ``text/calendar; method=...``."""
    payload = message.payload
    mime = EmailMessage()
    mime["From"] = formataddr((str(payload.get("from_name") or ""), from_addr))
    mime["To"] = message.recipient
    mime["Subject"] = str(payload.get("subject") or "")
    if payload.get("reply_to"):
        mime["Reply-To"] = str(payload["reply_to"])
    mime["Date"] = formatdate(localtime=False, usegmt=True)
    mime["Message-ID"] = message_id(message.id, from_addr)
    mime[OUTBOX_HEADER] = message.id
    mime.set_content(str(payload.get("body") or ""))
    ics = payload.get("ics")
    if ics:
        method = str(payload.get("ics_method") or "REQUEST")
        mime.add_attachment(
            str(ics),
            subtype="calendar",
            filename=INVITE_FILENAME,
            params={"method": method},
        )
    return mime


def _classify(exc: Exception) -> TransientSendError | PermanentSendError:
    """4xx and broken connections pass; 5xx (refused recipient, bad login) do not."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [refused.code for refused in exc.recipients]
        if codes and all(code >= 500 for code in codes):
            return PermanentSendError(f"recipient refused: {exc}")
        return TransientSendError(f"recipient deferred: {exc}")
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        if exc.code >= 500:
            return PermanentSendError(f"SMTP {exc.code}: {exc.message}")
        return TransientSendError(f"SMTP {exc.code}: {exc.message}")
    if isinstance(exc, aiosmtplib.SMTPNotSupported):
        return PermanentSendError(f"SMTP server does not support what we need: {exc}")
    return TransientSendError(f"SMTP unavailable: {exc}")


class SmtpSender:
    """Sends one email per call; blocking (it runs its own event loop in the caller's thread,
    which is the outbox worker's — never call it from inside a running loop)."""

    name = "smtp"
    channel = "email"

    def __init__(
        self,
        *,
        host: str,
        from_addr: str,
        port: int = 587,
        username: str = "",
        password: str = "",
        starttls: bool = True,
        implicit_tls: bool = False,
        timeout_s: float = 30.0,
    ) -> None:
        if not host:
            raise ValueError("SMTP needs a host (FRONTDESK_SMTP_HOST)")
        if "@" not in from_addr:
            raise ValueError("SMTP needs a From address (FRONTDESK_EMAIL_FROM)")
        self.host, self.port, self.from_addr = host, port, from_addr
        self.endpoint = f"{host}:{port}"
        self.username, self.password = username, password
        self.starttls, self.implicit_tls, self.timeout_s = starttls, implicit_tls, timeout_s

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpSender:
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            from_addr=settings.email_from,
            username=settings.smtp_username,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
            implicit_tls=settings.smtp_port == 465,
        )

    def send(self, message: OutgoingMessage) -> str:
        mime = build_mime(message, self.from_addr)
        try:
            asyncio.run(self._send(mime, message.recipient))
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise _classify(exc) from exc
        return str(mime["Message-ID"]).strip("<>")

    async def _send(self, mime: EmailMessage, recipient: str) -> None:
        await aiosmtplib.send(
            mime,
            sender=self.from_addr,
            recipients=[recipient],
            hostname=self.host,
            port=self.port,
            username=self.username or None,
            password=self.password or None,
            use_tls=self.implicit_tls,
            # False: never upgrade (a loopback relay); True: insist on it.
            start_tls=self.starttls and not self.implicit_tls,
            timeout=self.timeout_s,
        )
