"""Standard Webhooks signatures (https://www.standardwebhooks.com): signing what we send,
verifying what a receiver got (``frontdesk webhook listen``, the tests' own checks).

The signed content is ``{webhook-id}.{webhook-timestamp}.{body}``; the key is the secret
after ``whsec_``, base64-decoded; the signature header is ``v1,`` + base64 HMAC-SHA256,
several space-separated when a secret is being rotated. Pure: no I/O.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

PREFIX = "whsec_"
TOLERANCE_S = 300  # a receiver refuses timestamps further than this from its clock


class SignatureError(ValueError):
    """The headers are missing, stale, or carry no signature made with this secret."""


def _key(secret: str) -> bytes:
    raw = secret[len(PREFIX):] if secret.startswith(PREFIX) else secret
    key = base64.b64decode(raw + "==")  # tolerate a secret written without its padding
    if not key:
        raise ValueError("a webhook secret may not be empty")
    return key


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256>`` of the message."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str | tuple[str, ...], msg_id: str, body: bytes,
            timestamp: int | None = None) -> dict[str, str]:
    """The three Standard Webhooks headers for ``body``, signed now (or at ``timestamp``)
    with each secret given (space-separated signatures while a secret is rotated)."""
    stamp = int(time.time()) if timestamp is None else timestamp
    keys = (secret,) if isinstance(secret, str) else secret
    return {"webhook-id": msg_id, "webhook-timestamp": str(stamp),
            "webhook-signature": " ".join(signature(k, msg_id, stamp, body) for k in keys)}


def verify(secret: str, received: dict[str, str], body: bytes, *,
           now: float | None = None, tolerance_s: int = TOLERANCE_S) -> str:
    """The message's ``webhook-id`` if ``received`` (headers, any case) carry a valid,
    fresh signature of ``body`` made with ``secret``; else ``SignatureError``."""
    lowered = {k.lower(): v for k, v in received.items()}
    msg_id = lowered.get("webhook-id")
    stamp = lowered.get("webhook-timestamp")
    given = lowered.get("webhook-signature")
    if not msg_id or not stamp or not given:
        raise SignatureError("missing webhook-id, webhook-timestamp or webhook-signature")
    try:
        timestamp = int(stamp)
    except ValueError as exc:
        raise SignatureError("webhook-timestamp is not a number") from exc
    if abs((time.time() if now is None else now) - timestamp) > tolerance_s:
        raise SignatureError("webhook-timestamp is too old or too new")
    expected = signature(secret, msg_id, timestamp, body)
    # Several signatures during a secret's rotation: any one of ours will do.
    if any(hmac.compare_digest(expected, candidate) for candidate in given.split(" ")):
        return msg_id
    raise SignatureError("no signature matches")
