"""Webhook signatures: Twilio's HMAC-SHA1 and Telnyx's Ed25519 (pure, tested offline).

Twilio signs the full URL it called plus the sorted POST parameters with the account's
auth token (``X-Twilio-Signature``); we compute it with the SDK's ``RequestValidator``
and compare in constant time. Telnyx signs ``f"{timestamp}|{raw body}"`` with its
Ed25519 key (``telnyx-signature-ed25519``, ``telnyx-timestamp``); a timestamp more than
five minutes off is refused, so a captured request cannot be replayed later.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import time
from collections.abc import Iterator, Mapping, Sequence

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from frontdesk.errors import FrontdeskError

TELNYX_TOLERANCE_S = 300


class BadSignature(FrontdeskError):
    code = "bad_signature"
    status = 403
    title = "Webhook signature missing or invalid"


class _MultiParams:
    """The form as RequestValidator reads repeated keys (``getlist``)."""

    def __init__(self, params: Mapping[str, Sequence[str]]) -> None:
        self._params = params

    def __iter__(self) -> Iterator[str]:
        return iter(self._params)

    def getlist(self, name: str) -> list[str]:
        return list(self._params[name])


def twilio_signature(auth_token: str, url: str, params: Mapping[str, Sequence[str]]) -> str:
    """What Twilio puts in X-Twilio-Signature for a form POST to ``url``."""
    signature: str = RequestValidator(auth_token).compute_signature(url, _MultiParams(params))
    return signature


def twilio_valid(
    auth_token: str, url: str, params: Mapping[str, Sequence[str]], signature: str | None
) -> bool:
    if not auth_token or not signature:
        return False
    expected = twilio_signature(auth_token, url, params)
    return hmac.compare_digest(expected.encode(), signature.encode())


def telnyx_valid(
    public_key_b64: str,
    body: bytes,
    signature_b64: str | None,
    timestamp: str | None,
    *,
    now: float | None = None,
    tolerance_s: int = TELNYX_TOLERANCE_S,
) -> bool:
    if not public_key_b64 or not signature_b64 or not timestamp:
        return False
    try:
        sent_at = int(timestamp)
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64, validate=True))
        signature = base64.b64decode(signature_b64, validate=True)
    except (ValueError, binascii.Error):
        return False
    if abs((time.time() if now is None else now) - sent_at) > tolerance_s:
        return False
    try:
        key.verify(signature, timestamp.encode() + b"|" + body)
    except InvalidSignature:
        return False
    return True
