"""Which provider sends each channel, from settings (a factory; providers stay at the edge)."""

from __future__ import annotations

from frontdesk.config import Settings
from frontdesk.notify.base import Sender
from frontdesk.notify.console import ConsoleSender


def senders_from_settings(settings: Settings) -> dict[str, Sender]:
    """One sender per channel. With none configured, messages wait in the outbox (they are
    never dropped) until a provider is configured."""
    senders: dict[str, Sender] = {}
    if settings.outbox_console:
        senders["sms"] = ConsoleSender("sms")
        senders["email"] = ConsoleSender("email")
    return senders
