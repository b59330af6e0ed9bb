"""Microsoft 365 / Outlook.com calendars through Microsoft Graph v1.0 (plain REST over httpx).

Busy times come from ``calendarView`` (events, recurrences expanded by Graph), not from
``getSchedule``: getSchedule answers merged free/busy intervals, which cannot tell our own
events from the owner's, and ours must be left out (see ``CalendarProvider.busy``). Each
event is read with ``showAs``, ``isCancelled`` and ``responseStatus``, so events shown as
free or working elsewhere, cancelled ones and invitations the owner declined block nothing.

Our events carry a single-value extended property (a MAPI named string property in a
property set of our own, GUID ``66f5a359-4659-4830-9070-00047ec6ac6e``, fixed for good:
changing it would orphan every event already written) whose value is the appointment id:

    String {66f5a359-4659-4830-9070-00047ec6ac6e} Name frontdeskAppointment

Writes look that property up first (``$filter`` on ``singleValueExtendedProperties``), so
the one event is patched in place, never doubled; a create also sends ``transactionId`` =
the appointment id, Graph's idempotency key, so a POST retried after a lost answer gets
the event made the first time back instead of a second one. ``busy`` expands the same
property and leaves those events out.

Times: ``Prefer: outlook.timezone="UTC"`` makes Graph answer timed events in UTC (as
offset-less ``dateTime`` strings with up to 7 fractional digits, plus ``timeZone``).
All-day events are the exception: Graph always answers them as midnight to midnight,
whatever the Prefer header says, and matches them against the query window in the zone
they were made in. They are read as whole days in the business's zone, and the window
asked for is widened by two days on each side (then cut back here) so none is missed.
Our events are written in the business's zone (so Outlook shows them in it), or in UTC
for a wall time that DST makes ambiguous, or when the mailbox refuses the zone's name.

Tokens: an expired access token is refreshed before a call, and a 401 refreshes once and
retries once. Microsoft rotates refresh tokens, so every refresh hands the new tokens to
``on_tokens`` to be stored. Calls are synchronous (blocking HTTP); run them off the event
loop.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, NoReturn
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx

from frontdesk.calendars import oauth
from frontdesk.calendars.base import (
    BusyBlock,
    CalendarAuthError,
    CalendarError,
    CalendarEvent,
    CalendarNotFound,
    CalendarUnavailable,
)
from frontdesk.calendars.microsoft_events import (
    ALL_DAY_SLACK,
    APPOINTMENT_PROPERTY_ID,
    BUSY_FIELDS,
    DEFAULT_API_BASE,
    MAX_PAGES,
    PAGE_SIZE,
    PREFER_UTC,
    PROVIDER,
    busy_block_of,
    graph_error,
    odata_string,
    origin,
    utc_param,
)
from frontdesk.calendars.oauth import OAuthClientConfig, OAuthTokens, TokenSaver


class MicrosoftCalendarProvider:
    """One Microsoft 365 / Outlook.com calendar of the connected account.

    ``calendar_id`` empty means the account's default calendar; ``timezone`` is the
    business's IANA zone (all-day events are read in it, our events written in it).
    ``transport`` replaces httpx's for the Graph calls (token refreshes go through
    ``frontdesk.calendars.oauth``, to ``config.token_url``).
    """

    def __init__(
        self,
        config: OAuthClientConfig,
        tokens: OAuthTokens,
        calendar_id: str = "",
        *,
        timezone: str,
        on_tokens: TokenSaver | None = None,
        timeout_s: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not tokens.access_token:
            raise ValueError("Microsoft Graph needs an access token")
        self._config = config
        self._tokens = tokens
        self._on_tokens = on_tokens
        self._timezone = timezone
        self._zone = ZoneInfo(timezone)
        self._base = (config.api_base or DEFAULT_API_BASE).rstrip("/")
        self._origin = origin(self._base)
        self._calendar_id = calendar_id
        self._calendar_path = (
            f"/me/calendars/{quote(calendar_id, safe='')}" if calendar_id else "/me/calendar"
        )
        self._token_lock = threading.Lock()
        self._http = httpx.Client(
            timeout=timeout_s, transport=transport, headers={"Accept": "application/json"},
            follow_redirects=False,
        )

    # -- lifecycle ---------------------------------------------------------------------

    @property
    def tokens(self) -> OAuthTokens:
        """The tokens in use now (refreshed ones included)."""
        return self._tokens

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> MicrosoftCalendarProvider:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # -- tokens ------------------------------------------------------------------------

    def _refresh(self, stale: OAuthTokens) -> OAuthTokens:
        """New tokens, unless another thread already replaced ``stale`` meanwhile."""
        with self._token_lock:
            if self._tokens is not stale:
                return self._tokens
            if not stale.refresh_token:
                raise CalendarAuthError(
                    "the Microsoft access token expired and there is no refresh token: "
                    "connect the calendar again", provider=PROVIDER,
                )
            # No id_token in a refresh answer means the same account: refresh keeps it.
            fresh = oauth.refresh(self._config, stale.refresh_token, account=stale.account)
            self._tokens = fresh
            # Microsoft rotates refresh tokens: the old one may be dead from now on.
            if self._on_tokens is not None:
                self._on_tokens(fresh)
            return fresh

    def _live_tokens(self) -> OAuthTokens:
        tokens = self._tokens
        return self._refresh(tokens) if tokens.expired() else tokens

    # -- HTTP --------------------------------------------------------------------------

    def _send(self, method: str, url: str, tokens: OAuthTokens, action: str,
              params: Mapping[str, str] | None, body: Mapping[str, Any] | None,
              prefer: str | None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {tokens.access_token}"}
        if prefer:
            headers["Prefer"] = prefer
        try:
            return self._http.request(method, url, params=params, json=body, headers=headers)
        except httpx.TransportError as exc:
            raise CalendarUnavailable(
                f"could not reach Microsoft Graph to {action}: {exc!r}", provider=PROVIDER,
            ) from exc
        except httpx.HTTPError as exc:
            raise CalendarError(
                f"Microsoft Graph failed to {action}: {exc!r}", provider=PROVIDER,
            ) from exc

    def _call(self, method: str, url: str, action: str, *,
              params: Mapping[str, str] | None = None, body: Mapping[str, Any] | None = None,
              prefer: str | None = None) -> httpx.Response:
        """One Graph request with live tokens; a 401 refreshes them once and retries once."""
        if origin(url) != self._origin:
            # Never send the bearer token anywhere but Graph (a nextLink is followed as is).
            raise CalendarError(f"Microsoft Graph pointed us off its own host: {url}",
                                provider=PROVIDER)
        tokens = self._live_tokens()
        response = self._send(method, url, tokens, action, params, body, prefer)
        if response.status_code == 401:
            tokens = self._refresh(tokens)
            response = self._send(method, url, tokens, action, params, body, prefer)
        return response

    def _fail(self, response: httpx.Response, action: str, *,
              calendar_scoped: bool = False) -> NoReturn:
        status = response.status_code
        code, message = graph_error(response)
        said = f"{code}: {message}" if code else message or f"HTTP {status}"
        if status == 401:
            raise CalendarAuthError(
                f"Microsoft rejected the calendar credentials while trying to {action} ({said}):"
                " connect the calendar again", provider=PROVIDER, http_status=status,
            )
        if status == 403:
            raise CalendarAuthError(
                f"Microsoft refused access while trying to {action} ({said}): the calendar "
                "permission (consent) is missing; connect the calendar again",
                provider=PROVIDER, http_status=status,
            )
        if calendar_scoped and (status == 404 or code == "ErrorInvalidIdMalformed"):
            raise CalendarNotFound(
                f"no Microsoft calendar {self._calendar_id or '(default)'!r} for this account "
                f"({said})", provider=PROVIDER, http_status=status,
            )
        if status == 429 or status >= 500:
            retry_after = response.headers.get("Retry-After")
            wait = f"; Retry-After: {retry_after}" if retry_after else ""
            raise CalendarUnavailable(
                f"Microsoft Graph could not {action} (HTTP {status}, {said}{wait})",
                provider=PROVIDER, http_status=status,
            )
        raise CalendarError(
            f"Microsoft Graph refused to {action} (HTTP {status}, {said})",
            provider=PROVIDER, http_status=status,
        )

    def _json(self, response: httpx.Response, action: str) -> dict[str, Any]:
        try:
            data = response.json()
        except ValueError as exc:
            raise CalendarError(f"Microsoft Graph answered {action} with something not JSON",
                                provider=PROVIDER, http_status=response.status_code) from exc
        if not isinstance(data, dict):
            raise CalendarError(f"Microsoft Graph answered {action} with a non-object",
                                provider=PROVIDER, http_status=response.status_code)
        return data

    def _ok_json(self, response: httpx.Response, action: str, *,
                 calendar_scoped: bool = False) -> dict[str, Any]:
        if not response.is_success:
            self._fail(response, action, calendar_scoped=calendar_scoped)
        return self._json(response, action)

    def _pages(self, url: str, params: Mapping[str, str], action: str,
               keep: Callable[[Mapping[str, Any]], None]) -> None:
        """GET ``url`` and every ``@odata.nextLink`` after it; ``keep`` each item."""
        next_url: str | None = url
        next_params: Mapping[str, str] | None = params
        pages = 0
        while next_url:
            pages += 1
            if pages > MAX_PAGES:
                raise CalendarError(f"Microsoft Graph kept paging past {MAX_PAGES} pages",
                                    provider=PROVIDER)
            data = self._ok_json(
                self._call("GET", next_url, action, params=next_params, prefer=PREFER_UTC),
                action, calendar_scoped=True,
            )
            for item in data.get("value") or ():
                if isinstance(item, Mapping):
                    keep(item)
            link = data.get("@odata.nextLink")
            next_url = link if isinstance(link, str) and link else None
            next_params = None  # the nextLink carries every parameter itself

    # -- the protocol ------------------------------------------------------------------

    def busy(self, start: datetime, end: datetime) -> list[BusyBlock]:
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("busy() needs timezone-aware start and end")
        if end <= start:
            return []
        params = {
            "startDateTime": utc_param(start - ALL_DAY_SLACK),
            "endDateTime": utc_param(end + ALL_DAY_SLACK, round_up=True),
            "$select": BUSY_FIELDS,
            "$expand": ("singleValueExtendedProperties($filter=id eq "
                        f"{odata_string(APPOINTMENT_PROPERTY_ID)})"),
            "$top": str(PAGE_SIZE),
        }
        blocks: set[BusyBlock] = set()

        def keep(item: Mapping[str, Any]) -> None:
            block = busy_block_of(item, self._zone)
            if block is not None and block.start < end and block.end > start:
                blocks.add(block)

        self._pages(f"{self._base}{self._calendar_path}/calendarView", params,
                    "read busy times", keep)
        return sorted(blocks, key=lambda b: (b.start, b.end))

    def _find(self, appointment_id: str, action: str) -> list[str]:
        """The Graph ids of the events we wrote for ``appointment_id`` (normally 0 or 1)."""
        params = {
            "$filter": (
                "singleValueExtendedProperties/Any(ep: ep/id eq "
                f"{odata_string(APPOINTMENT_PROPERTY_ID)} and ep/value eq "
                f"{odata_string(appointment_id)})"
            ),
            "$select": "id",
            "$top": "10",
        }
        found: list[str] = []

        def keep(item: Mapping[str, Any]) -> None:
            if isinstance(item.get("id"), str) and item["id"]:
                found.append(item["id"])

        self._pages(f"{self._base}{self._calendar_path}/events", params, action, keep)
        return found

    def _event_url(self, event_id: str) -> str:
        return f"{self._base}/me/events/{quote(event_id, safe='')}"

    def _when(self, value: datetime, *, in_utc: bool) -> dict[str, str]:
        local = value.astimezone(self._zone)
        ambiguous = local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()
        if in_utc or ambiguous:
            return {"dateTime": value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                    "timeZone": "UTC"}
        return {"dateTime": local.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": self._timezone}

    def _fields(self, event: CalendarEvent, *, in_utc: bool) -> dict[str, Any]:
        return {
            "subject": event.summary,
            "body": {"contentType": "text", "content": event.description},
            "start": self._when(event.start, in_utc=in_utc),
            "end": self._when(event.end, in_utc=in_utc),
            "isAllDay": False,
            "showAs": "busy",
        }

    def _write(self, method: str, url: str, event: CalendarEvent, action: str,
               extra: Mapping[str, Any], *, calendar_scoped: bool) -> httpx.Response:
        body = {**self._fields(event, in_utc=False), **extra}
        response = self._call(method, url, action, body=body, prefer=PREFER_UTC)
        if response.status_code == 400 and graph_error(response)[0] in {
            "TimeZoneNotSupportedException", "ErrorTimeZoneNotSupported",
        }:
            # The mailbox does not know the zone's IANA name: the same instants in UTC.
            body = {**self._fields(event, in_utc=True), **extra}
            response = self._call(method, url, action, body=body, prefer=PREFER_UTC)
        if response.status_code == 404 and not calendar_scoped:
            return response
        if not response.is_success:
            self._fail(response, action, calendar_scoped=calendar_scoped)
        return response

    def _event_id(self, response: httpx.Response, action: str) -> str:
        event_id = self._json(response, action).get("id")
        if not isinstance(event_id, str) or not event_id:
            raise CalendarError(f"Microsoft Graph answered {action} without an event id",
                                provider=PROVIDER)
        return event_id

    def upsert_event(self, event: CalendarEvent) -> str:
        action = "write an appointment event"
        found = self._find(event.appointment_id, action)
        if found:
            keep, extras = found[0], found[1:]
            for duplicate in extras:  # left by an older race: one event per appointment
                self._delete(duplicate, action)
            response = self._write("PATCH", self._event_url(keep), event, action, {},
                                   calendar_scoped=False)
            if response.status_code != 404:
                return self._event_id(response, action)
            # Deleted between our lookup and our PATCH: make it again below.
        response = self._write(
            "POST", f"{self._base}{self._calendar_path}/events", event, action,
            {
                "singleValueExtendedProperties": [
                    {"id": APPOINTMENT_PROPERTY_ID, "value": event.appointment_id},
                ],
                # Graph's idempotent-create key: a retried POST returns the first event.
                "transactionId": event.appointment_id,
            },
            calendar_scoped=True,
        )
        return self._event_id(response, action)

    def _delete(self, event_id: str, action: str) -> None:
        response = self._call("DELETE", self._event_url(event_id), action)
        if response.status_code == 404 or response.is_success:
            return  # a 404: deleted by someone else between our lookup and our DELETE
        self._fail(response, action)

    def delete_event(self, appointment_id: str) -> None:
        action = "delete an appointment event"
        for event_id in self._find(appointment_id, action):
            self._delete(event_id, action)

    # -- connecting --------------------------------------------------------------------

    def list_calendars(self) -> list[tuple[str, str, bool]]:
        """The account's calendars: (id, name, is the default calendar), default first."""
        action = "list the calendars"
        found: list[tuple[str, str, bool]] = []
        url: str | None = f"{self._base}/me/calendars"
        params: Mapping[str, str] | None = {"$select": "id,name,isDefaultCalendar",
                                            "$top": str(PAGE_SIZE)}
        pages = 0
        while url and pages < MAX_PAGES:
            pages += 1
            data = self._ok_json(self._call("GET", url, action, params=params), action)
            for item in data.get("value") or ():
                if isinstance(item, Mapping) and isinstance(item.get("id"), str):
                    found.append((item["id"], str(item.get("name") or ""),
                                  item.get("isDefaultCalendar") is True))
            link = data.get("@odata.nextLink")
            url, params = (link if isinstance(link, str) and link else None), None
        return sorted(found, key=lambda c: not c[2])
