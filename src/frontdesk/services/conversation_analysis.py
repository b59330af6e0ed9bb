"""Post-call analysis: written when a conversation ends, refined by an LLM when one is
configured, and a hook called once the analysis of an ending is final (ADR 0065).

Every place a conversation ends calls :func:`on_ended` inside the transaction that ends
it. The rules' analysis (``conversation_analysis_rules``) is stored at once. Without an
LLM it is final there and then, and :func:`analysis_final` is called in that same
transaction. With one, the analysis is stored as "refining" and an outbox row (channel
"analysis", recipient the conversation id, one per ending) asks the LLM to reword it;
the delivery side (``delivery.analysis_sender``) hands what the model said to
:func:`finish_refinement`, which keeps only what an LLM may change, falls back to the
rules' analysis with ``llm_error`` on any failure, and calls :func:`analysis_final`.

An ending is told apart by the caller turns at the time (``ending``): a conversation
that ends, resumes and ends again is analysed again, and a refinement that arrives after
the conversation resumed is dropped (that ending was superseded; the later one has its
own analysis and its own final call).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.observability.metrics import CONVERSATION_ANALYSES
from frontdesk.services import event_data, events
from frontdesk.services.conversation_analysis_rules import (
    ConversationAnalysis,
    EndedConversation,
    Intent,
    ToolTurn,
    analyse,
)
from frontdesk.services.notices.outbox import Draft, write
from frontdesk.store.db import write_session
from frontdesk.store.models import Conversation, ConversationTurn, OutboxMessage, Service, Tenant

__all__ = [
    "CHANNEL",
    "AnalysisRefiner",
    "LLMProposal",
    "RefinementFailed",
    "RefinementRequest",
    "analysis_final",
    "analysis_of",
    "backfill",
    "finish_refinement",
    "is_last_attempt",
    "on_changed",
    "on_ended",
    "refinement_request",
]

CHANNEL = "analysis"  # the outbox channel of LLM refinements
# A model that is down gets a few tries (the worker's backoff: 5 s, 10 s) before the
# rules' analysis is made final: the ``conversation.ended`` event should not wait long.
REFINE_ATTEMPTS = 3
# The tool turns an analysis reads, the latest: a turn that ends a conversation reads a
# bounded number of rows, not the record (ADR 0025); a real call has a handful.
MAX_TOOL_TURNS = 60
# The outcomes whose success an LLM may judge: the others are settled by what happened.
JUDGED_OUTCOMES = (None, "info", "transferred", "abandoned")


class RefinementFailed(Exception):
    """The model gave no usable answer. ``reason``: a short label kept as ``llm_error``;
    ``transient``: worth another try (the server was down or slow)."""

    def __init__(self, reason: str, *, transient: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.transient = reason[:200], transient


@dataclass(frozen=True, slots=True)
class RefinementRequest:
    """What the model is shown: the rules' analysis and what was said."""

    business: str
    analysis: ConversationAnalysis
    transcript: list[tuple[str, str]]  # (user | assistant, text), in order


class AnalysisRefiner(Protocol):
    """Proposes an LLM's analysis as JSON (``LLMProposal``'s shape); raises
    ``RefinementFailed`` when it cannot."""

    def refine(self, request: RefinementRequest) -> dict[str, Any]: ...


class LLMProposal(BaseModel):
    """What an LLM may say about a conversation; anything else it says is ignored."""

    summary: str = Field(min_length=1, max_length=600)
    intent: Intent
    success: bool
    success_rationale: str = Field(min_length=1, max_length=500)
    transfer_reason: str | None = Field(default=None, max_length=300)


def on_ended(session: Session, tenant: Tenant, row: Conversation, *, refine: bool) -> None:
    """``row`` has just ended (inside the transaction that ended it): store the rules'
    analysis; queue an LLM refinement when ``refine``, else the analysis is final now."""
    analysis = _compute(session, tenant, row)
    if not refine:
        row.analysis = _dump(analysis)
        analysis_final(session, tenant, row)
        return
    row.analysis = _dump(analysis.model_copy(update={"status": "refining"}))
    write(session, [Draft(
        tenant_id=tenant.id, channel=CHANNEL, purpose="analysis", recipient=str(row.id),
        payload={"tenant_id": str(tenant.id), "ending": analysis.ending},
        dedupe_key=f"analysis:{row.id}:{analysis.ending}", max_attempts=REFINE_ATTEMPTS)])


def on_changed(session: Session, tenant: Tenant, row: Conversation) -> None:
    """An ended conversation's facts changed without a new ending (a call's outcome set
    again by the carrier's status): the rules' analysis is made again, keeping its status
    (a refinement still queued applies to it; no second final call)."""
    current = _parse(row.analysis)
    fresh = _compute(session, tenant, row)
    if current is not None:
        fresh = fresh.model_copy(update={"status": current.status})
    row.analysis = _dump(fresh)


def analysis_final(session: Session, tenant: Tenant, row: Conversation) -> None:
    """Called exactly once per ending, in the transaction that made ``row.analysis``
    final: at the end itself without an LLM; after the LLM's refinement was merged, or
    after it failed for good and the rules' analysis stands.

    Emits ``conversation.ended`` with that analysis: an outbox row per subscribed webhook
    endpoint in this same transaction, so the event goes out if and only if the analysis
    it carries was committed. Keyed by the ending, so a conversation that resumes and
    ends again sends a second event; a redelivered refinement sends none."""
    analysis = row.analysis or {}
    ending = analysis.get("ending", row.turn_count)
    # The LLM was asked if its words were used or it failed (llm_error says why).
    if analysis.get("engine") == "llm":
        _count_when_committed(session, ("llm", "final"))
    else:
        _count_when_committed(session, ("llm", "fallback") if analysis.get("llm_error")
                              else ("rules", "final"))
    events.emit(session, tenant.id, "conversation.ended",
                lambda: event_data.conversation_data(tenant, row),
                key=f"{row.id}:{ending}", customer_id=row.customer_id)


def refinement_request(factory: sessionmaker[Session], tenant_id: uuid.UUID,
                       conversation_id: uuid.UUID, ending: int) -> RefinementRequest | None:
    """What to show the model for this ending; None when there is nothing to refine (the
    conversation is gone, resumed, or its analysis already final)."""
    with factory() as session:
        row = session.get(Conversation, conversation_id)
        current = _pending(row, tenant_id, ending)
        if row is None or current is None:
            return None
        said = [(t.role, t.text or "") for t in _turns(session, row.id)
                if t.role in ("user", "assistant")]
        tenant = session.get_one(Tenant, tenant_id)
        return RefinementRequest(tenant.name, current, said)


def finish_refinement(factory: sessionmaker[Session], tenant_id: uuid.UUID,
                      conversation_id: uuid.UUID, ending: int, *,
                      proposal: dict[str, Any] | None, error: str | None) -> str:
    """Merge the model's ``proposal`` (or record ``error``) into the ending's analysis,
    make it final and call :func:`analysis_final`. Idempotent (the outbox delivers at
    least once): an analysis already final is left alone. Returns the engine that wrote
    the final analysis ("llm" or "rules"), or "superseded"."""
    with write_session(factory) as session:
        row = session.get(Conversation, conversation_id, with_for_update=True)
        current = _pending(row, tenant_id, ending)
        if row is None or current is None:
            return "superseded"
        final = _merge(current, proposal, error)
        row.analysis = _dump(final)
        analysis_final(session, session.get_one(Tenant, tenant_id), row)
        return final.engine


def is_last_attempt(factory: sessionmaker[Session], message_id: uuid.UUID) -> bool:
    """The outbox row's tries are spent with this one: a failure now is final."""
    with factory() as session:
        row = session.get(OutboxMessage, message_id)
        return row is None or row.attempts >= row.max_attempts


def analysis_of(session: Session, tenant: Tenant, row: Conversation) -> ConversationAnalysis | None:
    """The stored analysis; for a conversation ended before analyses were kept, the
    rules' one computed now (not stored: reads write nothing). None while live."""
    stored = _parse(row.analysis)
    if stored is not None or row.ended_at is None:
        return stored
    return _compute(session, tenant, row)


def backfill(factory: sessionmaker[Session], *, since: datetime | None = None,
             limit: int = 1000) -> int:
    """Store the rules' analysis on ended conversations that have none (ended before
    revision 0023), oldest first, at most ``limit``; how many were analysed. Fires no
    hook: these endings are history, not news."""
    query = select(Conversation).where(Conversation.ended_at.is_not(None),
                                       Conversation.analysis.is_(None))
    if since is not None:
        query = query.where(Conversation.ended_at >= since)
    with write_session(factory) as session:
        rows = list(session.scalars(query.order_by(Conversation.ended_at).limit(limit)))
        for row in rows:
            row.analysis = _dump(_compute(session, session.get_one(Tenant, row.tenant_id), row))
        return len(rows)


# --- helpers -------------------------------------------------------------------------


def _compute(session: Session, tenant: Tenant, row: Conversation) -> ConversationAnalysis:
    tools = [ToolTurn(t.tool_name or "", dict(t.tool_args or {}), dict(t.tool_result or {}))
             for t in _tool_turns(session, row.id)]
    names = {str(service_id): name for service_id, name in session.execute(
        select(Service.id, Service.name).where(Service.tenant_id == tenant.id))}
    first = (tenant.languages or ["en"])[0]
    return analyse(EndedConversation(
        channel=row.channel, language=row.language, outcome=row.outcome,
        state=dict(row.state or {}),
        customer_id=str(row.customer_id) if row.customer_id else None,
        turn_count=row.turn_count, started_at=row.started_at, ended_at=row.ended_at,
        tools=tools, service_names=names,
        summary_language=first if first in ("en", "es") else "en"), datetime.now(UTC))


def _tool_turns(session: Session, conversation_id: uuid.UUID) -> list[ConversationTurn]:
    """The last ``MAX_TOOL_TURNS`` tool turns, in order: the ending turn's cost stays
    bounded however long the conversation was (ADR 0025)."""
    latest = list(session.scalars(
        select(ConversationTurn)
        .where(ConversationTurn.conversation_id == conversation_id,
               ConversationTurn.role == "tool")
        .order_by(ConversationTurn.seq.desc()).limit(MAX_TOOL_TURNS)))
    return latest[::-1]


def _turns(session: Session, conversation_id: uuid.UUID) -> list[ConversationTurn]:
    return list(session.scalars(select(ConversationTurn)
                                .where(ConversationTurn.conversation_id == conversation_id)
                                .order_by(ConversationTurn.seq)))


def _pending(row: Conversation | None, tenant_id: uuid.UUID,
             ending: int) -> ConversationAnalysis | None:
    """The analysis of this ending while it waits for the model, else None."""
    if row is None or row.tenant_id != tenant_id or row.ended_at is None:
        return None
    current = _parse(row.analysis)
    if current is None or current.ending != ending or current.status != "refining":
        return None
    return current


def _merge(rules: ConversationAnalysis, proposal: dict[str, Any] | None,
           error: str | None) -> ConversationAnalysis:
    """The final analysis: the model's words where it may change them, the rules' facts
    everywhere. Writes done in the conversation fix the intent; outcomes other than
    ``JUDGED_OUTCOMES`` fix success."""
    if proposal is None:
        return rules.model_copy(update={"status": "final", "llm_error": error or "no answer"})
    try:
        said = LLMProposal.model_validate(proposal)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "answer"
        return rules.model_copy(update={
            "status": "final", "llm_error": f"invalid: {where}: {first['msg']}"[:200]})
    update: dict[str, Any] = {"status": "final", "engine": "llm", "llm_error": None,
                              "summary": said.summary,
                              "success_rationale": said.success_rationale}
    if not rules.appointments:
        update["intent"] = said.intent
    if rules.outcome in JUDGED_OUTCOMES and said.success != rules.success:
        update.update(success=said.success, success_basis="llm_judgement")
    if rules.outcome == "transferred" and said.transfer_reason:
        update["transfer_reason"] = said.transfer_reason
    return rules.model_copy(update=update)


def _parse(stored: dict[str, Any] | None) -> ConversationAnalysis | None:
    if not stored:
        return None
    try:
        return ConversationAnalysis.model_validate(stored)
    except ValidationError:
        return None  # an older shape: computed again where needed


def _dump(analysis: ConversationAnalysis) -> dict[str, Any]:
    return analysis.model_dump(mode="json")


# --- frontdesk_conversation_analyses_total, counted once the final analysis is committed --
_COUNTS = "frontdesk_analyses_final"  # session.info key: (engine, result) pairs to count


def _count_when_committed(session: Session, labels: tuple[str, str]) -> None:
    # on_ended runs inside the caller's transaction: an ending rolled back is not counted.
    session.info.setdefault(_COUNTS, []).append(labels)


@event.listens_for(Session, "after_commit")
def _count_committed(session: Session) -> None:
    for engine, result in session.info.pop(_COUNTS, ()):
        CONVERSATION_ANALYSES.labels(engine, result).inc()


@event.listens_for(Session, "after_rollback")
def _forget_counts(session: Session) -> None:
    session.info.pop(_COUNTS, None)
