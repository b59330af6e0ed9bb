"""Microsoft Graph change notifications for one calendar's events: a subscription is
created (``POST /subscriptions``), extended (``PATCH /subscriptions/{id}``) and deleted
(``DELETE``), through the provider's own client (tokens, refreshes, typed errors).

Graph first checks the ``notificationUrl`` by POSTing ``?validationToken=...`` to it and
wants the token echoed as text/plain within 10 seconds; only then is the subscription
made. Subscriptions to Outlook events live at most 4230 minutes. Each notification
echoes our ``clientState``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from frontdesk.calendars.base import CalendarError
from frontdesk.calendars.microsoft_events import PROVIDER
from frontdesk.calendars.microsoft_provider import MicrosoftCalendarProvider
from frontdesk.calendars.push import OpenedChannel, PushChannelGone

# Graph's limit for Outlook events is 4230 minutes; a little less leaves room for clocks.
MAX_LIFETIME = timedelta(minutes=4200)
CHANGES = "created,updated,deleted"


def graph_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000Z")


def parse_graph_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    text = value.rstrip("Z")
    if "." in text:  # Graph writes 7 fractional digits; Python reads at most 6
        head, fraction = text.split(".", 1)
        text = f"{head}.{fraction[:6]}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


class MicrosoftSubscriptions(MicrosoftCalendarProvider):
    """The push side of one Microsoft calendar (the same client, three more calls)."""

    @property
    def resource(self) -> str:
        """The events the subscription watches: this calendar's (or the default one's)."""
        return f"me/calendars/{self._calendar_id}/events" if self._calendar_id else "me/events"

    def _opened(self, data: dict[str, object], action: str) -> OpenedChannel:
        found, ends = data.get("id"), parse_graph_time(data.get("expirationDateTime"))
        if not isinstance(found, str) or not found or ends is None:
            raise CalendarError(f"Microsoft Graph answered {action} without an id or an "
                                "expiration", provider=PROVIDER)
        return OpenedChannel(found, ends)

    def subscribe(self, notification_url: str, client_state: str,
                  expires_at: datetime) -> OpenedChannel:
        action = "subscribe to the calendar's changes"
        body = {
            "changeType": CHANGES,
            "notificationUrl": notification_url,
            # Graph says here when it dropped the subscription or missed changes.
            "lifecycleNotificationUrl": notification_url,
            "resource": self.resource,
            "expirationDateTime": graph_time(expires_at),
            "clientState": client_state,
        }
        response = self._call("POST", f"{self._base}/subscriptions", action, body=body)
        return self._opened(self._ok_json(response, action), action)

    def renew(self, subscription_id: str, expires_at: datetime) -> OpenedChannel:
        """Extend it; ``PushChannelGone`` when Graph no longer has it."""
        action = "renew the calendar's change subscription"
        response = self._call("PATCH", self._subscription_url(subscription_id), action,
                              body={"expirationDateTime": graph_time(expires_at)})
        if response.status_code == 404:
            raise PushChannelGone(f"Microsoft Graph has no subscription {subscription_id}",
                                  provider=PROVIDER, http_status=404)
        return self._opened(self._ok_json(response, action), action)

    def unsubscribe(self, subscription_id: str) -> None:
        """Delete it; one Graph no longer has is no error."""
        action = "delete the calendar's change subscription"
        response = self._call("DELETE", self._subscription_url(subscription_id), action)
        if response.status_code != 404 and not response.is_success:
            self._fail(response, action)

    def _subscription_url(self, subscription_id: str) -> str:
        return f"{self._base}/subscriptions/{quote(subscription_id, safe='')}"
