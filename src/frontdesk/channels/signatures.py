"""Webhook signatures: Twilio's HMAC-SHA1 and Telnyx's Ed25519, and the dependencies that
check them before a door reads anything.

Twilio signs the full URL it called plus the sorted POST parameters with the account's
auth token (``X-Twilio-Signature``); we compute it with the SDK's ``RequestValidator``
and compare in constant time. Twilio may sign an https URL with or without its default
port, so both are tried. Telnyx signs ``f"{timestamp}|{raw body}"`` with its Ed25519 key
(``telnyx-signature-ed25519``, ``telnyx-timestamp``); a timestamp more than five minutes
off is refused, so a captured request cannot be replayed later.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Annotated
from urllib.parse import parse_qsl

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import Depends, Request
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from frontdesk.errors import FrontdeskError, InvalidInput
from frontdesk.observability import context as log_context
from frontdesk.web.bounds import without_nul
from frontdesk.web.deps import SettingsDep

log = logging.getLogger(__name__)

TELNYX_TOLERANCE_S = 300
_CALL_SID = re.compile(r"[A-Za-z0-9]{2,64}")

# A form as posted: each name with its values (Twilio repeats a name for a list); a
# plain string stands for one value.
FormParams = Mapping[str, str | Sequence[str]]


class BadSignature(FrontdeskError):
    code = "bad_signature"
    status = 403
    title = "Webhook signature missing or invalid"


# --- Twilio ------------------------------------------------------------------------------


class _MultiParams:
    """The form as RequestValidator reads repeated keys (``getlist``)."""

    def __init__(self, params: FormParams) -> None:
        self._params = params

    def __iter__(self) -> Iterator[str]:
        return iter(self._params)

    def getlist(self, name: str) -> list[str]:
        values = self._params[name]
        return [values] if isinstance(values, str) else list(values)


def twilio_signature(auth_token: str, url: str, params: FormParams) -> str:
    """What Twilio puts in X-Twilio-Signature for a form POST to ``url``."""
    signature: str = RequestValidator(auth_token).compute_signature(url, _MultiParams(params))
    return signature


def twilio_valid(auth_token: str, url: str, params: FormParams, signature: str | None) -> bool:
    if not auth_token or not signature:
        return False
    expected = signature.encode()
    return any(
        hmac.compare_digest(twilio_signature(auth_token, candidate, params).encode(), expected)
        for candidate in _with_and_without_default_port(url)
    )


def _with_and_without_default_port(url: str) -> list[str]:
    scheme, _, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    default_port = ":443" if scheme == "https" else ":80"
    if host.endswith(default_port):
        return [url, f"{scheme}://{host.removesuffix(default_port)}{slash}{path}"]
    if ":" not in host:
        return [url, f"{scheme}://{host}{default_port}{slash}{path}"]
    return [url]


def public_url(request: Request, public_base_url: str) -> str:
    """The URL the provider called: behind a proxy, the configured public address."""
    base = public_base_url.rstrip("/") or f"{request.url.scheme}://{request.url.netloc}"
    url = base + request.url.path
    return f"{url}?{request.url.query}" if request.url.query else url


async def verified_twilio_form(request: Request, settings: SettingsDep) -> dict[str, str]:
    """The webhook's form, once its signature checks out (else 403, nothing done)."""
    signature = request.headers.get("x-twilio-signature")
    if not signature or not settings.twilio_auth_token:
        # Refused before the body is read: nothing unsigned is even decoded.
        raise BadSignature("The X-Twilio-Signature header is missing or does not match.")
    # Twilio posts application/x-www-form-urlencoded; parsed here (no multipart needed).
    # Bytes that are not UTF-8 cannot be what Twilio signed: decoded leniently, they only
    # make the signature differ (403), never an error of ours.
    body = (await request.body()).decode("utf-8", errors="replace")
    params: dict[str, list[str]] = {}
    for name, value in parse_qsl(body, keep_blank_values=True):
        params.setdefault(name, []).append(value)
    url = public_url(request, settings.public_base_url)
    if not twilio_valid(settings.twilio_auth_token, url, params, signature):
        log.warning("twilio webhook %s: invalid signature", request.url.path)
        raise BadSignature("The X-Twilio-Signature header is missing or does not match.")
    call_sid = params.get("CallSid", [None])[-1]
    if call_sid is not None and not _CALL_SID.fullmatch(call_sid):
        # It names a call's conversation; Twilio's are 34 letters and digits.
        raise InvalidInput("CallSid must be 2 to 64 letters and digits.", field="CallSid")
    log_context.note(call_id=call_sid)  # every line about this call says which it is
    # A signed request is Twilio's own, retried until we take it: a NUL (which PostgreSQL
    # cannot store) is dropped rather than refused.
    return {name: without_nul(values[-1]) for name, values in params.items()}


TwilioForm = Annotated[dict[str, str], Depends(verified_twilio_form)]


# --- Telnyx ------------------------------------------------------------------------------


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


async def verified_telnyx_body(request: Request, settings: SettingsDep) -> bytes:
    """The webhook's raw body, once its signature checks out (else 403, nothing done)."""
    body = await request.body()
    if not telnyx_valid(settings.telnyx_public_key, body,
                        request.headers.get("telnyx-signature-ed25519"),
                        request.headers.get("telnyx-timestamp")):
        log.warning("telnyx webhook %s: missing, invalid or stale signature", request.url.path)
        raise BadSignature("The telnyx-signature-ed25519 header is missing, invalid or stale.")
    return body


TelnyxBody = Annotated[bytes, Depends(verified_telnyx_body)]
