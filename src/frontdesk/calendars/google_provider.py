"""Google Calendar through Google's own client (google-api-python-client and google-auth).

Busy times come from ``events.list`` (``singleEvents=true``, so Google expands recurring
events), not from ``freebusy.query``: free/busy answers merge every opaque event of the
calendar into bare intervals, frontdesk's own events included, and ours must be left out
(see ``CalendarProvider.busy``). ``events.list`` also lets us honour what free/busy would
hide from us anyway: "show as available" (``transparency: transparent``) and invitations
the owner declined block nothing; all-day events block their whole days in the business's
time zone.

Only when the account may not list the calendar's events (``events.list`` answers 404,
or a 403 that is not a rate limit: a colleague's calendar seen through Workspace
free/busy sharing) is ``freebusy.query`` used instead. Those intervals are taken as they
come: they may contain our own events, which then block their own time (a calendar we
can only see the free/busy of is not one we can write to, so in practice it holds none).

Our events get a deterministic Google event id derived from the appointment id
(``google_event_id``), the private extended property ``frontdeskAppointment`` and the
iCalendar UID ``<appointment id>@frontdesk``. Writes ``patch`` that id first (with
``status: confirmed``, which also brings back an event deleted earlier: Google keeps
deleted events as ``cancelled``), ``insert`` it when Google does not know it, and
``update`` it when the insert says the id exists; so writing an appointment twice leaves
one event.

Tokens: google-auth refreshes the access token by itself, ahead of its expiry and on a 401
answer; the new token is handed to ``on_tokens`` after the call so it can be stored.
Requests are never retried here (``num_retries=0``): the outbox and the busy-time cache
decide when to try again. Failures become the typed errors of ``calendars.base``.

The client is not thread-safe (httplib2), so a provider's calls run one at a time.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Collection, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import httplib2  # type: ignore[import-untyped, unused-ignore]
from google.auth.exceptions import (  # type: ignore[import-untyped, unused-ignore]
    GoogleAuthError,
    RefreshError,
    TransportError,
)
from google.oauth2.credentials import (  # type: ignore[import-untyped, unused-ignore]
    Credentials,
)
from google_auth_httplib2 import AuthorizedHttp  # type: ignore[import-untyped, unused-ignore]
from googleapiclient.discovery import build  # type: ignore[import-untyped, unused-ignore]
from googleapiclient.errors import (  # type: ignore[import-untyped, unused-ignore]
    Error as GoogleApiClientError,
)
from googleapiclient.errors import (  # type: ignore[import-untyped, unused-ignore]
    HttpError,
)

from frontdesk.calendars.base import (
    BusyBlock,
    CalendarAuthError,
    CalendarError,
    CalendarEvent,
    CalendarNotFound,
    CalendarUnavailable,
    event_uid,
)
from frontdesk.calendars.google_events import (
    APPOINTMENT_KEY,
    PAGE,
    PROVIDER,
    TRANSIENT_OAUTH_ERRORS,
    busy_block_of,
    calendar_api_root,
    google_event_id,
    http_failure,
    http_status_of,
    is_rate_limit,
    is_scope_missing,
    moment,
    stamp,
)
from frontdesk.calendars.oauth import OAuthClientConfig, OAuthTokens, TokenSaver


class _Answer(NamedTuple):
    status: int  # 200, or an error status the caller asked to handle itself
    body: dict[str, Any]


_services: dict[str, Any] = {}
_services_lock = threading.Lock()


def _shared_service(api_root: str) -> Any:
    """One Calendar v3 service object per API root, shared by every client.

    Built from the bundled discovery document, it weighs ~350 KiB; it only builds
    requests, which each client then sends over its own authorised connection
    (``execute(http=...)``). Its own ``Http`` is never used to send anything.
    """
    with _services_lock:
        service = _services.get(api_root)
        if service is None:
            service = _services[api_root] = build(
                "calendar", "v3",
                http=httplib2.Http(),
                static_discovery=True,
                cache_discovery=False,
                client_options={"api_endpoint": api_root},
            )
        return service


class GoogleCalendarProvider:
    """One Google calendar of one connected account (``calendar_id``, "primary" default).

    ``timezone`` is the business's IANA zone: all-day events block whole days in it and
    our events are written in it. Calls are synchronous (blocking HTTP); run them off the
    event loop.
    """

    def __init__(
        self,
        config: OAuthClientConfig,
        tokens: OAuthTokens,
        calendar_id: str = "primary",
        *,
        timezone: str,
        on_tokens: TokenSaver | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        if not tokens.access_token:
            raise ValueError("Google Calendar needs an access token")
        self._zone = ZoneInfo(timezone)
        self._zone_name = timezone
        self._calendar_id = calendar_id or "primary"
        self._tokens = tokens
        self._on_tokens = on_tokens
        expiry = (tokens.expires_at.astimezone(UTC).replace(tzinfo=None)
                  if tokens.expires_at is not None else None)
        # google-auth wants a naive UTC expiry; it refreshes ahead of it and on a 401.
        self._credentials: Any = Credentials(  # type: ignore[no-untyped-call, unused-ignore]
            tokens.access_token,
            refresh_token=tokens.refresh_token,
            token_uri=config.token_url,
            client_id=config.client_id,
            client_secret=config.client_secret,
            expiry=expiry,
        )
        self._http: Any = AuthorizedHttp(
            self._credentials, http=httplib2.Http(timeout=timeout_s))
        self._service: Any = _shared_service(calendar_api_root(config.api_base))
        self._lock = threading.Lock()
        # Set once events.list was refused and free/busy answered: ask free/busy directly.
        self._free_busy_only = False

    @property
    def tokens(self) -> OAuthTokens:
        """The newest tokens (after any refresh google-auth did)."""
        return self._tokens

    def close(self) -> None:
        """Close the HTTP connections (the provider can still be used: they reopen)."""
        self._http.close()

    # -- calls -----------------------------------------------------------------------

    def _execute(self, request: Any, action: str,
                 passthrough: Collection[int] = ()) -> _Answer:
        """Run one API request; errors typed, except statuses in ``passthrough``."""
        with self._lock:
            try:
                # This client's own authorised connection, not the shared service's.
                body = request.execute(http=self._http, num_retries=0)
            except HttpError as exc:
                if (http_status_of(exc) in passthrough and not is_rate_limit(exc)
                        and not is_scope_missing(exc)):
                    return _Answer(http_status_of(exc), {})
                raise http_failure(exc, action) from exc
            except RefreshError as exc:
                raise self._refresh_failure(exc, action) from exc
            except TransportError as exc:
                raise CalendarUnavailable(
                    f"could not reach Google's token endpoint to {action}: {exc}",
                    provider=PROVIDER,
                ) from exc
            except GoogleAuthError as exc:
                raise CalendarError(
                    f"Google sign-in failed while trying to {action}: {exc}", provider=PROVIDER,
                ) from exc
            except (httplib2.HttpLib2Error, http.client.HTTPException, OSError) as exc:
                # OSError: refused, reset, timed out (socket.timeout is TimeoutError).
                raise CalendarUnavailable(
                    f"could not reach Google Calendar to {action}: {exc}", provider=PROVIDER,
                ) from exc
            except GoogleApiClientError as exc:
                raise CalendarError(
                    f"Google Calendar answered unexpectedly while trying to {action}: {exc}",
                    provider=PROVIDER,
                ) from exc
            finally:
                self._save_refreshed_tokens()
        return _Answer(200, body if isinstance(body, dict) else {})

    def _refresh_failure(self, exc: RefreshError, action: str) -> CalendarError:
        """A failed token refresh: the grant is gone (auth) or Google is unwell (retry)."""
        data = exc.args[1] if len(exc.args) > 1 else None
        error = data.get("error") if isinstance(data, Mapping) else None
        message = str(exc.args[0]) if exc.args else str(exc)
        if getattr(exc, "retryable", False) or error in TRANSIENT_OAUTH_ERRORS:
            return CalendarUnavailable(
                f"Google's token endpoint failed while trying to {action}: {message}",
                provider=PROVIDER,
            )
        if (isinstance(error, str) or self._credentials.refresh_token is None
                or "Reauthentication" in message):
            # invalid_grant (revoked, expired, password changed), invalid_client, ...
            return CalendarAuthError(
                f"Google refused to refresh the access token ({action}): {message}",
                provider=PROVIDER,
            )
        # Not an OAuth error answer (a proxy's error page, say): not the grant's fault.
        return CalendarUnavailable(
            f"Google's token endpoint answered unexpectedly while trying to {action}: "
            f"{message[:200]}",
            provider=PROVIDER,
        )

    def _save_refreshed_tokens(self) -> None:
        token = self._credentials.token
        if not isinstance(token, str) or not token or token == self._tokens.access_token:
            return
        expiry = self._credentials.expiry
        refresh = self._credentials.refresh_token
        self._tokens = replace(
            self._tokens,
            access_token=token,
            refresh_token=refresh if isinstance(refresh, str) and refresh
            else self._tokens.refresh_token,
            expires_at=expiry.replace(tzinfo=UTC) if isinstance(expiry, datetime) else None,
        )
        if self._on_tokens is not None:
            self._on_tokens(self._tokens)

    # -- CalendarProvider ------------------------------------------------------------

    def busy(self, start: datetime, end: datetime) -> list[BusyBlock]:
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("busy() needs timezone-aware start and end")
        if end <= start:
            return []
        found: list[BusyBlock] | None = None
        if not self._free_busy_only:
            found = self._busy_from_events(start, end)
        if found is None:
            found = self._busy_from_free_busy(start, end)
            self._free_busy_only = True
        blocks = {b for b in found if b.start < end and b.end > start}
        return sorted(blocks, key=lambda b: (b.start, b.end))

    def _busy_from_events(self, start: datetime, end: datetime) -> list[BusyBlock] | None:
        """Busy blocks from the calendar's events; None when we may not list them."""
        blocks: list[BusyBlock] = []
        page_token: str | None = None
        while True:
            request = self._service.events().list(
                calendarId=self._calendar_id,
                timeMin=stamp(start),
                timeMax=stamp(end, round_up=True),
                singleEvents=True,
                orderBy="startTime",
                showDeleted=False,
                maxResults=PAGE,
                pageToken=page_token,
            )
            answer = self._execute(request, "read busy times",
                                   passthrough=(403, 404) if page_token is None else ())
            if answer.status != 200:
                return None
            for event in answer.body.get("items") or ():
                if isinstance(event, Mapping):
                    block = busy_block_of(event, self._zone)
                    if block is not None:
                        blocks.append(block)
            next_token = answer.body.get("nextPageToken")
            if not isinstance(next_token, str) or not next_token:
                return blocks
            page_token = next_token

    def _busy_from_free_busy(self, start: datetime, end: datetime) -> list[BusyBlock]:
        body = {"timeMin": stamp(start), "timeMax": stamp(end, round_up=True),
                "items": [{"id": self._calendar_id}]}
        answer = self._execute(self._service.freebusy().query(body=body),
                               "read free/busy times")
        calendars = answer.body.get("calendars")
        found = calendars.get(self._calendar_id) if isinstance(calendars, Mapping) else None
        if not isinstance(found, Mapping):
            raise CalendarError(
                f"Google's free/busy answer has no entry for calendar {self._calendar_id!r}",
                provider=PROVIDER,
            )
        reasons = {str(e.get("reason")) for e in found.get("errors") or ()
                   if isinstance(e, Mapping)}
        if "notFound" in reasons:
            raise CalendarNotFound(
                f"Google Calendar has no calendar {self._calendar_id!r} for this account",
                provider=PROVIDER, http_status=404,
            )
        if reasons & {"internalError", "backendError"}:
            raise CalendarUnavailable(
                f"Google could not read the free/busy times of {self._calendar_id!r}",
                provider=PROVIDER,
            )
        if reasons:
            raise CalendarError(
                f"Google refused the free/busy times of {self._calendar_id!r}: "
                f"{', '.join(sorted(reasons))}",
                provider=PROVIDER,
            )
        blocks: list[BusyBlock] = []
        for span in found.get("busy") or ():
            try:
                begins, ends = moment({"dateTime": span["start"]}, UTC), moment(
                    {"dateTime": span["end"]}, UTC)
            except (ValueError, KeyError, TypeError) as exc:
                raise CalendarError(
                    f"Google answered an unreadable free/busy interval: {span!r}",
                    provider=PROVIDER,
                ) from exc
            if begins is not None and ends is not None and ends > begins:
                blocks.append(BusyBlock(begins, ends))
        return blocks

    def _event_body(self, event: CalendarEvent) -> dict[str, Any]:
        return {
            "summary": event.summary,
            "description": event.description,
            "start": {"dateTime": event.start.astimezone(self._zone).isoformat(),
                      "timeZone": self._zone_name},
            "end": {"dateTime": event.end.astimezone(self._zone).isoformat(),
                    "timeZone": self._zone_name},
            "extendedProperties": {"private": {APPOINTMENT_KEY: event.appointment_id}},
            "transparency": "opaque",
            # Also brings back an event that was deleted (Google keeps it as cancelled).
            "status": "confirmed",
        }

    def upsert_event(self, event: CalendarEvent) -> str:
        event_id = google_event_id(event.appointment_id)
        body = self._event_body(event)
        action = "write an appointment event"
        events = self._service.events()
        patched = self._execute(
            events.patch(calendarId=self._calendar_id, eventId=event_id, body=body),
            action, passthrough=(404, 410))
        if patched.status == 200:
            return event_id
        full = {**body, "id": event_id, "iCalUID": event_uid(event.appointment_id)}
        inserted = self._execute(events.insert(calendarId=self._calendar_id, body=full),
                                 action, passthrough=(409,))
        if inserted.status == 200:
            return event_id
        # The id exists after all (an event deleted long ago, or a race with another
        # writer): replace it whole.
        self._execute(events.update(calendarId=self._calendar_id, eventId=event_id, body=full),
                      action)
        return event_id

    def delete_event(self, appointment_id: str) -> None:
        request = self._service.events().delete(
            calendarId=self._calendar_id, eventId=google_event_id(appointment_id))
        # 404: never written or long gone; 410: deleted already.
        self._execute(request, "delete an appointment event", passthrough=(404, 410))

    # -- for the connect page ----------------------------------------------------------

    def list_calendars(self) -> list[tuple[str, str, bool]]:
        """(id, name, is primary) of every calendar in the account's calendar list."""
        found: list[tuple[str, str, bool]] = []
        page_token: str | None = None
        while True:
            answer = self._execute(
                self._service.calendarList().list(maxResults=250, pageToken=page_token),
                "list the calendars")
            for item in answer.body.get("items") or ():
                if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
                    continue
                name = item.get("summaryOverride") or item.get("summary") or item["id"]
                found.append((item["id"], str(name), bool(item.get("primary"))))
            next_token = answer.body.get("nextPageToken")
            if not isinstance(next_token, str) or not next_token:
                return found
            page_token = next_token
