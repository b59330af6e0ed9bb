"""A provider for the embedded demo: "sends" by writing to the log and keeping a copy.

So `frontdesk serve --demo` shows the texts and emails a customer would get without any
carrier account. Never used when a real provider is configured.
"""

from __future__ import annotations

import logging
import threading

from frontdesk.senders.base import OutgoingMessage

log = logging.getLogger("frontdesk.outbox")


class ConsoleSender:
    def __init__(self, channel: str) -> None:
        self.name = "console"
        self.channel = channel
        self.sent: list[OutgoingMessage] = []
        self._lock = threading.Lock()

    def send(self, message: OutgoingMessage) -> str:
        with self._lock:
            self.sent.append(message)
        log.warning(
            "%s to %s: %s",
            message.channel.upper(),
            message.recipient,
            message.payload.get("body") or message.payload.get("subject"),
        )
        return f"console-{message.id}"
