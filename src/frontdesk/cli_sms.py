"""``frontdesk sms``: text the front desk from a terminal, through the Twilio SMS webhook.

It plays Twilio's part: each line you type is posted as a signed inbound-SMS webhook
(``/webhooks/twilio/sms``), the TwiML ``<Message>`` that comes back is printed as the
business's reply, and the texts the outbox queued for you (confirmations, reminders) are
shown at the end. Scriptable: ``printf 'a haircut friday at 3\\nyes\\n' | frontdesk sms``.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import xml.etree.ElementTree as ET
from typing import Any

from frontdesk.cli_twilio import (
    DEMO_FROM,
    DEMO_KEY,
    DEMO_TO,
    DEMO_TWILIO_TOKEN,
    WebhookFailed,
    show_texts,
    signed_post,
)

SMS_PATH = "/webhooks/twilio/sms"


def cmd_sms(args: argparse.Namespace) -> int:
    from frontdesk.config import get_settings

    settings = get_settings()
    token = args.auth_token or settings.twilio_auth_token or DEMO_TWILIO_TOKEN
    public_url = args.public_url or settings.public_base_url or args.url
    seen: set[str] = set()
    if sys.stdin.isatty():
        print(f"texting {args.to} from {args.caller} via {args.url} (Ctrl-D to stop)", flush=True)
    show_texts(args.url, args.key, args.caller, seen, open_null())  # skip older texts
    for line in sys.stdin:
        body = line.strip()
        if not body:
            continue
        params = {
            "MessageSid": "SM" + secrets.token_hex(16),
            "AccountSid": "AC" + "0" * 32,
            "From": args.caller,
            "To": args.to,
            "Body": body,
            "NumMedia": "0",
        }
        try:
            document = signed_post(args.url, public_url, token, SMS_PATH, params)
        except WebhookFailed as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"you: {body}")
        for message in ET.fromstring(document).iter("Message"):
            print(f"business: {(message.text or '').strip()}", flush=True)
        show_texts(args.url, args.key, args.caller, seen, sys.stdout)
    return 0


def open_null() -> Any:
    import io

    return io.StringIO()


def register(sub: Any) -> None:
    """Add ``frontdesk sms`` to the CLI's subcommands."""
    sms = sub.add_parser(
        "sms", help="text the front desk from this terminal (through the signed Twilio SMS webhook)"
    )
    sms.add_argument("--url", default="http://127.0.0.1:8000", help="the server")
    sms.add_argument("--from", dest="caller", default=DEMO_FROM, help="your number")
    sms.add_argument("--to", default=DEMO_TO, help="the business's number")
    sms.add_argument(
        "--key", default=DEMO_KEY, help="the business's API key, to show the texts queued for you"
    )
    sms.add_argument("--auth-token", default=None, help="as for `frontdesk call`")
    sms.add_argument("--public-url", default=None, help="as for `frontdesk call`")
    sms.set_defaults(func=cmd_sms)
