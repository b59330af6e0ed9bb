"""Microsoft Graph change notification subscriptions on the Graph stand-in, in Graph's
wire format.

``GraphSubscriptions(app).install()`` adds to a ``microsoft_graph_app``:

- ``POST /v1.0/subscriptions``: ``{changeType, notificationUrl, resource,
  expirationDateTime, clientState?, lifecycleNotificationUrl?}``. ``resource`` must be
  ``me/events`` or ``me/calendars/{id}/events`` of a calendar that exists; the expiration
  at most 4230 minutes away. Before answering, Graph's validation: it POSTs
  ``?validationToken=<token>`` (``Content-Type: text/plain``) to the notification URL
  (and the lifecycle URL) and wants ``200``, ``text/plain`` and the token back within
  10 s; otherwise ``400 InvalidRequest`` "Subscription validation request failed" and
  no subscription. ``201`` with the subscription.
- ``PATCH /v1.0/subscriptions/{id}`` ``{expirationDateTime}``: 200, or 404
  (``ResourceNotFound``) for an unknown or expired subscription.
- ``DELETE /v1.0/subscriptions/{id}``: 204, or 404.

Graph only calls https; this stand-in also calls ``http://127.0.0.1``. A test calls
``changed(calendar_id)`` after changing a calendar: each live subscription on it gets a
``changeNotificationCollection`` (``{"value": [{subscriptionId, clientState,
changeType, resource, resourceData, ...}]}``) and should answer 202.
"""

from __future__ import annotations

import json
import secrets
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from tests.standins.microsoft_graph import GraphError, GraphState

MAX_LIFETIME = timedelta(minutes=4230)


@dataclass
class Subscription:
    id: str
    resource: str
    calendar_id: str
    change_type: str
    notification_url: str
    lifecycle_url: str | None
    client_state: str | None
    expires: datetime


def _graph_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")


def _parse(value: Any) -> datetime:
    if not isinstance(value, str):
        raise GraphError(400, "InvalidRequest", "expirationDateTime is required.")
    text = value.rstrip("Z")
    if "." in text:
        head, fraction = text.split(".", 1)
        text = f"{head}.{fraction[:6]}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise GraphError(400, "InvalidRequest", "expirationDateTime is invalid.") from exc
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


class GraphSubscriptions:
    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.subscriptions: dict[str, Subscription] = {}
        self.deleted: list[str] = []
        self.validations: list[tuple[str, int]] = []  # (url, status) of each check
        self.renewals: list[str] = []
        self._lock = threading.Lock()

    @property
    def state(self) -> GraphState:
        graph: GraphState = self.app.state.graph
        return graph

    def reset(self) -> None:
        with self._lock:
            self.subscriptions.clear()
            self.deleted.clear()
            self.validations.clear()
            self.renewals.clear()

    def live(self, calendar_id: str | None = None) -> list[Subscription]:
        now = datetime.now(UTC)
        with self._lock:
            return [s for s in self.subscriptions.values() if s.expires > now
                    and (calendar_id is None or s.calendar_id == calendar_id)]

    def changed(self, calendar_id: str | None = None, event_id: str | None = None) -> list[int]:
        """The calendar changed: one notification to each of its live subscriptions."""
        calendar = calendar_id or self.state.default_calendar_id
        return [self.notify(s, event_id=event_id) for s in self.live(calendar)]

    def notify(self, subscription: Subscription, *, client_state: str | None = None,
               event_id: str | None = None, lifecycle: str | None = None) -> int:
        """One delivery for ``subscription`` (a test may forge its clientState)."""
        event = event_id or f"AAMkAGI2{secrets.token_hex(20)}"
        item: dict[str, Any] = {
            "subscriptionId": subscription.id,
            "subscriptionExpirationDateTime": _graph_time(subscription.expires),
            "tenantId": self.state.tenant_id,
        }
        if lifecycle is not None:
            item["lifecycleEvent"] = lifecycle
        else:
            item |= {
                "changeType": "created",
                "resource": f"Users/{self.state.object_id}/Events/{event}",
                "resourceData": {"@odata.type": "#Microsoft.Graph.Event",
                                 "@odata.id": f"Users/{self.state.object_id}/Events/{event}",
                                 "@odata.etag": 'W/"DwAAABYAAAA"', "id": event},
            }
        state = subscription.client_state if client_state is None else client_state
        if state is not None:
            item["clientState"] = state
        url = (subscription.lifecycle_url or subscription.notification_url
               ) if lifecycle else subscription.notification_url
        try:
            return httpx.post(url, json={"value": [item]}, timeout=10).status_code
        except httpx.HTTPError:
            return 0

    async def _validate(self, url: str) -> bool:
        token = f"Validation: Testing client application reachability for subscription " \
                f"Request-Id: {uuid.uuid4()}"
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                answer = await client.post(url, params={"validationToken": token},
                                           headers={"Content-Type": "text/plain; charset=utf-8"})
        except httpx.HTTPError:
            self.validations.append((url, 0))
            return False
        self.validations.append((url, answer.status_code))
        return (answer.status_code == 200 and answer.text == token
                and answer.headers.get("content-type", "").startswith("text/plain"))

    def _calendar_of(self, resource: Any) -> str:
        text = str(resource or "").strip("/")
        if text.lower() in ("me/events", "me/calendar/events"):
            return self.state.default_calendar_id
        parts = text.split("/")
        if len(parts) == 4 and parts[0].lower() == "me" and parts[1].lower() == "calendars" \
                and parts[3].lower() == "events":
            return self.state._calendar(parts[2]).id
        raise GraphError(400, "InvalidRequest", f"Resource '{text}' is not supported.")

    def install(self) -> None:
        app = self.app

        @app.post("/v1.0/subscriptions")
        async def create(request: Request) -> JSONResponse:
            self.state._authorized(request, "read")
            body: Any = json.loads(await request.body() or b"null")
            if not isinstance(body, dict):
                raise GraphError(400, "InvalidRequest", "The request body is required.")
            calendar = self._calendar_of(body.get("resource"))
            expires = _parse(body.get("expirationDateTime"))
            now = datetime.now(UTC)
            if expires <= now or expires > now + MAX_LIFETIME:
                raise GraphError(400, "InvalidRequest",
                                 "Subscription expiration can only be 4230 minutes in the "
                                 "future.")
            url, lifecycle = body.get("notificationUrl"), body.get("lifecycleNotificationUrl")
            for target in dict.fromkeys(u for u in (url, lifecycle) if u):
                if not str(target).startswith(("https://", "http://127.0.0.1")):
                    raise GraphError(400, "InvalidRequest",
                                     "The notification URL must use https.")
                if not await self._validate(str(target)):
                    raise GraphError(400, "InvalidRequest",
                                     "Subscription validation request failed. Notification "
                                     "endpoint must respond with 200 OK to validation request.")
            found = Subscription(
                str(uuid.uuid4()), str(body["resource"]), calendar,
                str(body.get("changeType") or ""), str(url), lifecycle, body.get("clientState"),
                expires)
            with self._lock:
                self.subscriptions[found.id] = found
            return JSONResponse(self._json(found), status_code=201)

        @app.patch("/v1.0/subscriptions/{subscription_id}")
        async def renew(subscription_id: str, request: Request) -> JSONResponse:
            self.state._authorized(request, "read")
            found = self._find(subscription_id)
            body: Any = json.loads(await request.body() or b"null")
            expires = _parse((body or {}).get("expirationDateTime"))
            if expires > datetime.now(UTC) + MAX_LIFETIME:
                raise GraphError(400, "InvalidRequest",
                                 "Subscription expiration can only be 4230 minutes in the "
                                 "future.")
            with self._lock:
                found.expires = expires
                self.renewals.append(found.id)
            return JSONResponse(self._json(found))

        @app.delete("/v1.0/subscriptions/{subscription_id}", response_model=None)
        async def remove(subscription_id: str, request: Request) -> Response:
            self.state._authorized(request, "read")
            found = self._find(subscription_id)
            with self._lock:
                self.subscriptions.pop(found.id, None)
                self.deleted.append(found.id)
            return Response(status_code=204)

    def _find(self, subscription_id: str) -> Subscription:
        with self._lock:
            found = self.subscriptions.get(subscription_id)
        if found is None or found.expires <= datetime.now(UTC):
            raise GraphError(404, "ResourceNotFound",
                             f"The object was not found. Subscription '{subscription_id}'")
        return found

    def _json(self, found: Subscription) -> dict[str, Any]:
        return {
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#subscriptions/$entity",
            "id": found.id, "resource": found.resource, "applicationId": "frontdesk-test",
            "changeType": found.change_type, "clientState": found.client_state,
            "notificationUrl": found.notification_url,
            "lifecycleNotificationUrl": found.lifecycle_url,
            "expirationDateTime": _graph_time(found.expires),
            "creatorId": self.state.object_id, "latestSupportedTlsVersion": "v1_2",
        }
