"""The calendar change door: Google Calendar push messages
(``POST /webhooks/calendar/google``) and Microsoft Graph change notifications
(``POST /webhooks/calendar/microsoft``).

This door only translates: the channel's secret (Google's channel token, Graph's
``clientState``) is checked by ``services.calendar_push_inbox`` against the stored
channel (404 for a channel we do not know, 403 for a wrong secret, nothing changed),
and a genuine message makes the connection's busy times be read again. No provider is
called here, so the answer is immediate, as both providers want. Graph's subscription
check (``?validationToken=``) is echoed as text/plain before anything else.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Query, Response, status
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from frontdesk.errors import InvalidInput
from frontdesk.services.calendar_push import PATHS
from frontdesk.services.calendar_push_inbox import GoogleNotice, receive_google, receive_microsoft
from frontdesk.web.deps import FactoryDep

router = APIRouter(tags=["calendar push"])


class PushAck(BaseModel):
    received: bool = True


class GraphNotifications(BaseModel):
    """Graph's ``changeNotificationCollection``: the notifications of one delivery."""

    value: list[dict[str, Any]] = Field(max_length=1000)


def _number(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None


@router.post(PATHS["google"], response_model=PushAck,
             summary="Google Calendar push message (a watched calendar changed)")
def google_push(
    factory: FactoryDep,
    x_goog_channel_id: Annotated[str, Header(max_length=64)] = "",
    x_goog_channel_token: Annotated[str, Header(max_length=256)] = "",
    x_goog_resource_id: Annotated[str, Header(max_length=300)] = "",
    x_goog_resource_state: Annotated[str, Header(max_length=20)] = "",
    x_goog_message_number: Annotated[str, Header(max_length=20)] = "",
) -> PushAck:
    if not x_goog_channel_id or not x_goog_resource_state:
        raise InvalidInput("A Google push message carries X-Goog-Channel-ID and "
                           "X-Goog-Resource-State.")
    receive_google(factory, GoogleNotice(
        x_goog_channel_id, x_goog_channel_token, x_goog_resource_id, x_goog_resource_state,
        _number(x_goog_message_number)))
    return PushAck()


@router.post(
    PATHS["microsoft"], response_model=PushAck, status_code=status.HTTP_202_ACCEPTED,
    summary="Microsoft Graph change notifications (or its subscription check)",
    responses={200: {"description": "Graph's subscription check: the validationToken, "
                                    "echoed", "content": {"text/plain": {}}}},
)
def microsoft_push(
    factory: FactoryDep,
    validation_token: Annotated[str | None, Query(alias="validationToken",
                                                  max_length=2048)] = None,
    body: Annotated[GraphNotifications | None, Body()] = None,
) -> PushAck | Response:
    if validation_token is not None:
        # Graph waits at most 10 s for this echo before refusing the subscription.
        return PlainTextResponse(validation_token,
                                 headers={"X-Content-Type-Options": "nosniff"})
    if body is None or not body.value:
        raise InvalidInput("Expected Graph change notifications: {\"value\": [...]}.")
    receive_microsoft(factory, body.value)
    return PushAck()
