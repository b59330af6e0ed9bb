"""What every provider stand-in shares: a record of what was sent, and scripted outages."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Recorder:
    """Messages accepted (in order), every request seen, and how many to fail first."""

    fail_first: int = 0
    fail_status: int = 500
    sent: list[dict[str, Any]] = field(default_factory=list)
    requests: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def arrive(self) -> bool:
        """Count a request; True when this one must fail (the first ``fail_first``)."""
        with self._lock:
            self.requests += 1
            return self.requests <= self.fail_first

    def keep(self, message: dict[str, Any]) -> None:
        with self._lock:
            self.sent.append(message)
