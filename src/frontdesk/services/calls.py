"""Phone calls' records: which conversation a call is, its provider events, how it ended.

A call is a conversation on channel ``phone`` whose ``external_id`` is the provider's
call id. What happens on the line (ringing, answered, completed, a provider event we
acted on) is kept as turns of role ``call`` on its timeline, not in the dialogue state:
the agent rewrites the state on every turn, and a provider event can land mid-turn.
Each such turn carries a request key, so an event is recorded once however often the
provider repeats it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.services import conversation_analysis, event_data, events, request_keys
from frontdesk.services import conversations as records
from frontdesk.services.phone_numbers import tenant_for_number
from frontdesk.store.db import write_session
from frontdesk.store.models import Conversation, Tenant

CHANNEL = "phone"
EVENT_ROLE = "call"
# Two events recorded at once may take the same sequence number: the loser tries again.
_APPEND_TRIES = 3
# A call's last event: Twilio's final statuses, Telnyx's hang-up. Recording one emits
# "call.ended" (once per call, whichever of them comes).
ENDED = frozenset({"completed", "busy", "no-answer", "failed", "canceled", "call.hangup"})


@dataclass(frozen=True, slots=True)
class CallStatus:
    """A provider's word on where the call stands (ringing, in-progress, completed...)."""

    status: str
    at: datetime
    duration_s: int | None = None
    sequence: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {"status": self.status, "at": self.at.isoformat(),
                "duration": self.duration_s, "sequence": self.sequence}


def find_call(factory: sessionmaker[Session], call_id: str,
              numbers: Iterable[str]) -> tuple[Tenant, Conversation] | None:
    """The conversation of this call, with its business: the first of ``numbers`` (the
    called number, then the caller for a call a business placed) whose business has a
    call with this id. None if we never answered or placed it."""
    for number in numbers:
        with factory() as session:
            tenant = tenant_for_number(session, number)
            if tenant is None:
                continue
            row = session.scalars(select(Conversation).where(
                Conversation.tenant_id == tenant.id, Conversation.channel == CHANNEL,
                Conversation.external_id == call_id)).first()
        if row is not None:
            return tenant, row
    return None


def call_by_id(factory: sessionmaker[Session],
               call_id: str) -> tuple[Tenant, Conversation] | None:
    """The conversation of a call known only by the provider's id, with its business: for
    events that name no number (Telnyx's ``call.speak.ended``, ``call.transcription``).
    A provider's call ids are unique, so a second match means it is not ours to guess:
    None, as for a call we never answered or placed."""
    with factory() as session:
        rows = session.scalars(select(Conversation).where(
            Conversation.channel == CHANNEL, Conversation.external_id == call_id).limit(2)).all()
        if len(rows) != 1:
            return None
        return session.get_one(Tenant, rows[0].tenant_id), rows[0]


def last_said(factory: sessionmaker[Session], conversation_id: uuid.UUID) -> tuple[str, str]:
    """The agent's last words and their language, to say again to a provider that
    repeated its webhook; ("", "en") when the agent has said nothing yet."""
    with factory() as session:
        said = [t for t in records.turns(session, conversation_id) if t.role == "assistant"]
    if not said:
        return "", "en"
    return said[-1].text or "", said[-1].language or "en"


def event_seen(factory: sessionmaker[Session], conversation_id: uuid.UUID, key: str) -> bool:
    with factory() as session:
        return request_keys.seen(session, conversation_id, key)


def record_event(factory: sessionmaker[Session], conversation_id: uuid.UUID, key: str,
                 text: str, detail: dict[str, Any] | None = None) -> bool:
    """Append a ``call`` turn keyed by ``key`` once; False if it was already there."""
    row = {"role": EVENT_ROLE, "text": text, "request_key": key, "tool_result": detail}
    for _ in range(_APPEND_TRIES):
        if event_seen(factory, conversation_id, key):
            return False
        try:
            with write_session(factory) as session:
                conversation = session.get_one(Conversation, conversation_id)
                records.append_turns(session, conversation, [dict(row)])
                if text in ENDED and conversation.channel == CHANNEL:
                    _tell_ended(session, conversation, text, detail)
            return True
        except IntegrityError:
            continue
    return False


def _tell_ended(session: Session, conversation: Conversation, status: str,
                detail: dict[str, Any] | None) -> None:
    def data() -> dict[str, Any]:
        tenant = session.get_one(Tenant, conversation.tenant_id)
        return event_data.call_data(tenant, conversation, status, detail)

    events.emit(session, conversation.tenant_id, "call.ended", data,
                key=str(conversation.id), customer_id=conversation.customer_id)


def record_status(factory: sessionmaker[Session], conversation_id: uuid.UUID, key: str,
                  status: CallStatus) -> bool:
    """Keep a status event on the call's timeline once per ``key``."""
    return record_event(factory, conversation_id, key, status.status, status.as_json())


def timeline(session: Session, conversation_id: uuid.UUID) -> list[dict[str, Any]]:
    """The call's status events, in the order they arrived."""
    return [dict(t.tool_result or {}) for t in records.turns(session, conversation_id)
            if t.role == EVENT_ROLE]


def end_with(factory: sessionmaker[Session], tenant: Tenant, conversation_id: uuid.UUID,
             outcome: str, *, refine_analysis: bool = False) -> None:
    """End the call's conversation with ``outcome`` (idempotent: a retried webhook sets it
    again; a later hang-up keeps it, as ``Agent.end`` only fills a missing one). Its
    analysis is stored (``conversation_analysis``); made again if it had ended already
    with another outcome."""
    with write_session(factory) as session:
        row = records.get_conversation(session, tenant, conversation_id)
        changed = row.outcome != outcome
        row.outcome = outcome
        if row.ended_at is None:
            row.ended_at = datetime.now(UTC)
            conversation_analysis.on_ended(session, tenant, row, refine=refine_analysis)
        elif changed:
            conversation_analysis.on_changed(session, tenant, row)
