"""The people a meeting request needs and when they are free (issue 12)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from frontdesk.api.participant_schemas import (
    ParticipantIn,
    ParticipantOut,
    ParticipantPatch,
    WindowOut,
)
from frontdesk.services import meeting_participants as participants
from frontdesk.services.records import MeetingParticipant, write_session
from frontdesk.web.deps import FactoryDep, SessionDep, TenantDep

router = APIRouter(prefix="/api/v1/meeting-requests/{request_id}/participants",
                   tags=["meeting requests"])


@router.post("", response_model=ParticipantOut, status_code=status.HTTP_201_CREATED)
def add(request_id: uuid.UUID, body: ParticipantIn, tenant: TenantDep,
        factory: FactoryDep) -> ParticipantOut:
    with write_session(factory) as session:
        return _out(participants.add_participant(session, tenant, request_id, _fields(body),
                                                 _availability(body)))


@router.get("", response_model=list[ParticipantOut])
def list_all(request_id: uuid.UUID, tenant: TenantDep,
             session: SessionDep) -> list[ParticipantOut]:
    return [_out(p) for p in participants.list_participants(session, tenant, request_id)]


@router.patch("/{participant_id}", response_model=ParticipantOut)
def patch(request_id: uuid.UUID, participant_id: uuid.UUID, body: ParticipantPatch,
          tenant: TenantDep, factory: FactoryDep) -> ParticipantOut:
    with write_session(factory) as session:
        return _out(participants.update_participant(
            session, tenant, request_id, participant_id, _fields(body), _availability(body)))


@router.delete("/{participant_id}", status_code=status.HTTP_204_NO_CONTENT,
               response_class=Response)
def remove(request_id: uuid.UUID, participant_id: uuid.UUID, tenant: TenantDep,
           factory: FactoryDep) -> Response:
    with write_session(factory) as session:
        participants.remove_participant(session, tenant, request_id, participant_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _fields(body: ParticipantIn | ParticipantPatch) -> participants.ParticipantFields:
    return participants.ParticipantFields(name=body.name, phone=body.phone, email=body.email,
                                          timezone=body.timezone, customer_id=body.customer_id)


def _availability(body: ParticipantIn | ParticipantPatch) -> participants.Availability | None:
    if body.availability_text is not None:
        return participants.SaidAvailability(body.availability_text,
                                              body.availability_timezone, body.availability_now)
    if body.availability is not None:
        return [(w.start, w.end) for w in body.availability]
    return None


def _out(row: MeetingParticipant) -> ParticipantOut:
    return ParticipantOut(
        id=row.id, meeting_request_id=row.meeting_request_id, name=row.name,
        phone=row.phone_e164, email=row.email, timezone=row.timezone,
        customer_id=row.customer_id, created_at=row.created_at, updated_at=row.updated_at,
        availability=[WindowOut(start=a, end=b) for a, b in participants.availability_of(row)])
