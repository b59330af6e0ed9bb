"""Confirm a group meeting at the slot that suits the most participants (issue 12)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Response, status

from frontdesk.api.participant_schemas import (
    ConfirmBestSlotIn,
    ConfirmBestSlotOut,
    PersonOut,
    RunnerUpOut,
    SlotOut,
    WhyChosenOut,
)
from frontdesk.scheduling.types import Slot
from frontdesk.services.group_booking import GroupConfirmation, confirm_best_slot
from frontdesk.web.deps import FactoryDep, TenantDep

router = APIRouter(prefix="/api/v1/meeting-requests", tags=["meeting requests"])

IdempotencyKey = Annotated[
    str | None,
    Header(max_length=200, description="Send the same key again and the meeting is booked "
           "once: the answer is the first booking's."),
]


@router.post(
    "/{request_id}/confirm-best-slot",
    response_model=ConfirmBestSlotOut,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "A dry run, or the replay of an earlier call's booking"}},
    summary="Book the slot that suits the most participants and tell each of them",
)
def confirm(request_id: uuid.UUID, tenant: TenantDep, factory: FactoryDep, response: Response,
            body: ConfirmBestSlotIn | None = None,
            idempotency_key: IdempotencyKey = None) -> ConfirmBestSlotOut:
    dry_run = body is not None and body.dry_run
    done = confirm_best_slot(factory, tenant, request_id, dry_run=dry_run,
                             idempotency_key=idempotency_key)
    if dry_run or done.replayed:
        response.status_code = status.HTTP_200_OK
    return _out(done, dry_run)


def _out(done: GroupConfirmation, dry_run: bool) -> ConfirmBestSlotOut:
    best, why = done.best, done.best.why

    def people(ids: tuple[uuid.UUID, ...]) -> list[PersonOut]:
        return [PersonOut(id=i, name=done.participants[i]) for i in ids]

    runner = why.runner_up
    return ConfirmBestSlotOut(
        dry_run=dry_run, replayed=done.replayed, slot=_slot(best.slot),
        appointment_id=done.appointment.id if done.appointment is not None else None,
        request_status=done.request_status,  # type: ignore[arg-type]
        available=people(best.available), unavailable=people(best.unavailable),
        unknown=people(best.unknown), notified=list(done.notified),
        why=WhyChosenOut(
            decided_by=why.decided_by, available_count=why.available_count,
            participant_count=why.participant_count, soft_met=list(why.soft_met),
            soft_missed=list(why.soft_missed), considered=why.considered,
            outside_hard=why.outside_hard,
            runner_up=None if runner is None else RunnerUpOut(
                slot=_slot(runner.slot), available_count=len(runner.available))),
    )


def _slot(slot: Slot) -> SlotOut:
    return SlotOut(start=slot.start, end=slot.end, resource_id=uuid.UUID(str(slot.resource_id)))
