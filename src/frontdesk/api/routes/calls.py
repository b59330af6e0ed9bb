"""Outbound calls: ask Twilio to call a customer who agreed to be called."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from frontdesk.services.outbound_calls import call_placer, place_call
from frontdesk.web.deps import FactoryDep, SettingsDep, TenantDep

router = APIRouter(prefix="/api/v1/calls", tags=["calls"])


class CallIn(BaseModel):
    to: Annotated[str, Field(min_length=3, max_length=32,
                             description="The customer's phone number (any format)")]
    purpose: Annotated[str, Field(min_length=1, max_length=64)] = "outbound"
    from_: Annotated[str | None, Field(alias="from", max_length=32,
                                       description="One of the business's numbers")] = None


class CallOut(BaseModel):
    call_sid: str
    status: Literal["queued"] = "queued"


@router.post("", status_code=202, response_model=CallOut, summary="Call a customer",
             responses={409: {"description": "No call consent, or on the do-not-call list"},
                        503: {"description": "Twilio is not configured"}})
def create_call(body: CallIn, tenant: TenantDep, factory: FactoryDep,
                settings: SettingsDep) -> CallOut:
    """Twilio dials the customer with answering-machine detection; a person hears the
    agent, a machine hears a short voicemail. Progress arrives on the call's timeline."""
    call_sid = place_call(factory, tenant, call_placer(settings), body.to, from_=body.from_,
                          purpose=body.purpose)
    return CallOut(call_sid=call_sid)
