"""Google Calendar push notifications: ``events.watch`` opens a channel on one calendar's
events, ``channels.stop`` closes it (Calendar API v3, "Push notifications").

Google calls the channel's ``address`` with an empty POST whenever the calendar's events
change, echoing the channel id and our ``token`` in ``X-Goog-Channel-ID`` and
``X-Goog-Channel-Token``. A channel cannot be renewed: a new one is opened before the
old one expires, and the old one stopped. Calls go through the provider's own client
(tokens, refreshes and typed errors as for reads).
"""

from __future__ import annotations

from datetime import UTC, datetime

from frontdesk.calendars.base import CalendarError
from frontdesk.calendars.google_events import PROVIDER
from frontdesk.calendars.google_provider import GoogleCalendarProvider
from frontdesk.calendars.push import OpenedChannel, from_epoch_ms


class GoogleCalendarPush(GoogleCalendarProvider):
    """The push side of one Google calendar (the same client, two more calls)."""

    def watch(self, channel_id: str, address: str, token: str, ttl_s: float) -> OpenedChannel:
        """Open channel ``channel_id`` (ours, at most 64 characters) to ``address``."""
        body = {
            "id": channel_id,
            "type": "web_hook",
            "address": address,
            "token": token,
            # Google caps it (a week for events) and answers the expiration it chose.
            "params": {"ttl": str(int(ttl_s))},
        }
        request = self._service.events().watch(calendarId=self._calendar_id, body=body)
        answer = self._execute(request, "watch the calendar for changes")
        resource_id = answer.body.get("resourceId")
        expires_at = from_epoch_ms(answer.body.get("expiration"))
        if not isinstance(resource_id, str) or not resource_id:
            raise CalendarError("Google opened a channel without a resourceId",
                                provider=PROVIDER)
        if expires_at is None:
            expires_at = datetime.fromtimestamp(datetime.now(UTC).timestamp() + ttl_s, UTC)
        return OpenedChannel(resource_id, expires_at)

    def stop(self, channel_id: str, resource_id: str) -> None:
        """Close a channel; one Google no longer knows (expired, stopped) is no error."""
        request = self._service.channels().stop(body={"id": channel_id,
                                                      "resourceId": resource_id})
        self._execute(request, "stop a change channel", passthrough=(404,))
