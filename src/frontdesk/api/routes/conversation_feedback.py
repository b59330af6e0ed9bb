"""Staff's feedback on a conversation or one of the agent's replies: good or bad, why."""

from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Response, status

from frontdesk.api.analysis_schemas import FeedbackIn, FeedbackOut
from frontdesk.services import conversation_feedback as feedback
from frontdesk.services.conversation_feedback import ConversationFeedback, FeedbackFields
from frontdesk.services.tenants import Tenant
from frontdesk.web.deps import CallerDep, FactoryDep, SessionDep, TenantDep

router = APIRouter(prefix="/api/v1/conversations/{conversation_id}/feedback",
                   tags=["conversations"])


@router.post("", response_model=FeedbackOut, status_code=status.HTTP_201_CREATED)
def rate(conversation_id: uuid.UUID, body: FeedbackIn, caller: CallerDep,
         factory: FactoryDep) -> FeedbackOut:
    """Rate the conversation, or one reply (``turn``: its seq). Your key's earlier rating
    of the same thing is replaced."""
    row = feedback.rate(factory, caller.tenant, conversation_id, f"api_key:{caller.key_id}",
                        FeedbackFields(body.rating, body.reason or None, body.category,
                                       body.turn))
    return feedback_out(row, caller.tenant)


@router.get("", response_model=list[FeedbackOut])
def list_feedback(conversation_id: uuid.UUID, tenant: TenantDep,
                  session: SessionDep) -> list[FeedbackOut]:
    """Every current rating of the conversation and its replies, oldest first."""
    return [feedback_out(r, tenant) for r in feedback.feedback_for(session, tenant,
                                                                   conversation_id)]


@router.delete("/{feedback_id}", status_code=status.HTTP_204_NO_CONTENT,
               response_class=Response)
def withdraw(conversation_id: uuid.UUID, feedback_id: uuid.UUID, tenant: TenantDep,
             factory: FactoryDep) -> Response:
    feedback.remove(factory, tenant, conversation_id, feedback_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def feedback_out(row: ConversationFeedback, tenant: Tenant) -> FeedbackOut:
    return FeedbackOut(id=row.id, conversation_id=row.conversation_id, turn=row.turn_seq,
                       rating=row.rating,  # type: ignore[arg-type]
                       reason=row.reason, category=row.category, author=row.author,
                       created_at=row.created_at.astimezone(ZoneInfo(tenant.timezone)))
