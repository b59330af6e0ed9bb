"""Google's OAuth 2.0 endpoints and Calendar API v3, in Google's wire formats.

One Google account (``GoogleState.email``) with its primary calendar (id = the email),
and one OAuth client (``client_id``/``client_secret``). Served by ``google_app(state)``;
tests run it on a real port with ``serving(app)`` and point ``google_config(...)`` at it::

    state = GoogleState(time_zone="America/New_York")
    with serving(google_app(state)) as base:
        config = google_config(state.client_id, state.client_secret, auth_base=base,
                               token_url=f"{base}/token", revoke_url=f"{base}/revoke",
                               api_base=f"{base}/")

OAuth (Google OAuth 2.0 for web server apps):

- ``GET /o/oauth2/v2/auth`` stands for the consent screen: the owner says yes at once
  (``302`` to ``redirect_uri?code=...&state=...``), or no when ``state.deny_consent`` is
  set (``error=access_denied``). An unknown client or an unregistered redirect URI gets
  Google's error page (no redirect), as Google does. PKCE (S256) is required here.
- ``POST /token`` (form): ``authorization_code`` (client_secret_post or HTTP basic, code,
  redirect_uri and the PKCE verifier are checked; codes are single use) and
  ``refresh_token`` (a new access token; the refresh token is not rotated, as at Google).
  Errors are ``{"error", "error_description"}``: ``invalid_client`` 401,
  ``invalid_grant`` 400 (bad code, bad verifier, revoked refresh token).
- ``POST /revoke`` (form or query ``token``): revokes the grant the token belongs to
  (a refresh token and all its access tokens, whichever of them is given); 200, or 400
  ``{"error": "invalid_token"}`` for a token it does not know.

Calendar v3 under ``/calendar/v3/`` (``Authorization: Bearer``): events list (time
window, ``singleEvents`` expansion of simple ``FREQ=DAILY|WEEKLY`` rules, paging,
``privateExtendedProperty``, ``showDeleted``), insert, get, patch, update, delete;
``freeBusy``; ``users/me/calendarList``. Errors are Google's error JSON
(``{"error": {"code", "message", "errors": [{"domain", "reason", "message"}], "status"}}``).

Deleted events behave as at Google: ``DELETE`` marks the event ``cancelled`` (it is kept);
``GET`` still returns it with ``"status": "cancelled"``; a second ``DELETE`` is
``410 deleted``; lists leave it out unless ``showDeleted=true``; ``PATCH``/``PUT`` with
``"status": "confirmed"`` bring it back; ``insert`` with its id is ``409 duplicate``.

A calendar added with ``free_busy_only=True`` stands for one the account may only see the
free/busy of (a colleague's in the same Workspace): it is not in the calendar list, its
events are ``404 notFound``, and ``freeBusy`` answers for it.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, unquote_plus, urlencode, urlsplit
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

CAL = "https://www.googleapis.com/auth/calendar"
SCOPE_ALIASES = {
    "email": "https://www.googleapis.com/auth/userinfo.email",
    "profile": "https://www.googleapis.com/auth/userinfo.profile",
}
KNOWN_SCOPES = frozenset({
    "openid", *SCOPE_ALIASES.values(), CAL, f"{CAL}.readonly", f"{CAL}.events",
    f"{CAL}.events.readonly", f"{CAL}.freebusy", f"{CAL}.calendarlist.readonly",
})
# Any one of these lets a request through (Calendar API v3 "Authorization" per method).
READ_EVENTS = frozenset({CAL, f"{CAL}.readonly", f"{CAL}.events", f"{CAL}.events.readonly"})
WRITE_EVENTS = frozenset({CAL, f"{CAL}.events"})
FREE_BUSY = READ_EVENTS | {f"{CAL}.freebusy"}
CALENDAR_LIST = frozenset({CAL, f"{CAL}.readonly", f"{CAL}.calendarlist.readonly"})

_STATUS_NAMES = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
                 404: "NOT_FOUND", 409: "ALREADY_EXISTS", 429: "RESOURCE_EXHAUSTED",
                 500: "INTERNAL", 503: "UNAVAILABLE"}
_EVENT_ID = re.compile(r"^[a-v0-9]{5,1024}$")
_RRULE = re.compile(r"^RRULE:(.+)$")


def google_error(status: int, reason: str, message: str, domain: str = "global",
                 **extra: str) -> JSONResponse:
    """Google's JSON error body (Calendar API v3 "Handle API errors")."""
    detail: dict[str, str] = {"domain": domain, "reason": reason, "message": message, **extra}
    body: dict[str, Any] = {"code": status, "message": message, "errors": [detail]}
    if status in _STATUS_NAMES:
        body["status"] = _STATUS_NAMES[status]
    return JSONResponse({"error": body}, status_code=status)


def _unauthenticated() -> JSONResponse:
    return google_error(
        401, "authError",
        "Request had invalid authentication credentials. Expected OAuth 2 access token, "
        "login cookie or other valid authentication credential. See "
        "https://developers.google.com/identity/sign-in/web/devconsole-project.",
        location="Authorization", locationType="header",
    )


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def rfc3339(value: datetime) -> str:
    """UTC with milliseconds and ``Z``, as Google writes timestamps."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{value.astimezone(UTC).microsecond // 1000:03d}Z"


def parse_rfc3339(text: str) -> datetime | None:
    """An RFC 3339 timestamp with an offset; None when it has none or is not one."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


@dataclass
class Calendar:
    id: str
    summary: str
    time_zone: str
    access_role: str = "owner"  # owner, writer, reader, freeBusyReader
    primary: bool = False
    free_busy_only: bool = False
    events: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class AccessToken:
    grant: str  # the refresh token it was issued under
    scopes: frozenset[str]
    expires_at: float  # time.time()


@dataclass
class Grant:
    refresh_token: str
    scopes: frozenset[str]
    revoked: bool = False


@dataclass
class AuthCode:
    client_id: str
    redirect_uri: str
    scopes: frozenset[str]
    code_challenge: str
    used: bool = False


@dataclass
class Fault:
    remaining: int
    status: int
    reason: str
    method: str | None


class GoogleState:
    """Everything the stand-in knows: the account, its calendars, tokens and faults.

    Thread-safe: the server runs in its own thread while a test reads and changes this.
    """

    def __init__(
        self,
        *,
        client_id: str = "frontdesk-test.apps.googleusercontent.com",
        client_secret: str = "GOCSPX-test-secret",
        email: str = "owner@example.com",
        time_zone: str = "UTC",
        redirect_uris: tuple[str, ...] = (),
        access_token_lifetime_s: int = 3599,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.email = email
        # Empty: any http(s) redirect URI is registered.
        self.redirect_uris = redirect_uris
        self.access_token_lifetime_s = access_token_lifetime_s
        self._time_zone = time_zone
        self._lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        """Back to a fresh account: one empty primary calendar, no tokens, no faults."""
        with self._lock:
            self._clear()

    def _clear(self) -> None:
        self.subject = str(100000000000000000000 + int.from_bytes(secrets.token_bytes(6)))
        # The consent screen's answer: True makes the owner click "Cancel".
        self.deny_consent = False
        # The most events one page holds, whatever maxResults asks (Google may always
        # return fewer than maxResults; tests lower this to see paging).
        self.page_size_cap = 2500
        self.calendars: dict[str, Calendar] = {}
        self.add_calendar(self.email, self.email, time_zone=self._time_zone, primary=True)
        self.access_tokens: dict[str, AccessToken] = {}
        self.grants: dict[str, Grant] = {}
        self.codes: dict[str, AuthCode] = {}
        # Calendar API requests seen, as (method, path), and token endpoint calls by
        # grant_type (a failed one included).
        self.api_requests: list[tuple[str, str]] = []
        self.token_requests: Counter[str] = Counter()
        self._faults: list[Fault] = []
        self.token_failure: int | None = None

    # -- set-up, as if done in Google's own UI ---------------------------------------

    def add_calendar(self, calendar_id: str, summary: str, *, time_zone: str | None = None,
                     access_role: str = "owner", primary: bool = False,
                     free_busy_only: bool = False) -> str:
        """Another calendar the account can use (or, ``free_busy_only``, only see the
        free/busy times of)."""
        zone = time_zone or (self.primary.time_zone if self.calendars else "UTC")
        ZoneInfo(zone)
        with self._lock:
            self.calendars[calendar_id] = Calendar(
                calendar_id, summary, zone,
                "freeBusyReader" if free_busy_only else access_role, primary, free_busy_only)
        return calendar_id

    @property
    def primary(self) -> Calendar:
        return self.calendars[self.email]

    def calendar(self, calendar_id: str) -> Calendar | None:
        return self.calendars.get(self.email if calendar_id == "primary" else calendar_id)

    def add_owner_event(
        self,
        start: datetime | date,
        end: datetime | date | None = None,
        *,
        calendar_id: str = "primary",
        summary: str = "Busy",
        transparent: bool = False,
        declined: bool = False,
        status: str = "confirmed",
        recurrence: list[str] | None = None,
        time_zone: str | None = None,
        private_properties: dict[str, str] | None = None,
        event_id: str | None = None,
    ) -> dict[str, Any]:
        """An event the owner made in Google Calendar (a ``date`` makes an all-day one).

        ``declined`` makes it someone else's invitation that the owner declined;
        ``transparent`` is "Show as: Available". Timed events are stored in
        ``time_zone`` (default: the calendar's), with that zone's offset.
        """
        with self._lock:
            calendar = self._require(calendar_id)
            body: dict[str, Any] = {"summary": summary, "status": status}
            if isinstance(start, datetime):
                end = start + timedelta(hours=1) if end is None else end
                if not isinstance(end, datetime):
                    raise ValueError("a timed event needs a datetime end")
                zone = time_zone or calendar.time_zone
                body["start"] = {"dateTime": start.astimezone(ZoneInfo(zone)).isoformat(),
                                 "timeZone": zone}
                body["end"] = {"dateTime": end.astimezone(ZoneInfo(zone)).isoformat(),
                               "timeZone": zone}
            else:
                end_day = end if end is not None else start + timedelta(days=1)
                if isinstance(end_day, datetime):
                    raise ValueError("an all-day event needs a date end")
                body["start"] = {"date": start.isoformat()}
                body["end"] = {"date": end_day.isoformat()}
            if transparent:
                body["transparency"] = "transparent"
            if declined:
                body["organizer"] = {"email": "someone@example.org"}
                body["attendees"] = [
                    {"email": "someone@example.org", "organizer": True,
                     "responseStatus": "accepted"},
                    {"email": self.email, "self": True, "responseStatus": "declined"},
                ]
            if recurrence:
                _rule(recurrence)  # raises ValueError for what this stand-in cannot expand
                body["recurrence"] = list(recurrence)
            if private_properties:
                body["extendedProperties"] = {"private": dict(private_properties)}
            problem = _invalid_event(body, calendar.time_zone)
            if problem is not None:
                raise ValueError(problem[1])
            event = self._store(calendar, body, event_id or _new_event_id())
            return copy.deepcopy(event)

    # -- reading state ---------------------------------------------------------------

    def events(self, calendar_id: str = "primary", *,
               include_cancelled: bool = False) -> list[dict[str, Any]]:
        """The stored events (not expanded), oldest first."""
        with self._lock:
            calendar = self._require(calendar_id)
            return [copy.deepcopy(e) for e in calendar.events.values()
                    if include_cancelled or e.get("status") != "cancelled"]

    def event(self, event_id: str, calendar_id: str = "primary") -> dict[str, Any] | None:
        with self._lock:
            found = self._require(calendar_id).events.get(event_id)
            return copy.deepcopy(found) if found is not None else None

    def purge_event(self, event_id: str, calendar_id: str = "primary") -> None:
        """Forget an event entirely (as Google eventually does with deleted ones)."""
        with self._lock:
            self._require(calendar_id).events.pop(event_id, None)

    # -- tokens ----------------------------------------------------------------------

    def issue_tokens(self, scopes: tuple[str, ...] | None = None) -> dict[str, Any]:
        """A grant as if the owner had consented: the token endpoint's JSON answer."""
        from frontdesk.calendars.oauth import GOOGLE_SCOPES

        with self._lock:
            return self._grant(_granted(scopes or GOOGLE_SCOPES))

    def expire_access_tokens(self) -> None:
        """Every access token issued so far is now expired (API calls get 401)."""
        with self._lock:
            for token in self.access_tokens.values():
                token.expires_at = 0.0

    def revoke_grants(self) -> None:
        """The owner removed the app's access in their Google account."""
        with self._lock:
            for grant in self.grants.values():
                grant.revoked = True

    def valid_access_tokens(self) -> list[str]:
        with self._lock:
            now = time.time()
            return [t for t, info in self.access_tokens.items()
                    if info.expires_at > now and not self.grants[info.grant].revoked]

    # -- faults ----------------------------------------------------------------------

    def fail_next(self, n: int, status: int = 503, *, method: str | None = None,
                  reason: str | None = None) -> None:
        """The next ``n`` authenticated Calendar API requests (of ``method``, if given)
        fail with ``status`` in Google's error JSON (503 ``backendError`` by default)."""
        default = {503: "backendError", 500: "backendError", 429: "rateLimitExceeded",
                   403: "rateLimitExceeded", 404: "notFound", 410: "deleted"}
        with self._lock:
            self._faults.append(Fault(n, status, reason or default.get(status, "backendError"),
                                      method.upper() if method else None))

    def recover(self) -> None:
        """Drop the scripted API failures not used up yet: Google is back."""
        with self._lock:
            self._faults.clear()

    def fail_token_endpoint(self, status: int | None = 503) -> None:
        """Every ``POST /token`` answers ``status`` until called with None."""
        with self._lock:
            self.token_failure = status

    # -- internals -------------------------------------------------------------------

    def _require(self, calendar_id: str) -> Calendar:
        calendar = self.calendar(calendar_id)
        if calendar is None:
            raise KeyError(f"no calendar {calendar_id!r}")
        return calendar

    def _grant(self, scopes: frozenset[str]) -> dict[str, Any]:
        refresh_token = "1//0" + _b64url(secrets.token_bytes(32))
        self.grants[refresh_token] = Grant(refresh_token, scopes)
        answer = self._access(refresh_token)
        answer["refresh_token"] = refresh_token
        return answer

    def _access(self, refresh_token: str) -> dict[str, Any]:
        grant = self.grants[refresh_token]
        token = "ya29.a0" + _b64url(secrets.token_bytes(48))
        self.access_tokens[token] = AccessToken(
            refresh_token, grant.scopes, time.time() + self.access_token_lifetime_s)
        answer: dict[str, Any] = {
            "access_token": token, "expires_in": self.access_token_lifetime_s,
            "scope": " ".join(sorted(grant.scopes)), "token_type": "Bearer",
        }
        if "openid" in grant.scopes:
            answer["id_token"] = self._id_token(token)
        return answer

    def _id_token(self, access_token: str) -> str:
        now = int(time.time())
        header = {"alg": "RS256", "kid": "standin", "typ": "JWT"}
        at_hash = _b64url(hashlib.sha256(access_token.encode()).digest()[:16])
        claims = {"iss": "https://accounts.google.com", "azp": self.client_id,
                  "aud": self.client_id, "sub": self.subject, "email": self.email,
                  "email_verified": True, "at_hash": at_hash, "iat": now, "exp": now + 3599}
        return ".".join([_b64url(json.dumps(header).encode()),
                         _b64url(json.dumps(claims).encode()),
                         _b64url(secrets.token_bytes(256))])

    def _authorise(self, header: str | None, allowed: frozenset[str]) -> JSONResponse | None:
        if not header or not header.startswith("Bearer "):
            return _unauthenticated()
        token = self.access_tokens.get(header.removeprefix("Bearer ").strip())
        if (token is None or token.expires_at <= time.time()
                or self.grants[token.grant].revoked):
            return _unauthenticated()
        if not token.scopes & allowed:
            return google_error(403, "insufficientPermissions",
                                "Request had insufficient authentication scopes.")
        return None

    def _fault(self, method: str) -> JSONResponse | None:
        for fault in self._faults:
            if fault.remaining > 0 and (fault.method is None or fault.method == method):
                fault.remaining -= 1
                messages = {"backendError": "Backend Error", "notFound": "Not Found",
                            "deleted": "Resource has been deleted",
                            "rateLimitExceeded": "Rate Limit Exceeded"}
                domain = "usageLimits" if "RateLimit" in fault.reason else "global"
                return google_error(fault.status, fault.reason,
                                    messages.get(fault.reason, fault.reason), domain)
        return None

    def _store(self, calendar: Calendar, body: dict[str, Any], event_id: str,
               ical_uid: str | None = None) -> dict[str, Any]:
        now = datetime.now(UTC)
        event: dict[str, Any] = {
            "kind": "calendar#event", "id": event_id, "status": "confirmed",
            "htmlLink": "https://www.google.com/calendar/event?eid="
                        + _b64url(f"{event_id} {calendar.id}".encode()),
            "created": rfc3339(now), "updated": rfc3339(now),
            "creator": {"email": self.email, "self": True},
            "organizer": {"email": calendar.id, "self": True},
            "iCalUID": ical_uid or f"{event_id}@google.com", "sequence": 0,
            "reminders": {"useDefault": True}, "eventType": "default",
        }
        event.update({k: v for k, v in body.items() if k not in _READ_ONLY})
        event["etag"] = _etag()
        calendar.events[event_id] = _normalised(event, calendar.time_zone)
        return calendar.events[event_id]


_READ_ONLY = frozenset({"kind", "etag", "id", "htmlLink", "created", "updated", "creator",
                        "iCalUID", "sequence", "recurringEventId", "originalStartTime"})


def _granted(scopes: tuple[str, ...] | frozenset[str]) -> frozenset[str]:
    return frozenset(SCOPE_ALIASES.get(s, s) for s in scopes)


def _new_event_id() -> str:
    return base64.b32hexencode(secrets.token_bytes(15)).decode().lower()


def _etag() -> str:
    return f'"{time.time_ns() // 1000}"'


def _normalised(event: dict[str, Any], zone: str) -> dict[str, Any]:
    """Give a timed start/end an offset (in its ``timeZone``), as Google answers them."""
    for key in ("start", "end"):
        when = event.get(key) or {}
        text = when.get("dateTime")
        if isinstance(text, str):
            value = datetime.fromisoformat(text)
            tz = ZoneInfo(when.get("timeZone") or zone)
            value = value.replace(tzinfo=tz) if value.tzinfo is None else value.astimezone(tz)
            when["dateTime"] = value.isoformat()
    return event


def _bound(when: dict[str, Any], zone: str) -> datetime | None:
    """One start/end as UTC (an all-day date is midnight in ``zone``)."""
    if isinstance(when.get("dateTime"), str):
        value = datetime.fromisoformat(when["dateTime"])
        if value.tzinfo is None:
            value = value.replace(tzinfo=ZoneInfo(when.get("timeZone") or zone))
        return value.astimezone(UTC)
    if isinstance(when.get("date"), str):
        day = date.fromisoformat(when["date"])
        return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(zone)).astimezone(UTC)
    return None


def _invalid_event(body: dict[str, Any], zone: str) -> tuple[str, str] | None:
    """(reason, message) for an event Google would refuse, else None."""
    for key in ("start", "end"):
        when = body.get(key)
        if not isinstance(when, dict) or not (when.get("dateTime") or when.get("date")):
            return "required", f"Missing {key} time."
        if when.get("dateTime"):
            try:
                value = datetime.fromisoformat(str(when["dateTime"]))
            except ValueError:
                return "invalid", f"Invalid {key} time."
            if value.tzinfo is None and not when.get("timeZone"):
                return "required", f"Missing time zone definition for {key} time."
            if when.get("timeZone"):
                try:
                    ZoneInfo(str(when["timeZone"]))
                except (ValueError, KeyError):
                    return "timeZoneInvalid", "Invalid time zone definition for start time."
    start, end = _bound(body["start"], zone), _bound(body["end"], zone)
    if start is None or end is None or end <= start:
        return "timeRangeEmpty", "The specified time range is empty."
    if body.get("recurrence"):
        try:
            _rule(body["recurrence"])
        except ValueError:
            return "invalid", "Invalid recurrence rule."
    return None


def _rule(recurrence: list[str]) -> dict[str, str]:
    """The one RRULE of a recurrence this stand-in expands (DAILY/WEEKLY, INTERVAL,
    COUNT, UNTIL); anything else is a ValueError."""
    rules = [m.group(1) for line in recurrence if (m := _RRULE.match(line))]
    if len(rules) != 1 or len(rules) != len(recurrence):
        raise ValueError("only one RRULE (no RDATE/EXDATE) is supported")
    parts = dict(p.split("=", 1) for p in rules[0].split(";"))
    if parts.get("FREQ") not in {"DAILY", "WEEKLY"} or set(parts) - {
            "FREQ", "INTERVAL", "COUNT", "UNTIL"}:
        raise ValueError(f"unsupported RRULE {rules[0]}")
    return parts


def _occurrences(event: dict[str, Any], zone: str, window_end: datetime | None
                 ) -> list[dict[str, Any]]:
    """A recurring event's instances (each with ``recurringEventId``), or the event."""
    if not event.get("recurrence"):
        return [event]
    rule = _rule(event["recurrence"])
    step = timedelta(days=int(rule.get("INTERVAL", "1")) * (7 if rule["FREQ"] == "WEEKLY" else 1))
    count = int(rule["COUNT"]) if "COUNT" in rule else None
    until: datetime | None = None
    if "UNTIL" in rule:
        raw = rule["UNTIL"]
        until = (datetime.strptime(raw, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC) if "T" in raw
                 else datetime.strptime(raw, "%Y%m%d").replace(tzinfo=ZoneInfo(zone)))
    limit = window_end or datetime.now(UTC) + timedelta(days=730)
    start, end = event["start"], event["end"]
    instances: list[dict[str, Any]] = []
    n = 0
    while count is None or n < count:
        instance = {k: copy.deepcopy(v) for k, v in event.items() if k != "recurrence"}
        instance["recurringEventId"] = event["id"]
        if "date" in start:
            first = date.fromisoformat(start["date"]) + step * n
            last = date.fromisoformat(end["date"]) + step * n
            instance["start"], instance["end"] = {"date": first.isoformat()}, {
                "date": last.isoformat()}
            instance["id"] = f"{event['id']}_{first:%Y%m%d}"
            instance["originalStartTime"] = {"date": first.isoformat()}
        else:
            tz = ZoneInfo(start.get("timeZone") or zone)
            # Wall-clock steps in the event's zone: 10:00 stays 10:00 across DST.
            local_start = datetime.fromisoformat(start["dateTime"]).astimezone(tz)
            local_end = datetime.fromisoformat(end["dateTime"]).astimezone(tz)
            first_dt = (local_start.replace(tzinfo=None) + step * n).replace(tzinfo=tz)
            last_dt = (local_end.replace(tzinfo=None) + step * n).replace(tzinfo=tz)
            instance["start"] = {"dateTime": first_dt.isoformat(), "timeZone": tz.key}
            instance["end"] = {"dateTime": last_dt.isoformat(), "timeZone": tz.key}
            instance["id"] = f"{event['id']}_{first_dt.astimezone(UTC):%Y%m%dT%H%M%SZ}"
            instance["originalStartTime"] = dict(instance["start"])
        begins = _bound(instance["start"], zone)
        assert begins is not None
        if (until is not None and begins > until) or begins >= limit:
            break
        instances.append(instance)
        n += 1
    return instances


def _merge(target: dict[str, Any], patch: dict[str, Any]) -> None:
    """Patch semantics: objects merge field by field, arrays and scalars replace, null
    clears."""
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


def _page_token(offset: int) -> str:
    return _b64url(json.dumps({"o": offset}).encode())


def _offset(token: str | None) -> int | None:
    if not token:
        return 0
    try:
        value = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        return int(value["o"])
    except (ValueError, KeyError, TypeError):
        return None


def _flag(value: str | None) -> bool:
    return (value or "").lower() == "true"


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str, str]:
    header = request.headers.get("authorization", "")
    if header.startswith("Basic "):
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return "", ""
        return unquote_plus(user), unquote_plus(password)
    return form.get("client_id", ""), form.get("client_secret", "")


def _error_page(status: int, error: str, text: str) -> HTMLResponse:
    return HTMLResponse(
        f"<html><body><h1>Access blocked: authorisation error</h1><p>{text}</p>"
        f"<p>Error {status}: {error}</p></body></html>", status_code=status)


def google_app(state: GoogleState) -> FastAPI:
    app = FastAPI()
    lock = state._lock  # the same lock for the state's whole life (reset keeps it)

    # -- OAuth 2.0 --------------------------------------------------------------------

    @app.get("/o/oauth2/v2/auth", response_model=None)
    async def authorize(request: Request) -> Response:
        q = request.query_params
        if q.get("client_id") != state.client_id:
            return _error_page(401, "invalid_client", "The OAuth client was not found.")
        redirect_uri = q.get("redirect_uri", "")
        scheme = urlsplit(redirect_uri).scheme
        if (scheme not in {"http", "https"}
                or (state.redirect_uris and redirect_uri not in state.redirect_uris)):
            return _error_page(400, "redirect_uri_mismatch",
                               "You can't sign in because this app sent an invalid request.")

        def back(**params: str) -> RedirectResponse:
            if q.get("state") is not None:
                params["state"] = q["state"]
            separator = "&" if "?" in redirect_uri else "?"
            return RedirectResponse(redirect_uri + separator + urlencode(params), 302)

        if q.get("response_type") != "code":
            return back(error="unsupported_response_type")
        scopes = _granted(tuple((q.get("scope") or "").split()))
        if not scopes or not scopes <= KNOWN_SCOPES:
            return _error_page(400, "invalid_scope", "Some requested scopes were invalid.")
        if not q.get("code_challenge") or q.get("code_challenge_method") != "S256":
            return _error_page(400, "invalid_request",
                               "This stand-in requires PKCE: code_challenge with method S256.")
        if state.deny_consent:
            return back(error="access_denied")
        code = "4/0" + _b64url(secrets.token_bytes(32))
        with lock:
            state.codes[code] = AuthCode(state.client_id, redirect_uri, scopes,
                                         q["code_challenge"])
        return back(code=code, scope=" ".join(sorted(scopes)))

    @app.post("/token")
    async def token(request: Request) -> JSONResponse:
        form = {k: v[-1] for k, v in parse_qs((await request.body()).decode(),
                                              keep_blank_values=True).items()}
        grant_type = form.get("grant_type", "")
        with lock:
            state.token_requests[grant_type] += 1
            if state.token_failure is not None:
                return _oauth_error(state.token_failure, "internal_failure", "Backend Error")
            client_id, client_secret = _client_credentials(request, form)
            if client_id != state.client_id or client_secret != state.client_secret:
                return _oauth_error(401, "invalid_client", "Unauthorized")
            if grant_type == "authorization_code":
                code = state.codes.get(form.get("code", ""))
                if code is None or code.used:
                    return _oauth_error(400, "invalid_grant", "Bad Request")
                if form.get("redirect_uri") != code.redirect_uri:
                    return _oauth_error(400, "redirect_uri_mismatch", "Bad Request")
                verifier = form.get("code_verifier")
                if not verifier:
                    return _oauth_error(400, "invalid_grant", "Missing code verifier.")
                challenge = _b64url(hashlib.sha256(verifier.encode()).digest())
                if challenge != code.code_challenge:
                    return _oauth_error(400, "invalid_grant", "Invalid code verifier.")
                code.used = True
                return JSONResponse(state._grant(code.scopes))
            if grant_type == "refresh_token":
                grant = state.grants.get(form.get("refresh_token", ""))
                if grant is None or grant.revoked:
                    return _oauth_error(400, "invalid_grant",
                                        "Token has been expired or revoked.")
                asked = _granted(tuple((form.get("scope") or "").split()))
                if asked and not asked <= grant.scopes:
                    return _oauth_error(400, "invalid_scope",
                                        "Some requested scopes were invalid.")
                return JSONResponse(state._access(grant.refresh_token))
            return _oauth_error(400, "unsupported_grant_type", f"Invalid grant_type: {grant_type}")

    @app.post("/revoke")
    async def revoke(request: Request) -> JSONResponse:
        form = {k: v[-1] for k, v in parse_qs((await request.body()).decode()).items()}
        value = form.get("token") or request.query_params.get("token", "")
        with lock:
            refresh_token = value if value in state.grants else (
                state.access_tokens[value].grant if value in state.access_tokens else None)
            if refresh_token is None or state.grants[refresh_token].revoked:
                return _oauth_error(400, "invalid_token", "Token expired or revoked")
            state.grants[refresh_token].revoked = True
        return JSONResponse({})

    # -- Calendar API v3 --------------------------------------------------------------

    def gate(request: Request, allowed: frozenset[str]) -> JSONResponse | None:
        state.api_requests.append((request.method, request.url.path))
        return (state._authorise(request.headers.get("authorization"), allowed)
                or state._fault(request.method))

    def readable(calendar_id: str) -> Calendar | JSONResponse:
        calendar = state.calendar(calendar_id)
        if calendar is None or calendar.free_busy_only:
            return google_error(404, "notFound", "Not Found")
        return calendar

    def writable(calendar_id: str) -> Calendar | JSONResponse:
        calendar = readable(calendar_id)
        if isinstance(calendar, Calendar) and calendar.access_role not in {"owner", "writer"}:
            return google_error(403, "requiredAccessLevel",
                                "You need to have writer access to this calendar.")
        return calendar

    async def json_body(request: Request) -> dict[str, Any] | JSONResponse:
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            return google_error(400, "parseError", "Parse Error")
        if not isinstance(body, dict):
            return google_error(400, "badRequest", "Bad Request")
        return body

    @app.get("/calendar/v3/calendars/{calendar_id}/events")
    async def list_events(calendar_id: str, request: Request) -> JSONResponse:
        q = request.query_params
        with lock:
            if (refused := gate(request, READ_EVENTS)) is not None:
                return refused
            calendar = readable(calendar_id)
            if isinstance(calendar, JSONResponse):
                return calendar
            zone = q.get("timeZone") or calendar.time_zone
            bounds: dict[str, datetime | None] = {}
            for name in ("timeMin", "timeMax"):
                raw = q.get(name)
                bounds[name] = parse_rfc3339(raw) if raw else None
                if raw and bounds[name] is None:
                    return google_error(400, "badRequest", "Bad Request")
            single = _flag(q.get("singleEvents"))
            order = q.get("orderBy")
            if order == "startTime" and not single:
                return google_error(400, "badRequest", "The requested ordering is not "
                                    "available for the particular query.")
            wanted = [p.split("=", 1) for p in q.getlist("privateExtendedProperty")]
            offset = _offset(q.get("pageToken"))
            if offset is None:
                return google_error(400, "invalid", "Invalid page token value.")
            try:
                max_results = min(int(q.get("maxResults") or 250), 2500, state.page_size_cap)
            except ValueError:
                return google_error(400, "invalid", "Invalid value for: maxResults")
            found: list[tuple[datetime, str, dict[str, Any]]] = []
            for event in calendar.events.values():
                if event.get("status") == "cancelled" and not _flag(q.get("showDeleted")):
                    continue
                private = (event.get("extendedProperties") or {}).get("private") or {}
                if any(len(p) != 2 or private.get(p[0]) != p[1] for p in wanted):
                    continue
                for item in (_occurrences(event, calendar.time_zone, bounds["timeMax"])
                             if single else [event]):
                    start = _bound(item["start"], zone)
                    end = _bound(item["end"], zone)
                    assert start is not None and end is not None
                    if not single and event.get("recurrence"):
                        end = datetime.max.replace(tzinfo=UTC)  # the series: its whole span
                    if bounds["timeMin"] is not None and end <= bounds["timeMin"]:
                        continue
                    if bounds["timeMax"] is not None and start >= bounds["timeMax"]:
                        continue
                    key = item.get("updated", "") if order == "updated" else item["id"]
                    found.append((start if order != "updated" else datetime.min.replace(
                        tzinfo=UTC), key, item))
            found.sort(key=lambda f: (f[0], f[1]))
            page = [copy.deepcopy(f[2]) for f in found[offset:offset + max_results]]
            body: dict[str, Any] = {
                "kind": "calendar#events", "etag": _etag(), "summary": calendar.summary,
                "description": "", "updated": rfc3339(datetime.now(UTC)),
                "timeZone": calendar.time_zone, "accessRole": calendar.access_role,
                "defaultReminders": [{"method": "popup", "minutes": 10}], "items": page,
            }
            if offset + max_results < len(found):
                body["nextPageToken"] = _page_token(offset + max_results)
            else:
                body["nextSyncToken"] = "CP" + _b64url(secrets.token_bytes(12))
            return JSONResponse(body)

    @app.post("/calendar/v3/calendars/{calendar_id}/events")
    async def insert_event(calendar_id: str, request: Request) -> JSONResponse:
        body = await json_body(request)
        with lock:
            if (refused := gate(request, WRITE_EVENTS)) is not None:
                return refused
            calendar = writable(calendar_id)
            if isinstance(calendar, JSONResponse):
                return calendar
            if isinstance(body, JSONResponse):
                return body
            event_id = body.get("id") or _new_event_id()
            if not isinstance(event_id, str) or not _EVENT_ID.match(event_id):
                return google_error(400, "invalid", "Invalid resource id value.")
            ical_uid = body.get("iCalUID")
            if event_id in calendar.events or (ical_uid and any(
                    e.get("iCalUID") == ical_uid for e in calendar.events.values())):
                return google_error(409, "duplicate", "The requested identifier already exists.")
            if (problem := _invalid_event(body, calendar.time_zone)) is not None:
                return google_error(400, *problem)
            event = state._store(calendar, body, event_id, ical_uid)
            return JSONResponse(copy.deepcopy(event))

    @app.get("/calendar/v3/calendars/{calendar_id}/events/{event_id}")
    async def get_event(calendar_id: str, event_id: str, request: Request) -> JSONResponse:
        with lock:
            if (refused := gate(request, READ_EVENTS)) is not None:
                return refused
            calendar = readable(calendar_id)
            if isinstance(calendar, JSONResponse):
                return calendar
            event = calendar.events.get(event_id)
            if event is None:
                return google_error(404, "notFound", "Not Found")
            return JSONResponse(copy.deepcopy(event))

    async def change(calendar_id: str, event_id: str, request: Request,
                     replace: bool) -> JSONResponse:
        body = await json_body(request)
        with lock:
            if (refused := gate(request, WRITE_EVENTS)) is not None:
                return refused
            calendar = writable(calendar_id)
            if isinstance(calendar, JSONResponse):
                return calendar
            if isinstance(body, JSONResponse):
                return body
            event = calendar.events.get(event_id)
            if event is None:
                return google_error(404, "notFound", "Not Found")
            if body.get("id") not in (None, event_id):
                return google_error(400, "invalid", "Invalid resource id value.")
            updated = copy.deepcopy(event)
            if replace:
                kept = {k: v for k, v in event.items() if k in _READ_ONLY | {"organizer"}}
                updated = {**kept, "status": "confirmed", "reminders": {"useDefault": True},
                           **{k: copy.deepcopy(v) for k, v in body.items()
                              if k not in _READ_ONLY}}
            else:
                _merge(updated, {k: v for k, v in body.items() if k not in _READ_ONLY})
            if (problem := _invalid_event(updated, calendar.time_zone)) is not None:
                return google_error(400, *problem)
            _normalised(updated, calendar.time_zone)
            if (_bound(updated["start"], calendar.time_zone),
                    _bound(updated["end"], calendar.time_zone)) != (
                    _bound(event["start"], calendar.time_zone),
                    _bound(event["end"], calendar.time_zone)):
                updated["sequence"] = int(event.get("sequence", 0)) + 1
            updated["updated"] = rfc3339(datetime.now(UTC))
            updated["etag"] = _etag()
            calendar.events[event_id] = updated
            return JSONResponse(copy.deepcopy(updated))

    @app.patch("/calendar/v3/calendars/{calendar_id}/events/{event_id}")
    async def patch_event(calendar_id: str, event_id: str, request: Request) -> JSONResponse:
        return await change(calendar_id, event_id, request, replace=False)

    @app.put("/calendar/v3/calendars/{calendar_id}/events/{event_id}")
    async def update_event(calendar_id: str, event_id: str, request: Request) -> JSONResponse:
        return await change(calendar_id, event_id, request, replace=True)

    @app.delete("/calendar/v3/calendars/{calendar_id}/events/{event_id}", response_model=None)
    async def delete_event(calendar_id: str, event_id: str, request: Request) -> Response:
        with lock:
            if (refused := gate(request, WRITE_EVENTS)) is not None:
                return refused
            calendar = writable(calendar_id)
            if isinstance(calendar, JSONResponse):
                return calendar
            event = calendar.events.get(event_id)
            if event is None:
                return google_error(404, "notFound", "Not Found")
            if event.get("status") == "cancelled":
                return google_error(410, "deleted", "Resource has been deleted")
            event["status"] = "cancelled"
            event["updated"] = rfc3339(datetime.now(UTC))
            event["etag"] = _etag()
        return Response(status_code=204)

    @app.post("/calendar/v3/freeBusy")
    async def free_busy(request: Request) -> JSONResponse:
        body = await json_body(request)
        with lock:
            if (refused := gate(request, FREE_BUSY)) is not None:
                return refused
            if isinstance(body, JSONResponse):
                return body
            low = parse_rfc3339(str(body.get("timeMin", "")))
            high = parse_rfc3339(str(body.get("timeMax", "")))
            if low is None or high is None:
                return google_error(400, "required", "Missing timeMin or timeMax parameter.")
            if high <= low:
                return google_error(400, "timeRangeEmpty", "The specified time range is empty.")
            answers: dict[str, Any] = {}
            for item in body.get("items") or []:
                wanted = str((item or {}).get("id", ""))
                calendar = state.calendar(wanted)
                if calendar is None:
                    answers[wanted] = {"errors": [{"domain": "global", "reason": "notFound"}],
                                       "busy": []}
                    continue
                spans: list[tuple[datetime, datetime]] = []
                for event in calendar.events.values():
                    if (event.get("status") == "cancelled"
                            or event.get("transparency") == "transparent"
                            or any(a.get("self") and a.get("responseStatus") == "declined"
                                   for a in event.get("attendees") or [])):
                        continue
                    for occ in _occurrences(event, calendar.time_zone, high):
                        start = _bound(occ["start"], calendar.time_zone)
                        end = _bound(occ["end"], calendar.time_zone)
                        assert start is not None and end is not None
                        if start < high and end > low:
                            spans.append((max(start, low), min(end, high)))
                merged: list[list[datetime]] = []
                for start, end in sorted(spans):
                    if merged and start <= merged[-1][1]:
                        merged[-1][1] = max(merged[-1][1], end)
                    else:
                        merged.append([start, end])
                answers[wanted] = {"busy": [{"start": rfc3339(s), "end": rfc3339(e)}
                                            for s, e in merged]}
            return JSONResponse({"kind": "calendar#freeBusy", "timeMin": rfc3339(low),
                                 "timeMax": rfc3339(high), "calendars": answers})

    @app.get("/calendar/v3/users/me/calendarList")
    async def calendar_list(request: Request) -> JSONResponse:
        q = request.query_params
        with lock:
            if (refused := gate(request, CALENDAR_LIST)) is not None:
                return refused
            offset = _offset(q.get("pageToken"))
            if offset is None:
                return google_error(400, "invalid", "Invalid page token value.")
            size = min(int(q.get("maxResults") or 100), 250, state.page_size_cap)
            entries = [
                {"kind": "calendar#calendarListEntry", "etag": _etag(), "id": c.id,
                 "summary": c.summary, "timeZone": c.time_zone, "colorId": "14",
                 "backgroundColor": "#9fe1e7", "foregroundColor": "#000000",
                 "selected": True, "accessRole": c.access_role,
                 "defaultReminders": [], "conferenceProperties": {
                     "allowedConferenceSolutionTypes": ["hangoutsMeet"]},
                 **({"primary": True} if c.primary else {})}
                for c in state.calendars.values() if not c.free_busy_only]
            page = entries[offset:offset + size]
            body: dict[str, Any] = {"kind": "calendar#calendarList", "etag": _etag(),
                                    "items": page}
            if offset + size < len(entries):
                body["nextPageToken"] = _page_token(offset + size)
            else:
                body["nextSyncToken"] = "CP" + _b64url(secrets.token_bytes(12))
            return JSONResponse(body)

    return app


def point_frontdesk_at(state: GoogleState, base: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """frontdesk's Google settings aimed at this stand-in (served at ``base``), with
    google-auth's retry waits (1 s, 2 s on a failing token endpoint) taken out."""
    import google.auth._exponential_backoff as google_backoff

    for name, value in {
        "GOOGLE_CLIENT_ID": state.client_id,
        "GOOGLE_CLIENT_SECRET": state.client_secret,
        "GOOGLE_AUTH_BASE": base,
        "GOOGLE_TOKEN_URL": f"{base}/token",
        "GOOGLE_REVOKE_URL": f"{base}/revoke",
        "GOOGLE_API_BASE": f"{base}/",
    }.items():
        monkeypatch.setenv(f"FRONTDESK_{name}", value)
    monkeypatch.setattr(google_backoff.time, "sleep", lambda _s: None)
