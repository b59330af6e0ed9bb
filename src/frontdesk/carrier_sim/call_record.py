"""One simulated call's record: what was asked for and how it went, as Twilio's JSON
call resource shows it; and what a call's player needs of the carrier holding it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any, Protocol

from frontdesk.carrier_sim.people import Person

FINAL_STATUSES = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})


class CallBook(Protocol):
    """The carrier's calls, as a player reads and changes them (thread-safe)."""

    def get(self, sid: str) -> SimCall: ...

    def update(self, sid: str, **changes: Any) -> None: ...


def _when(moment: datetime | None) -> str | None:
    return format_datetime(moment, usegmt=True) if moment is not None else None


@dataclass
class SimCall:
    """One call the carrier was asked to place, and how it went."""

    sid: str
    account_sid: str
    to: str
    from_: str
    url: str
    status_callback: str
    events: tuple[str, ...]
    person: Person
    created: datetime = field(default_factory=lambda: datetime.now(UTC))
    status: str = "queued"
    answered_by: str | None = None
    started: datetime | None = None
    ended: datetime | None = None
    transcript: str = ""
    error: str | None = None

    @property
    def finished(self) -> bool:
        return self.status in FINAL_STATUSES

    def resource(self) -> dict[str, Any]:
        """The call as Twilio's JSON shows it."""
        uri = f"/2010-04-01/Accounts/{self.account_sid}/Calls/{self.sid}.json"
        duration = (str(round((self.ended - self.started).total_seconds()))
                    if self.started and self.ended else None)
        return {
            "account_sid": self.account_sid, "annotation": None,
            "answered_by": self.answered_by, "api_version": "2010-04-01",
            "caller_name": None, "date_created": _when(self.created),
            "date_updated": _when(self.ended or self.started or self.created),
            "direction": "outbound-api", "duration": duration,
            "end_time": _when(self.ended), "forwarded_from": None, "from": self.from_,
            "from_formatted": self.from_, "group_sid": None, "parent_call_sid": None,
            "phone_number_sid": None, "price": None, "price_unit": "USD",
            "queue_time": "0", "sid": self.sid, "start_time": _when(self.started),
            "status": self.status,
            "subresource_uris": {"recordings": uri.replace(".json", "/Recordings.json")},
            "to": self.to, "to_formatted": self.to, "trunk_sid": None, "uri": uri,
        }
