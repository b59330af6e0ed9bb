"""``/api/v1/webhook-endpoints``: where a business receives signed events (ADR 0063);
admin keys only, like the API keys themselves (web/scopes.py)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Response, status

from frontdesk.api.webhook_schemas import (
    RotateSecretIn,
    WebhookDeliveryOut,
    WebhookEndpointCreated,
    WebhookEndpointIn,
    WebhookEndpointOut,
    WebhookEndpointPatch,
    WebhookQueuedOut,
    WebhookSecretOut,
)
from frontdesk.services import webhook_deliveries, webhook_endpoints
from frontdesk.services.records import (
    OutboxMessage,
    Tenant,
    WebhookDelivery,
    WebhookEndpoint,
    write_session,
)
from frontdesk.web import bounds
from frontdesk.web.deps import FactoryDep, SessionDep, SettingsDep, TenantDep

router = APIRouter(prefix="/api/v1/webhook-endpoints", tags=["webhooks"])


def endpoint_out(endpoint: WebhookEndpoint, tenant: Tenant) -> WebhookEndpointOut:
    tz = ZoneInfo(tenant.timezone)
    return WebhookEndpointOut(
        id=endpoint.id, url=endpoint.url, description=endpoint.description,
        events=list(endpoint.event_types or []), enabled=endpoint.enabled,
        disabled_reason=endpoint.disabled_reason,
        disabled_at=endpoint.disabled_at.astimezone(tz) if endpoint.disabled_at else None,
        failure_streak=endpoint.failure_streak,
        first_failure_at=(endpoint.first_failure_at.astimezone(tz)
                          if endpoint.first_failure_at else None),
        last_success_at=(endpoint.last_success_at.astimezone(tz)
                         if endpoint.last_success_at else None),
        created_at=endpoint.created_at.astimezone(tz),
    )


def delivery_out(delivery: WebhookDelivery, tenant: Tenant) -> WebhookDeliveryOut:
    return WebhookDeliveryOut(
        id=delivery.id, message_id=delivery.outbox_id, event_id=delivery.event_id,
        event_type=delivery.event_type, attempt=delivery.attempt,
        status_code=delivery.status_code, error=delivery.error,
        duration_ms=delivery.duration_ms, response_excerpt=delivery.response_excerpt,
        at=delivery.at.astimezone(ZoneInfo(tenant.timezone)),
    )


def queued_out(row: OutboxMessage) -> WebhookQueuedOut:
    return WebhookQueuedOut(message_id=row.id, event_id=str(row.payload["id"]),
                            event_type=str(row.payload["type"]))


@router.get("", response_model=list[WebhookEndpointOut])
def list_endpoints(tenant: TenantDep, session: SessionDep) -> list[WebhookEndpointOut]:
    return [endpoint_out(e, tenant) for e in webhook_endpoints.list_endpoints(session, tenant)]


@router.post("", response_model=WebhookEndpointCreated, status_code=status.HTTP_201_CREATED)
def create_endpoint(body: WebhookEndpointIn, tenant: TenantDep, factory: FactoryDep,
                    settings: SettingsDep) -> WebhookEndpointCreated:
    """Register an endpoint. The answer carries its signing secret, this once."""
    fields = webhook_endpoints.EndpointFields(body.url, body.description, tuple(body.events))
    with write_session(factory) as session:
        endpoint, secret = webhook_endpoints.create_endpoint(session, tenant, fields, settings)
        return WebhookEndpointCreated(**endpoint_out(endpoint, tenant).model_dump(),
                                      secret=secret)


@router.get("/{endpoint_id}", response_model=WebhookEndpointOut)
def get_endpoint(endpoint_id: uuid.UUID, tenant: TenantDep,
                 session: SessionDep) -> WebhookEndpointOut:
    return endpoint_out(webhook_endpoints.get_endpoint(session, tenant, endpoint_id), tenant)


@router.patch("/{endpoint_id}", response_model=WebhookEndpointOut)
def update_endpoint(endpoint_id: uuid.UUID, body: WebhookEndpointPatch, tenant: TenantDep,
                    factory: FactoryDep, settings: SettingsDep) -> WebhookEndpointOut:
    with write_session(factory) as session:
        endpoint = webhook_endpoints.update_endpoint(
            session, tenant, endpoint_id, settings, url=body.url,
            description=body.description, event_types=body.events, enabled=body.enabled)
        return endpoint_out(endpoint, tenant)


@router.delete("/{endpoint_id}", status_code=status.HTTP_204_NO_CONTENT,
               response_class=Response)
def delete_endpoint(endpoint_id: uuid.UUID, tenant: TenantDep, factory: FactoryDep) -> Response:
    """Remove the endpoint; events waiting for it are withdrawn."""
    with write_session(factory) as session:
        webhook_endpoints.delete_endpoint(session, tenant, endpoint_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{endpoint_id}/rotate-secret", response_model=WebhookSecretOut)
def rotate_secret(endpoint_id: uuid.UUID, tenant: TenantDep, factory: FactoryDep,
                  settings: SettingsDep, body: RotateSecretIn | None = None) -> WebhookSecretOut:
    """A new signing secret, used from the next delivery on (shown this once); the old
    one signs beside it for ``keep_previous_for_s`` (a day unless said)."""
    keep = timedelta(seconds=(body or RotateSecretIn()).keep_previous_for_s)
    with write_session(factory) as session:
        endpoint, secret = webhook_endpoints.rotate_secret(session, tenant, endpoint_id,
                                                           settings, keep_previous=keep)
        until = endpoint.previous_secret_until
        return WebhookSecretOut(id=endpoint.id, secret=secret, previous_valid_until=(
            until.astimezone(ZoneInfo(tenant.timezone)) if until else None))


@router.get("/{endpoint_id}/deliveries", response_model=list[WebhookDeliveryOut])
def list_deliveries(
    endpoint_id: uuid.UUID, tenant: TenantDep, session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=bounds.MAX_OFFSET)] = 0,
) -> list[WebhookDeliveryOut]:
    """Every delivery attempt, newest first: status code or error, time taken, the
    answer's first KB."""
    rows = webhook_deliveries.list_deliveries(session, tenant, endpoint_id, limit=limit,
                                              offset=offset)
    return [delivery_out(d, tenant) for d in rows]


@router.post("/{endpoint_id}/deliveries/{delivery_id}/replay", response_model=WebhookQueuedOut,
             status_code=status.HTTP_202_ACCEPTED)
def replay(endpoint_id: uuid.UUID, delivery_id: uuid.UUID, tenant: TenantDep,
           factory: FactoryDep) -> WebhookQueuedOut:
    """Send that event again now (``delivery_id``: a delivery's id or its message's), with
    the same ``webhook-id``, so a receiver that has it already can tell."""
    with write_session(factory) as session:
        return queued_out(webhook_deliveries.replay(session, tenant, endpoint_id, delivery_id))


@router.post("/{endpoint_id}/test", response_model=WebhookQueuedOut,
             status_code=status.HTTP_202_ACCEPTED)
def send_test(endpoint_id: uuid.UUID, tenant: TenantDep, factory: FactoryDep) -> WebhookQueuedOut:
    """Queue a ``webhook.test`` event for the endpoint."""
    with write_session(factory) as session:
        return queued_out(webhook_deliveries.send_test(session, tenant, endpoint_id))
