"""What ``frontdesk call`` and ``frontdesk sms`` share: playing Twilio's part.

Signed webhook posts (``X-Twilio-Signature`` computed with Twilio's own helper), the demo's
numbers and token, and the texts the outbox queued for the customer's phone, read back
through the REST API.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

DEMO_TWILIO_TOKEN = "demo-twilio-token"
DEMO_TO = "+12125550100"  # the demo salon
DEMO_FROM = "+12125550123"  # a demo customer the salon knows
DEMO_KEY = "fd_demo_salon_key"


class WebhookFailed(Exception):
    """The server refused or could not be reached."""


def signed_post(url: str, public_url: str, token: str, path: str, params: dict[str, str]) -> str:
    """POST a form the way Twilio does, X-Twilio-Signature included; returns the body."""
    signature = RequestValidator(token).compute_signature(public_url.rstrip("/") + path, params)
    request = urllib.request.Request(
        url.rstrip("/") + path,
        data=urllib.parse.urlencode(params).encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature,
            "User-Agent": "TwilioProxy/1.1",
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return str(response.read().decode())
    except urllib.error.HTTPError as exc:
        hint = (
            " (does --auth-token match the server's FRONTDESK_TWILIO_AUTH_TOKEN,"
            " and --public-url its FRONTDESK_PUBLIC_BASE_URL?)"
            if exc.code == 403
            else ""
        )
        raise WebhookFailed(f"{path}: HTTP {exc.code}{hint}") from exc
    except urllib.error.URLError as exc:
        raise WebhookFailed(f"cannot reach {url}: {exc.reason}") from exc


def queued_texts(url: str, key: str, phone: str) -> list[dict[str, Any]]:
    """The SMS the outbox holds for ``phone`` (newest first), through the REST API."""
    query = urllib.parse.urlencode({"to": phone, "limit": 20})
    request = urllib.request.Request(
        f"{url.rstrip('/')}/api/v1/messages?{query}", headers={"Authorization": f"Bearer {key}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            rows: list[dict[str, Any]] = json.loads(response.read())
    except (urllib.error.URLError, ValueError):
        return []
    return [r for r in rows if r.get("channel") == "sms"]


def show_texts(url: str, key: str, phone: str, seen: set[str], out: Any) -> None:
    """Print texts not shown before: what the customer's phone would receive."""
    for row in reversed(queued_texts(url, key, phone)):
        if row["id"] in seen or row["purpose"] == "reply":
            continue
        seen.add(row["id"])
        when = (
            "now"
            if row["status"] in ("sent", "sending", "pending") and row["purpose"] != "reminder"
            else f"at {row['next_attempt_at']}"
        )
        print(f"[text to {phone}, {row['purpose']}, {when}] {row['body']}", file=out, flush=True)
