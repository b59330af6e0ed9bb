"""What a provider's change notifications need from us and give back (Google watch
channels, Microsoft Graph subscriptions): the channel the provider opened, and until when.

A notification carries no calendar data that we use: it only says "this calendar
changed", and the busy times are then read again through the provider's ordinary read
(decision 0068). So a push adapter only opens, renews and closes channels.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from frontdesk.calendars.base import CalendarError


@dataclass(frozen=True, slots=True)
class OpenedChannel:
    """A channel the provider accepted: its own name for it and when it ends (UTC)."""

    external_id: str
    expires_at: datetime

    def __post_init__(self) -> None:
        if not self.external_id:
            raise ValueError("a push channel needs the provider's id for it")
        if self.expires_at.tzinfo is None:
            raise ValueError("expires_at must be timezone-aware")


class PushChannelGone(CalendarError):
    """The provider no longer knows the channel (expired, deleted): open a new one."""

    code = "calendar_push_channel_gone"
    status = 404
    title = "The calendar's change channel no longer exists"


def from_epoch_ms(value: object) -> datetime | None:
    """Google's channel ``expiration`` (milliseconds since the epoch, as a string)."""
    try:
        return datetime.fromtimestamp(int(str(value)) / 1000, UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
