from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel

from frontdesk.errors import NotFound
from frontdesk.services.feeds import feed_for_token, rotate_token
from frontdesk.services.lookup import get_scoped
from frontdesk.services.record_updates import remove_feed
from frontdesk.services.records import Resource, write_session
from frontdesk.web.deps import FactoryDep, SessionDep, TenantDep

router = APIRouter(tags=["calendar feeds"])


class FeedOut(BaseModel):
    url: str


@router.post(
    "/api/v1/resources/{resource_id}/feed",
    response_model=FeedOut,
    summary="Create or rotate the resource's secret iCalendar feed URL",
)
def create_feed(
    resource_id: uuid.UUID, tenant: TenantDep, factory: FactoryDep, request: Request
) -> FeedOut:
    with write_session(factory) as session:
        token = rotate_token(get_scoped(session, Resource, tenant.id, resource_id))
    return FeedOut(url=str(request.url_for("calendar_feed", token=f"{token}.ics")))


@router.delete("/api/v1/resources/{resource_id}/feed", status_code=status.HTTP_204_NO_CONTENT)
def delete_feed(resource_id: uuid.UUID, tenant: TenantDep, factory: FactoryDep) -> None:
    with write_session(factory) as session:
        remove_feed(session, tenant, resource_id)


@router.get(
    "/calendars/{token}",
    name="calendar_feed",
    response_class=Response,
    summary="A resource's bookings as iCalendar (the token is the credential)",
)
def calendar_feed(token: str, session: SessionDep) -> Response:
    text = feed_for_token(session, token.removesuffix(".ics"))
    if text is None:
        raise NotFound("No calendar feed at this address; it may have been rotated.")
    return Response(text, media_type="text/calendar; charset=utf-8")
