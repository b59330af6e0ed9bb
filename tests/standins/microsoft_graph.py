"""Microsoft identity platform v2.0 (consent, tokens) and Microsoft Graph v1.0 calendars.

Identity, under ``/{tenant}/oauth2/v2.0/``: ``authorize`` plays the consent page (checks
client_id, redirect_uri, response_type=code, scope and a PKCE S256 challenge, then 302s
back with ``code``, ``state`` and ``session_state``, or with ``error=access_denied``);
``token`` takes the authorization_code and refresh_token grants, form-encoded, with the
client secret in the body or as HTTP basic, and answers Microsoft's token JSON (with an
id_token whose claims carry ``preferred_username``) or its AADSTS error JSON. Refresh
tokens ROTATE: each refresh answers a new one and, like a strict server, kills the old.

Graph, under ``/v1.0/me/``: ``calendars``; ``calendar/calendarView`` and
``calendars/{id}/calendarView`` (overlap on startDateTime/endDateTime, server paging
through an absolute ``@odata.nextLink`` with ``$skip``, ``Prefer: outlook.timezone``,
``$select``, ``$expand=singleValueExtendedProperties($filter=id eq '...')``);
``calendar/events`` and ``calendars/{id}/events`` (GET with the one ``$filter`` form
``singleValueExtendedProperties/Any(ep: ep/id eq '...' and ep/value eq '...')``, POST
with ``transactionId`` idempotency); ``events/{id}`` GET/PATCH/DELETE. Bearer tokens
must be live access tokens (401 ``InvalidAuthenticationToken`` otherwise) whose scopes
allow the call (403 ``ErrorAccessDenied``). Errors use Graph's
``{"error": {"code", "message", "innerError"}}``.

Graph's quirks are kept where a client can trip on them: ``dateTime`` strings have no
offset and 7 fractional digits; all-day events always come back midnight to midnight
whatever the Prefer header asks, and are matched against the window in the zone they
were made in; a malformed id is a 400 ``ErrorInvalidIdMalformed``, an unknown one 404.

All state lives in a ``GraphState``: tests add the owner's events, read what was
written, and script outages (``fail_next``, ``token_endpoint_down``,
``expire_access_tokens``, ``revoke_refresh_tokens``, ``deny_consent``, ``stale_filter``,
``unsupported_time_zones``, ``max_page_size``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, tzinfo
from typing import Any
from urllib.parse import parse_qs, quote, unquote_plus, urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

DEFAULT_SCOPE = "openid email offline_access Calendars.ReadWrite User.Read"
GRAPH_RESOURCE = "https://graph.microsoft.com/"
# Scopes that are OpenID Connect's, not Graph permissions (never echoed as granted).
OIDC_SCOPES = frozenset({"openid", "email", "profile", "offline_access"})
ID_PREFIX = "AAMkAGI2"
CODE_LIFETIME_S = 600

_WINDOWS_ZONES = {
    "utc": "UTC",
    "eastern standard time": "America/New_York",
    "central standard time": "America/Chicago",
    "pacific standard time": "America/Los_Angeles",
    "gmt standard time": "Europe/London",
    "w. europe standard time": "Europe/Berlin",
}
_WRITABLE = frozenset({
    "subject", "body", "start", "end", "isAllDay", "showAs", "singleValueExtendedProperties",
    "categories", "location", "attendees", "importance", "sensitivity", "isReminderOn",
    "reminderMinutesBeforeStart", "responseRequested", "isOnlineMeeting", "hideAttendees",
    "allowNewTimeProposals",
})
_SHOW_AS = frozenset({"free", "tentative", "busy", "oof", "workingElsewhere", "unknown"})
_PROPERTY_ID = re.compile(r"^String \{[0-9a-fA-F-]{36}\} Name \S+$|^String 0x[0-9a-fA-F]{4}$")
_EXPAND = re.compile(
    r"^singleValueExtendedProperties\(\$filter=id eq '((?:[^']|'')*)'\)$", re.IGNORECASE)
_FILTER = re.compile(
    r"^singleValueExtendedProperties/any\((\w+):\s*\1/id eq '((?:[^']|'')*)'\s+and\s+"
    r"\1/value eq '((?:[^']|'')*)'\)$", re.IGNORECASE)
_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}(?::\d{2})?)(?:\.(\d{1,7}))?)?$")


def _now() -> datetime:
    return datetime.now(UTC)


def _graph_id() -> str:
    """Long, opaque, URL-safe base64 with padding, like Exchange's item ids."""
    return ID_PREFIX + base64.urlsafe_b64encode(secrets.token_bytes(106)).decode()


def _well_formed(graph_id: str) -> bool:
    if not graph_id.startswith(ID_PREFIX):
        return False
    try:
        base64.urlsafe_b64decode(graph_id[len(ID_PREFIX):])
    except (binascii.Error, ValueError):
        return False
    return True


def _seven(value: datetime) -> str:
    """Graph's dateTime: no offset, 7 fractional digits."""
    return value.strftime("%Y-%m-%dT%H:%M:%S") + f".{value.microsecond:06d}0"


def _instant(value: datetime) -> str:
    return _seven(value.astimezone(UTC)) + "Z"


def _zone(name: str) -> tzinfo | None:
    key = _WINDOWS_ZONES.get(name.strip().lower(), name.strip())
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _unquote_odata(value: str) -> str:
    return value.replace("''", "'")


def _same_property(a: str, b: str) -> bool:
    return " ".join(a.split()).lower() == " ".join(b.split()).lower()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


class GraphError(Exception):
    """A Graph error answer: ``{"error": {"code", "message"}}`` with ``status``."""

    def __init__(self, status: int, code: str, message: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        inner = {"date": _now().strftime("%Y-%m-%dT%H:%M:%S"), "request-id": str(uuid.uuid4()),
                 "client-request-id": str(uuid.uuid4())}
        return JSONResponse({"error": {"code": self.code, "message": self.message,
                                       "innerError": inner}},
                            status_code=self.status, headers=self.headers)


class IdentityError(Exception):
    """An identity platform token error: AADSTS JSON."""

    def __init__(self, status: int, error: str, aadsts: int, description: str) -> None:
        super().__init__(description)
        self.status, self.error, self.aadsts, self.description = status, error, aadsts, description

    def response(self) -> JSONResponse:
        trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
        stamp = _now().strftime("%Y-%m-%d %H:%M:%SZ")
        return JSONResponse(
            {"error": self.error,
             "error_description": (f"AADSTS{self.aadsts}: {self.description} Trace ID: {trace} "
                                   f"Correlation ID: {correlation} Timestamp: {stamp}"),
             "error_codes": [self.aadsts], "timestamp": stamp, "trace_id": trace,
             "correlation_id": correlation,
             "error_uri": f"https://login.microsoftonline.com/error?code={self.aadsts}"},
            status_code=self.status,
        )


@dataclass
class GraphCalendar:
    id: str
    name: str
    is_default: bool = False
    color: str = "auto"


@dataclass
class GraphEvent:
    """One event in the mailbox. Timed: UTC instants; all-day: midnights in ``start_zone``."""

    id: str
    calendar_id: str
    subject: str
    start: datetime
    end: datetime
    start_zone: str = "UTC"
    end_zone: str = "UTC"
    is_all_day: bool = False
    show_as: str = "busy"
    is_cancelled: bool = False
    response: str = "organizer"  # organizer, accepted, tentativelyAccepted, declined, none
    body_type: str = "text"
    body: str = ""
    transaction_id: str | None = None
    extended: dict[str, str] = field(default_factory=dict)  # property id -> value
    created: datetime = field(default_factory=_now)
    modified: datetime = field(default_factory=_now)
    change_key: str = field(default_factory=lambda: _b64url(secrets.token_bytes(24)))
    ical_uid: str = field(default_factory=lambda: "040000008200E00074C5B7101A82E008" +
                          secrets.token_hex(32).upper())


@dataclass
class _Grant:
    """What one consent (or one issued refresh token) stands for."""

    scopes: tuple[str, ...]
    client_id: str


@dataclass
class _Code:
    grant: _Grant
    redirect_uri: str
    challenge: str
    expires: float
    used: bool = False


class GraphState:
    """One tenant with one user (the business owner) and one registered app."""

    def __init__(
        self,
        client_id: str = "11111111-2222-3333-4444-555555555555",
        client_secret: str = "frontdesk~secret.value",
        *,
        redirect_uris: tuple[str, ...] = ("http://127.0.0.1/oauth/microsoft/callback",),
        user: str = "owner@contoso.onmicrosoft.com",
        display_name: str = "Contoso Owner",
        mailbox_zone: str = "America/New_York",
        access_token_lifetime_s: int = 3599,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uris = redirect_uris
        self.user = user
        self.display_name = display_name
        self.mailbox_zone = mailbox_zone
        self.access_token_lifetime_s = access_token_lifetime_s
        self.tenant_id = str(uuid.uuid4())
        self.object_id = str(uuid.uuid4())
        # Switches a test flips.
        self.deny_consent = False
        self.token_endpoint_down = False
        self.max_page_size = 50  # Graph may answer fewer than $top: server-driven paging
        self.unsupported_time_zones: set[str] = set()
        # The events $filter answers from a stale search index: it finds nothing.
        self.stale_filter = False
        # What was asked: "GET /v1.0/me/calendar/calendarView", and grant types.
        self.graph_requests: list[str] = []
        self.token_requests: list[str] = []
        self._lock = threading.RLock()
        self._fail_left = 0
        self._fail_status = 503
        self._fail_retry_after = 0
        self._access: dict[str, tuple[float, _Grant]] = {}
        self._refresh: dict[str, _Grant] = {}
        self._spent_refresh: set[str] = set()
        self._codes: dict[str, _Code] = {}
        self._calendars: dict[str, GraphCalendar] = {}
        self._events: dict[str, GraphEvent] = {}
        self.default_calendar_id = self.add_calendar("Calendar", default=True)

    # -- test controls -----------------------------------------------------------------

    def add_calendar(self, name: str, *, default: bool = False) -> str:
        with self._lock:
            calendar = GraphCalendar(_graph_id(), name, is_default=default)
            self._calendars[calendar.id] = calendar
            return calendar.id

    def add_owner_event(
        self,
        subject: str,
        start: date | datetime,
        end: date | datetime,
        *,
        show_as: str = "busy",
        cancelled: bool = False,
        response: str = "organizer",
        calendar_id: str | None = None,
        zone: str | None = None,
    ) -> str:
        """An event made in the owner's Outlook. Dates (not datetimes) make an all-day
        event, its days in ``zone`` (default: the mailbox's); datetimes must be aware."""
        zone_name = zone or self.mailbox_zone
        if isinstance(start, datetime) and isinstance(end, datetime):
            if start.tzinfo is None or end.tzinfo is None:
                raise ValueError("owner events need aware datetimes (or dates for all-day)")
            event = GraphEvent(
                _graph_id(), calendar_id or self.default_calendar_id, subject,
                start.astimezone(UTC), end.astimezone(UTC), zone_name, zone_name,
                show_as=show_as, is_cancelled=cancelled, response=response,
            )
        elif not isinstance(start, datetime) and not isinstance(end, datetime):
            tz = ZoneInfo(zone_name)
            event = GraphEvent(
                _graph_id(), calendar_id or self.default_calendar_id, subject,
                datetime(start.year, start.month, start.day, tzinfo=tz),
                datetime(end.year, end.month, end.day, tzinfo=tz), zone_name, zone_name,
                is_all_day=True, show_as=show_as, is_cancelled=cancelled, response=response,
            )
        else:
            raise ValueError("start and end must both be dates or both be datetimes")
        with self._lock:
            self._events[event.id] = event
        return event.id

    def events(self, calendar_id: str | None = None) -> list[GraphEvent]:
        """Copies of the events (of one calendar, or all), by start."""
        with self._lock:
            found = [replace(e, extended=dict(e.extended)) for e in self._events.values()
                     if calendar_id is None or e.calendar_id == calendar_id]
        return sorted(found, key=lambda e: (e.start, e.id))

    def event(self, event_id: str) -> GraphEvent | None:
        with self._lock:
            found = self._events.get(event_id)
            return replace(found, extended=dict(found.extended)) if found else None

    def remove_event(self, event_id: str) -> None:
        """The owner deletes an event in Outlook."""
        with self._lock:
            self._events.pop(event_id, None)

    def issue_tokens(self, scope: str = DEFAULT_SCOPE) -> dict[str, Any]:
        """The token endpoint's answer for a fresh consent, without the browser dance."""
        with self._lock:
            return self._token_answer(_Grant(tuple(scope.split()), self.client_id))

    def fail_next(self, n: int, status: int = 503, *, retry_after: int = 7) -> None:
        """The next ``n`` Graph requests answer ``status`` (with ``Retry-After``)."""
        with self._lock:
            self._fail_left, self._fail_status, self._fail_retry_after = n, status, retry_after

    def expire_access_tokens(self) -> None:
        with self._lock:
            self._access.clear()

    def revoke_refresh_tokens(self) -> None:
        """The owner revoked the app (or changed password): every refresh token dies."""
        with self._lock:
            self._spent_refresh.update(self._refresh)
            self._refresh.clear()

    @property
    def live_access_tokens(self) -> int:
        with self._lock:
            now = time.time()
            return sum(1 for expires, _ in self._access.values() if expires > now)

    # -- identity ----------------------------------------------------------------------

    def _token_answer(self, grant: _Grant) -> dict[str, Any]:
        access = "EwB" + _b64url(secrets.token_bytes(48))
        self._access[access] = (time.time() + self.access_token_lifetime_s, grant)
        scopes = [s for s in grant.scopes if s.lower() not in OIDC_SCOPES]
        echoed = [s.removeprefix(GRAPH_RESOURCE) for s in scopes]
        echoed += [s for s in ("openid", "profile", "email")
                   if s in {g.lower() for g in grant.scopes}]
        answer: dict[str, Any] = {
            "token_type": "Bearer", "scope": " ".join(echoed),
            "expires_in": self.access_token_lifetime_s,
            "ext_expires_in": self.access_token_lifetime_s, "access_token": access,
        }
        lowered = {s.lower() for s in grant.scopes}
        if "offline_access" in lowered:
            refresh = "M.C5" + _b64url(secrets.token_bytes(64))
            self._refresh[refresh] = grant
            answer["refresh_token"] = refresh
        if "openid" in lowered:
            answer["id_token"] = self._id_token(grant.client_id)
        return answer

    def _id_token(self, audience: str) -> str:
        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "kid": _b64url(secrets.token_bytes(12))}
        claims = {
            "aud": audience, "iss": f"https://login.microsoftonline.com/{self.tenant_id}/v2.0",
            "iat": now, "nbf": now, "exp": now + 3600, "name": self.display_name,
            "oid": self.object_id, "preferred_username": self.user,
            "sub": _b64url(hashlib.sha256(self.object_id.encode()).digest()),
            "tid": self.tenant_id, "uti": _b64url(secrets.token_bytes(16)), "ver": "2.0",
        }
        return ".".join((_b64url(json.dumps(header).encode()),
                         _b64url(json.dumps(claims).encode()),
                         _b64url(secrets.token_bytes(256))))

    def authorize(self, params: dict[str, str]) -> Response:
        client_id = params.get("client_id", "")
        redirect_uri = params.get("redirect_uri", "")
        if client_id != self.client_id:
            return HTMLResponse(
                f"<html><body>AADSTS700016: Application with identifier '{client_id}' was not "
                "found in the directory.</body></html>", status_code=400)
        if redirect_uri not in self.redirect_uris:
            return HTMLResponse(
                f"<html><body>AADSTS50011: The redirect URI '{redirect_uri}' specified in the "
                "request does not match the redirect URIs configured for the application."
                "</body></html>", status_code=400)
        state = params.get("state")

        def back(**answer: str) -> RedirectResponse:
            if state is not None:
                answer["state"] = state
            return RedirectResponse(f"{redirect_uri}?{urlencode(answer)}", status_code=302)

        def refused(error: str, aadsts: int, description: str) -> RedirectResponse:
            return back(error=error, error_description=f"AADSTS{aadsts}: {description}",
                        error_uri=f"https://login.microsoftonline.com/error?code={aadsts}")

        if params.get("response_type") != "code":
            return refused("unsupported_response_type", 700054,
                           "response_type 'id_token' is not enabled for the application.")
        scopes = tuple(params.get("scope", "").split())
        if not scopes:
            return refused("invalid_request", 900144,
                           "The request body must contain the following parameter: 'scope'.")
        challenge = params.get("code_challenge", "")
        if not challenge:
            return refused("invalid_request", 9002325, "Proof Key for Code Exchange is "
                           "required for cross-origin authorization code redemption.")
        if params.get("code_challenge_method") != "S256":
            return refused("invalid_request", 501491,
                           "Invalid size of Code_Challenge parameter or method not S256.")
        if self.deny_consent:
            return refused("access_denied", 65004,
                           "User declined to consent to access the app.")
        code = "M.C5" + _b64url(secrets.token_bytes(96))
        with self._lock:
            self._codes[code] = _Code(_Grant(scopes, client_id), redirect_uri, challenge,
                                      time.time() + CODE_LIFETIME_S)
        return back(code=code, session_state=str(uuid.uuid4()))

    def token(self, form: dict[str, str], authorization: str | None) -> JSONResponse:
        if self.token_endpoint_down:
            return IdentityError(503, "temporarily_unavailable", 90033,
                                 "A transient error has occurred. Please try again.").response()
        try:
            with self._lock:
                return JSONResponse(self._token(form, authorization),
                                    headers={"Cache-Control": "no-store, no-cache",
                                             "Pragma": "no-cache"})
        except IdentityError as exc:
            return exc.response()

    def _token(self, form: dict[str, str], authorization: str | None) -> dict[str, Any]:
        client_id, secret = form.get("client_id", ""), form.get("client_secret")
        if authorization and authorization.lower().startswith("basic "):
            try:
                pair = base64.b64decode(authorization[6:]).decode()
            except (binascii.Error, UnicodeDecodeError) as exc:
                raise IdentityError(401, "invalid_client", 7000215,
                                    "Invalid client secret provided.") from exc
            basic_id, _, basic_secret = pair.partition(":")
            client_id, secret = unquote_plus(basic_id), unquote_plus(basic_secret)
        grant_type = form.get("grant_type", "")
        self.token_requests.append(grant_type)
        if not client_id:
            raise IdentityError(400, "invalid_request", 900144,
                                "The request body must contain the following parameter: "
                                "'client_id'.")
        if client_id != self.client_id:
            raise IdentityError(400, "unauthorized_client", 700016,
                                f"Application with identifier '{client_id}' was not found in "
                                "the directory.")
        if secret is None:
            raise IdentityError(401, "invalid_client", 7000218, "The request body must "
                                "contain the following parameter: 'client_assertion' or "
                                "'client_secret'.")
        if not secrets.compare_digest(secret, self.client_secret):
            raise IdentityError(401, "invalid_client", 7000215,
                                "Invalid client secret provided. Ensure the secret being sent "
                                "in the request is the client secret value, not the client "
                                "secret ID.")
        if grant_type == "authorization_code":
            return self._redeem_code(form)
        if grant_type == "refresh_token":
            return self._redeem_refresh(form)
        if not grant_type:
            raise IdentityError(400, "invalid_request", 900144, "The request body must "
                                "contain the following parameter: 'grant_type'.")
        raise IdentityError(400, "unsupported_grant_type", 70003,
                            f"The app requested an unsupported grant type '{grant_type}'.")

    def _redeem_code(self, form: dict[str, str]) -> dict[str, Any]:
        code = self._codes.get(form.get("code", ""))
        if code is None:
            raise IdentityError(400, "invalid_grant", 9002313,
                                "Invalid request. Request is malformed or invalid.")
        if code.used:
            raise IdentityError(400, "invalid_grant", 54005,
                                "OAuth2 Authorization code was already redeemed, please retry "
                                "with a new valid code or use an existing refresh token.")
        if code.expires < time.time():
            raise IdentityError(400, "invalid_grant", 70008,
                                "The provided authorization code or refresh token has expired "
                                "due to inactivity.")
        if form.get("redirect_uri") != code.redirect_uri:
            raise IdentityError(400, "invalid_grant", 70000,
                                "The provided value for the 'redirect_uri' is not valid. The "
                                "value must exactly match the redirect URI used to obtain the "
                                "authorization code.")
        verifier = form.get("code_verifier", "")
        if _b64url(hashlib.sha256(verifier.encode()).digest()) != code.challenge:
            raise IdentityError(400, "invalid_grant", 501481,
                                "The Code_Verifier does not match the code_challenge supplied "
                                "in the authorization request.")
        code.used = True
        return self._token_answer(code.grant)

    def _redeem_refresh(self, form: dict[str, str]) -> dict[str, Any]:
        presented = form.get("refresh_token", "")
        grant = self._refresh.pop(presented, None)
        if grant is None:
            if presented in self._spent_refresh:
                raise IdentityError(400, "invalid_grant", 50173,
                                    "The provided grant has expired due to it being revoked, "
                                    "a fresh auth token is needed. The user might have changed "
                                    "or reset their password.")
            raise IdentityError(400, "invalid_grant", 9002313,
                                "Invalid request. Request is malformed or invalid.")
        self._spent_refresh.add(presented)  # rotation: the old one is dead from now on
        asked = tuple(form.get("scope", "").split()) or grant.scopes
        granted = {s.lower().removeprefix(GRAPH_RESOURCE) for s in grant.scopes}
        beyond = [s for s in asked if s.lower().removeprefix(GRAPH_RESOURCE) not in granted
                  and s.lower() not in OIDC_SCOPES]
        if beyond:
            raise IdentityError(400, "invalid_grant", 65001,
                                "The user or administrator has not consented to use the "
                                f"application for {' '.join(beyond)}.")
        # A refresh never widens the consent: OpenID scopes not consented are dropped, and
        # a consented offline_access keeps handing out (rotated) refresh tokens.
        kept = tuple(s for s in asked if s.lower().removeprefix(GRAPH_RESOURCE) in granted)
        if "offline_access" in granted and "offline_access" not in {s.lower() for s in kept}:
            kept += ("offline_access",)
        return self._token_answer(_Grant(kept, grant.client_id))

    # -- Graph -------------------------------------------------------------------------

    def _authorized(self, request: Request, needs: str) -> None:
        """Check the bearer token and its scopes; count the request; maybe fail it."""
        self.graph_requests.append(f"{request.method} {request.url.path}")
        if self._fail_left > 0:
            self._fail_left -= 1
            status = self._fail_status
            code = {429: "TooManyRequests", 503: "ServiceNotAvailable",
                    504: "GatewayTimeout"}.get(status, "UnknownError")
            raise GraphError(status, code, "The service is temporarily unavailable. "
                             "Please retry later.",
                             {"Retry-After": str(self._fail_retry_after)})
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("bearer ") or not header[7:].strip():
            raise GraphError(401, "InvalidAuthenticationToken", "Access token is empty.",
                             {"WWW-Authenticate": 'Bearer realm=""'})
        held = self._access.get(header[7:].strip())
        if held is None or held[0] <= time.time():
            raise GraphError(401, "InvalidAuthenticationToken",
                             "Access token has expired or is not yet valid.",
                             {"WWW-Authenticate": 'Bearer realm="", error="invalid_token"'})
        scopes = {s.lower().removeprefix(GRAPH_RESOURCE) for s in held[1].scopes}
        allowed = {"read": {"calendars.read", "calendars.readwrite"},
                   "write": {"calendars.readwrite"}}[needs]
        if not scopes & allowed:
            raise GraphError(403, "ErrorAccessDenied",
                             "Access is denied. Check credentials and try again.")

    def _calendar(self, calendar_id: str | None) -> GraphCalendar:
        if calendar_id is None:
            return self._calendars[self.default_calendar_id]
        if not _well_formed(calendar_id):
            raise GraphError(400, "ErrorInvalidIdMalformed", "Id is malformed.")
        found = self._calendars.get(calendar_id)
        if found is None:
            raise GraphError(404, "ErrorItemNotFound",
                             "The specified object was not found in the store.")
        return found

    def _event(self, event_id: str) -> GraphEvent:
        if not _well_formed(event_id):
            raise GraphError(400, "ErrorInvalidIdMalformed", "Id is malformed.")
        found = self._events.get(event_id)
        if found is None:
            raise GraphError(404, "ErrorItemNotFound",
                             "The specified object was not found in the store.")
        return found

    def _calendar_json(self, calendar: GraphCalendar) -> dict[str, Any]:
        return {
            "id": calendar.id, "name": calendar.name, "color": calendar.color, "hexColor": "",
            "isDefaultCalendar": calendar.is_default,
            "changeKey": _b64url(hashlib.sha256(calendar.id.encode()).digest()[:18]),
            "canShare": True, "canViewPrivateItems": True, "canEdit": True,
            "allowedOnlineMeetingProviders": ["teamsForBusiness"],
            "defaultOnlineMeetingProvider": "teamsForBusiness", "isTallyingResponses": True,
            "isRemovable": not calendar.is_default,
            "owner": {"name": self.display_name, "address": self.user},
        }

    def _when(self, event: GraphEvent, value: datetime, zone_name: str) -> dict[str, str]:
        if event.is_all_day:
            # Always midnight, whatever the Prefer header asked (Graph's documented quirk).
            local = value.astimezone(_zone(event.start_zone) or UTC)
            return {"dateTime": _seven(local.replace(hour=0, minute=0, second=0,
                                                     microsecond=0, tzinfo=None)),
                    "timeZone": zone_name}
        zone = _zone(zone_name) or UTC
        return {"dateTime": _seven(value.astimezone(zone).replace(tzinfo=None)),
                "timeZone": zone_name}

    def _event_json(self, event: GraphEvent, zone_name: str, expand: str | None,
                    select: list[str] | None) -> dict[str, Any]:
        full: dict[str, Any] = {
            "@odata.etag": f'W/"{event.change_key}"', "id": event.id,
            "createdDateTime": _instant(event.created),
            "lastModifiedDateTime": _instant(event.modified), "changeKey": event.change_key,
            "categories": [], "transactionId": event.transaction_id,
            "originalStartTimeZone": event.start_zone, "originalEndTimeZone": event.end_zone,
            "iCalUId": event.ical_uid, "reminderMinutesBeforeStart": 15, "isReminderOn": True,
            "hasAttachments": False, "subject": event.subject,
            "bodyPreview": event.body[:255], "importance": "normal", "sensitivity": "normal",
            "isAllDay": event.is_all_day, "isCancelled": event.is_cancelled,
            "isOrganizer": event.response == "organizer", "responseRequested": True,
            "seriesMasterId": None, "showAs": event.show_as, "type": "singleInstance",
            "webLink": ("https://outlook.office365.com/owa/?itemid="
                        f"{quote(event.id, safe='')}&exvsurl=1&path=/calendar/item"),
            "onlineMeetingUrl": None, "isOnlineMeeting": False,
            "onlineMeetingProvider": "unknown", "allowNewTimeProposals": True,
            "isDraft": False, "hideAttendees": False, "recurrence": None,
            "onlineMeeting": None,
            "responseStatus": {"response": event.response, "time": "0001-01-01T00:00:00Z"},
            "body": {"contentType": event.body_type, "content": event.body},
            "start": self._when(event, event.start, zone_name),
            "end": self._when(event, event.end, zone_name),
            "location": {"displayName": "", "locationType": "default",
                         "uniqueIdType": "unknown", "address": {}, "coordinates": {}},
            "locations": [], "attendees": [],
            "organizer": {"emailAddress": {"name": self.display_name, "address": self.user}},
        }
        if select is not None:
            full = {k: v for k, v in full.items() if k in select or k in {"id", "@odata.etag"}}
        if expand is not None:
            match = _EXPAND.match(expand.strip())
            if match is None:
                raise GraphError(400, "BadRequest",
                                 f"Parsing OData Select and Expand failed: {expand}")
            wanted = _unquote_odata(match.group(1))
            props = [{"id": pid, "value": value} for pid, value in event.extended.items()
                     if _same_property(pid, wanted)]
            if props:
                full["singleValueExtendedProperties"] = props
        return full

    def _read_when(self, value: Any, name: str, all_day: bool) -> tuple[datetime, str]:
        if not isinstance(value, dict) or "dateTime" not in value:
            raise GraphError(400, "ErrorInvalidRequest",
                             f"Your request can't be completed. '{name}' is missing.")
        zone_name = str(value.get("timeZone") or "UTC")
        zone = None if zone_name in self.unsupported_time_zones else _zone(zone_name)
        if zone is None:
            raise GraphError(400, "TimeZoneNotSupportedException",
                             "A valid TimeZone value must be specified. The following TimeZone "
                             f"value is not supported: '{zone_name}'.")
        match = _DATETIME.match(str(value["dateTime"]))
        if match is None:
            raise GraphError(400, "UnableToDeserializePostBody",
                             "were unable to deserialize ")
        day, clock, fraction = match.groups()
        text = f"{day}T{clock or '00:00'}"
        parsed = datetime.fromisoformat(text).replace(
            microsecond=int((fraction or "0")[:6].ljust(6, "0")))
        if all_day and parsed.time() != datetime.min.time():
            raise GraphError(400, "ErrorPropertyValidationFailure",
                             "The start and end of an all-day event must be at midnight.")
        return parsed.replace(tzinfo=zone), zone_name

    def _apply(self, event: GraphEvent, body: dict[str, Any], creating: bool) -> None:
        unknown = sorted(set(body) - _WRITABLE - ({"transactionId"} if creating else set()))
        if unknown:
            raise GraphError(400, "RequestBodyRead",
                             f"The property '{unknown[0]}' does not exist on type "
                             "'microsoft.graph.event'. Make sure to only use property names "
                             "that are defined by the type or mark the type as open type.")
        if "subject" in body:
            event.subject = str(body["subject"] or "")
        if "body" in body:
            content = body["body"] or {}
            kind = str(content.get("contentType", "text")).lower()
            if kind not in {"text", "html"}:
                raise GraphError(400, "RequestBodyRead",
                                 f"Cannot convert the literal '{kind}' to the expected type "
                                 "'microsoft.graph.bodyType'.")
            event.body_type, event.body = kind, str(content.get("content") or "")
        if "isAllDay" in body:
            event.is_all_day = bool(body["isAllDay"])
        if "showAs" in body:
            if body["showAs"] not in _SHOW_AS:
                raise GraphError(400, "RequestBodyRead", f"Cannot convert the literal "
                                 f"'{body['showAs']}' to the expected type "
                                 "'microsoft.graph.freeBusyStatus'.")
            event.show_as = body["showAs"]
        if "start" in body:
            start, event.start_zone = self._read_when(body["start"], "Start", event.is_all_day)
            event.start = start if event.is_all_day else start.astimezone(UTC)
        if "end" in body:
            end, event.end_zone = self._read_when(body["end"], "End", event.is_all_day)
            event.end = end if event.is_all_day else end.astimezone(UTC)
        if event.end < event.start:
            raise GraphError(400, "ErrorPropertyValidationFailure",
                             "The event end time must be after the start time.")
        for prop in body.get("singleValueExtendedProperties") or ():
            pid, value = str(prop.get("id", "")), prop.get("value")
            if not _PROPERTY_ID.match(pid) or not isinstance(value, str):
                raise GraphError(400, "ErrorInvalidProperty",
                                 f"The extended property '{pid}' is not valid.")
            event.extended = {k: v for k, v in event.extended.items()
                              if not _same_property(k, pid)}
            event.extended[pid] = value
        event.modified = _now()
        event.change_key = _b64url(secrets.token_bytes(24))

    def _window(self, event: GraphEvent) -> tuple[datetime, datetime]:
        return event.start.astimezone(UTC), event.end.astimezone(UTC)

    def _page(self, request: Request, items: list[GraphEvent], params: dict[str, str],
              zone_name: str) -> dict[str, Any]:
        try:
            top = min(int(params.get("$top", "10")), self.max_page_size)
            skip = int(params.get("$skip", "0"))
        except ValueError as exc:
            raise GraphError(400, "BadRequest", "Invalid $top or $skip value.") from exc
        if top < 1 or skip < 0:
            raise GraphError(400, "BadRequest", "Invalid $top or $skip value.")
        select = params["$select"].split(",") if params.get("$select") else None
        page = items[skip:skip + top]
        answer: dict[str, Any] = {
            "@odata.context": (f"{request.base_url}v1.0/$metadata#users('{self.object_id}')"
                               "/events"),
            "value": [self._event_json(e, zone_name, params.get("$expand"), select)
                      for e in page],
        }
        if skip + top < len(items):
            query = {k: v for k, v in request.query_params.items() if k.lower() != "$skip"}
            query["$skip"] = str(skip + top)
            answer["@odata.nextLink"] = (
                f"{request.base_url}{request.url.path.lstrip('/')}?"
                + urlencode(query, quote_via=quote, safe="$'(),:")
            )
        return answer

    def calendar_view(self, request: Request, calendar_id: str | None) -> JSONResponse:
        with self._lock:
            self._authorized(request, "read")
            calendar = self._calendar(calendar_id)
            params = _params(request)
            try:
                window_start = _query_instant(params["startdatetime"])
                window_end = _query_instant(params["enddatetime"])
            except KeyError as exc:
                raise GraphError(400, "ErrorInvalidParameter",
                                 "This request requires a time window specified by the query "
                                 "string parameters StartDateTime and EndDateTime.") from exc
            zone_name = _prefer_zone(request)
            items = [e for e in self._events.values() if e.calendar_id == calendar.id
                     and self._window(e)[0] < window_end and self._window(e)[1] > window_start]
            items.sort(key=lambda e: (self._window(e)[0], e.id))
            answer = self._page(request, items, _dollar(params), zone_name)
        return JSONResponse(answer, headers=_preference_applied(request))

    def list_events(self, request: Request, calendar_id: str | None) -> JSONResponse:
        with self._lock:
            self._authorized(request, "read")
            calendar = self._calendar(calendar_id)
            params = _dollar(_params(request))
            items = [e for e in self._events.values() if e.calendar_id == calendar.id]
            if params.get("$filter"):
                match = _FILTER.match(params["$filter"].strip())
                if match is None:
                    raise GraphError(400, "ErrorInvalidUrlQueryFilter",
                                     "The query filter contains one or more invalid nodes.")
                pid, value = _unquote_odata(match.group(2)), _unquote_odata(match.group(3))
                items = [e for e in items if not self.stale_filter and any(
                    _same_property(k, pid) and v == value for k, v in e.extended.items())]
            items.sort(key=lambda e: (e.created, e.id))
            answer = self._page(request, items, params, _prefer_zone(request))
        return JSONResponse(answer, headers=_preference_applied(request))

    def create_event(self, request: Request, calendar_id: str | None,
                     body: Any) -> JSONResponse:
        with self._lock:
            self._authorized(request, "write")
            calendar = self._calendar(calendar_id)
            if not isinstance(body, dict):
                raise GraphError(400, "UnableToDeserializePostBody",
                                 "were unable to deserialize ")
            transaction = body.get("transactionId")
            if transaction is not None:
                for existing in self._events.values():
                    if existing.transaction_id == transaction:
                        # Graph's idempotent create: the first event, not a second one.
                        return self._event_answer(request, existing, 201)
            if "start" not in body or "end" not in body:
                raise GraphError(400, "ErrorInvalidRequest",
                                 "Your request can't be completed. An event needs a start and "
                                 "an end.")
            event = GraphEvent(_graph_id(), calendar.id, "", _now(), _now(),
                               transaction_id=str(transaction) if transaction else None)
            self._apply(event, body, creating=True)
            self._events[event.id] = event
            return self._event_answer(request, event, 201)

    def _event_answer(self, request: Request, event: GraphEvent, status: int) -> JSONResponse:
        params = _dollar(_params(request))
        select = params["$select"].split(",") if params.get("$select") else None
        headers = _preference_applied(request)
        if status == 201:
            headers["Location"] = f"{request.base_url}v1.0/me/events/{quote(event.id, safe='')}"
        return JSONResponse(
            {"@odata.context": f"{request.base_url}v1.0/$metadata#users('{self.object_id}')"
                               "/events/$entity",
             **self._event_json(event, _prefer_zone(request), params.get("$expand"), select)},
            status_code=status, headers=headers)

    def get_event(self, request: Request, event_id: str) -> JSONResponse:
        with self._lock:
            self._authorized(request, "read")
            return self._event_answer(request, self._event(event_id), 200)

    def patch_event(self, request: Request, event_id: str, body: Any) -> JSONResponse:
        with self._lock:
            self._authorized(request, "write")
            event = self._event(event_id)
            if not isinstance(body, dict):
                raise GraphError(400, "UnableToDeserializePostBody",
                                 "were unable to deserialize ")
            draft = replace(event, extended=dict(event.extended))
            self._apply(draft, body, creating=False)  # all or nothing
            self._events[event_id] = draft
            return self._event_answer(request, draft, 200)

    def delete_event(self, request: Request, event_id: str) -> Response:
        with self._lock:
            self._authorized(request, "write")
            self._event(event_id)
            del self._events[event_id]
        return Response(status_code=204)

    def list_calendars(self, request: Request) -> JSONResponse:
        with self._lock:
            self._authorized(request, "read")
            params = _dollar(_params(request))
            select = params["$select"].split(",") if params.get("$select") else None
            value = []
            for calendar in self._calendars.values():
                item = self._calendar_json(calendar)
                if select is not None:
                    item = {k: v for k, v in item.items() if k in select or k == "id"}
                value.append(item)
        return JSONResponse({
            "@odata.context": (f"{request.base_url}v1.0/$metadata#users('{self.object_id}')"
                               "/calendars"),
            "value": value,
        })


def _params(request: Request) -> dict[str, str]:
    """Query parameters by lower-cased name (Graph reads names case-insensitively)."""
    return {k.lower(): v for k, v in request.query_params.items()}


def _dollar(params: dict[str, str]) -> dict[str, str]:
    """OData system options: ``$top`` and the ``top`` that v1.0 also takes, as ``$top``."""
    named = {"top", "skip", "select", "expand", "filter", "orderby"}
    return {(f"${k}" if k in named else k): v for k, v in params.items()}


def _query_instant(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise GraphError(400, "ErrorInvalidParameter",
                         f"The value '{value}' of parameter 'StartDateTime' or 'EndDateTime' "
                         "is invalid.") from exc
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def _prefer_zone(request: Request) -> str:
    match = re.search(r'outlook\.timezone\s*=\s*"([^"]+)"', request.headers.get("prefer", ""))
    if match and _zone(match.group(1)) is not None:
        return match.group(1)
    return "UTC"


def _preference_applied(request: Request) -> dict[str, str]:
    match = re.search(r'outlook\.timezone\s*=\s*"([^"]+)"', request.headers.get("prefer", ""))
    if match and _zone(match.group(1)) is not None:
        return {"Preference-Applied": f'outlook.timezone="{match.group(1)}"'}
    return {}


async def _json_body(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except ValueError:
        return None


def microsoft_graph_app(state: GraphState) -> FastAPI:
    """The identity platform and Graph on one app; serve it with ``serving(app)``.

    The state is ``app.state.graph``: a test may put a fresh ``GraphState`` there to
    reuse one running server.
    """
    app = FastAPI()
    app.state.graph = state

    def current() -> GraphState:
        graph: GraphState = app.state.graph
        return graph

    @app.exception_handler(GraphError)
    async def graph_error(request: Request, exc: GraphError) -> JSONResponse:
        return exc.response()

    @app.get("/{tenant}/oauth2/v2.0/authorize")
    async def authorize(tenant: str, request: Request) -> Response:
        return current().authorize(dict(request.query_params))

    @app.post("/{tenant}/oauth2/v2.0/token")
    async def token(tenant: str, request: Request) -> JSONResponse:
        form = {k: v[-1] for k, v in parse_qs((await request.body()).decode(),
                                              keep_blank_values=True).items()}
        return current().token(form, request.headers.get("authorization"))

    @app.get("/v1.0/me/calendars")
    async def calendars(request: Request) -> JSONResponse:
        return current().list_calendars(request)

    @app.get("/v1.0/me/calendar/calendarView")
    @app.get("/v1.0/me/calendar/calendarview", include_in_schema=False)
    async def default_view(request: Request) -> JSONResponse:
        return current().calendar_view(request, None)

    @app.get("/v1.0/me/calendars/{calendar_id}/calendarView")
    @app.get("/v1.0/me/calendars/{calendar_id}/calendarview", include_in_schema=False)
    async def view(calendar_id: str, request: Request) -> JSONResponse:
        return current().calendar_view(request, calendar_id)

    @app.get("/v1.0/me/calendar/events")
    async def default_events(request: Request) -> JSONResponse:
        return current().list_events(request, None)

    @app.get("/v1.0/me/calendars/{calendar_id}/events")
    async def events(calendar_id: str, request: Request) -> JSONResponse:
        return current().list_events(request, calendar_id)

    @app.post("/v1.0/me/calendar/events")
    async def create_default(request: Request) -> JSONResponse:
        return current().create_event(request, None, await _json_body(request))

    @app.post("/v1.0/me/calendars/{calendar_id}/events")
    async def create(calendar_id: str, request: Request) -> JSONResponse:
        return current().create_event(request, calendar_id, await _json_body(request))

    @app.get("/v1.0/me/events/{event_id}")
    async def get_event(event_id: str, request: Request) -> JSONResponse:
        return current().get_event(request, event_id)

    @app.patch("/v1.0/me/events/{event_id}")
    async def patch_event(event_id: str, request: Request) -> JSONResponse:
        return current().patch_event(request, event_id, await _json_body(request))

    @app.delete("/v1.0/me/events/{event_id}")
    async def delete_event(event_id: str, request: Request) -> Response:
        return current().delete_event(request, event_id)

    return app
