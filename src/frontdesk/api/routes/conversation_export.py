"""The conversation export: redacted conversations with every turn, for fine-tuning and
for capturing eval scenarios (``frontdesk export`` / ``frontdesk eval capture --url``)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from frontdesk.api.export_schemas import ExportedConversationOut, ExportPageOut
from frontdesk.api.timeparams import parse_bound
from frontdesk.services.conversation_export import Exporter, ExportFilter
from frontdesk.web import bounds
from frontdesk.web.deps import SessionDep, TenantDep

router = APIRouter(prefix="/api/v1/conversations", tags=["conversations"])

OUTCOMES = r"^[a-z_]{1,16}(,[a-z_]{1,16}){0,9}$"


@router.get("/export", response_model=ExportPageOut)
def export_page(
    tenant: TenantDep,
    session: SessionDep,
    outcome: Annotated[str | None, Query(pattern=OUTCOMES,
                                         description="One or more, comma-separated")] = None,
    language: Annotated[str | None, Query(max_length=8)] = None,
    channel: Annotated[str | None, Query(max_length=16)] = None,
    since: Annotated[str | None, Query(description="Started at or after: date or datetime")] = None,
    until: Annotated[str | None, Query(description="Started before: date (inclusive) or "
                                                   "datetime (exclusive)")] = None,
    feedback: Annotated[Literal["good", "bad"] | None,
                        Query(description="bad: someone rated it bad; good: rated good "
                                          "and by nobody bad")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=bounds.MAX_OFFSET)] = 0,
) -> dict[str, Any]:
    """Conversations oldest first, each with every turn and tool call, redacted."""
    where = ExportFilter(
        outcomes=tuple(outcome.split(",")) if outcome else (), language=language,
        channel=channel, since=parse_bound(since, tenant, "since") if since else None,
        until=parse_bound(until, tenant, "until", end=True) if until else None,
        feedback=feedback)
    found = Exporter(session, tenant).page(where, limit=limit, offset=offset)
    more = len(found) == limit and offset + limit <= bounds.MAX_OFFSET
    return {"conversations": found, "next_offset": offset + limit if more else None}


@router.get("/{conversation_id}/export", response_model=ExportedConversationOut)
def export_one(conversation_id: uuid.UUID, tenant: TenantDep,
               session: SessionDep) -> dict[str, Any]:
    """One conversation with every turn and tool call, redacted."""
    return Exporter(session, tenant).one(conversation_id)
