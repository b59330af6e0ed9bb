"""Request and response models of ``/api/v1/webhook-endpoints``: never the signing
secret, except once, in the answer that made it (registration, rotation)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from frontdesk.services.events import ALL, EVENT_TYPES
from frontdesk.web.types import Strict

KNOWN = [ALL, *sorted(EVENT_TYPES)]


def _known(value: str) -> str:
    if value != ALL and value not in EVENT_TYPES:
        raise ValueError(f"unknown event type {value!r}; known: {', '.join(KNOWN)}")
    return value


EventName = Annotated[str, Field(max_length=64, json_schema_extra={"enum": KNOWN}),
                      AfterValidator(_known)]
Url = Annotated[str, Field(min_length=8, max_length=2000, pattern=r"^https?://\S+$",
                           description="Where events are POSTed: an http(s) URL on a "
                                       "public host")]
Description = Annotated[str, Field(max_length=500)]
Events = Annotated[list[EventName], Field(max_length=len(KNOWN),
                                          description="Event types to receive; [] or "
                                                      "['*']: all")]


class WebhookEndpointIn(Strict):
    url: Url
    description: Description | None = None
    events: Events = Field(default_factory=lambda: [ALL])


class WebhookEndpointPatch(Strict):
    url: Url | None = None
    description: Description | None = None
    events: Events | None = None
    enabled: bool | None = Field(default=None, description="true: resume (clears the "
                                                           "failure record); false: pause")


class WebhookEndpointOut(BaseModel):
    id: uuid.UUID
    url: str
    description: str | None
    events: list[str]
    enabled: bool
    disabled_reason: str | None
    disabled_at: datetime | None
    failure_streak: int = Field(description="Failed attempts since the last delivered one")
    first_failure_at: datetime | None
    last_success_at: datetime | None
    created_at: datetime


class WebhookEndpointCreated(WebhookEndpointOut):
    secret: str = Field(description="The signing secret (whsec_...): shown this once")


class RotateSecretIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    keep_previous_for_s: int = Field(
        default=86400, ge=0, le=7 * 86400,
        description="How long deliveries stay signed with the old secret too (a second "
                    "signature in webhook-signature), so receivers switch without refusing "
                    "any; 0 stops the old secret at once (it leaked)")


class WebhookSecretOut(BaseModel):
    id: uuid.UUID
    secret: str = Field(description="The new signing secret (whsec_...): shown this once")
    previous_valid_until: datetime | None = Field(
        default=None, description="Until when the old secret still signs deliveries")


class WebhookDeliveryOut(BaseModel):
    id: uuid.UUID
    message_id: uuid.UUID | None = Field(description="The outbox message that carried it")
    event_id: str = Field(description="The webhook-id header: the same on every attempt")
    event_type: str
    attempt: int
    status_code: int | None
    error: str | None
    duration_ms: int
    response_excerpt: str | None = Field(description="The answer's first KB")
    at: datetime


class WebhookQueuedOut(BaseModel):
    message_id: uuid.UUID
    event_id: str
    event_type: str
