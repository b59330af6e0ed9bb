"""What a finished conversation came to, read from its record alone (issue 17, ADR 0065).

A pure function of the conversation row as it ended: its outcome, the dialogue state the
brain left (plain JSON here, so this module needs nothing of the brain) and its tool
turns (name, arguments, result). The same record always gives the same analysis; an LLM
may later reword it (``conversation_analysis``) but never changes what is read here as
fact: the outcome, the appointments written and their times, the ids.

State keys read: ``goal``, ``service_id``, ``time`` (the caller's last time, a
serialised ``TimeMention``), ``offered``. Tools read: ``book``, ``reschedule``,
``cancel`` (their appointment), ``find_open_slots`` (the times searched, ``near`` the
one asked for), ``transfer_to_human`` (its reason), ``business_info`` and any refusal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

__all__ = [
    "ANALYSIS_VERSION",
    "AppointmentChange",
    "ConversationAnalysis",
    "EndedConversation",
    "Intent",
    "RequestedTime",
    "ServiceRef",
    "ToolTurn",
    "analyse",
]

ANALYSIS_VERSION = 1
Intent = Literal["book", "reschedule", "cancel", "info", "human", "opt_out", "other"]
INTENTS: tuple[str, ...] = ("book", "reschedule", "cancel", "info", "human", "opt_out",
                            "other")
# The transfer reason the rules give when the caller asked for a person (conversation/
# policy.py); any other reason is a hand-over because the agent could not help.
ASKED_FOR_PERSON = "caller asked for a person"
_WRITES = {"book": "booked", "reschedule": "rescheduled", "cancel": "cancelled"}
_GOALS: dict[str, Intent] = {"book": "book", "reschedule": "reschedule", "cancel": "cancel",
                             "my_appointments": "info", "availability": "info",
                             "hours": "info"}
_TASKS = ("book", "reschedule", "cancel")


class ServiceRef(BaseModel):
    id: str | None = None
    name: str


class RequestedTime(BaseModel):
    """A time the caller asked for: their words when known, and the instant or window."""

    text: str | None = None
    start: str | None = None  # ISO 8601 with the business's offset
    end: str | None = None  # exclusive; None for an instant


class AppointmentChange(BaseModel):
    action: Literal["booked", "rescheduled", "cancelled"]
    appointment_id: str
    start: str
    end: str | None = None
    service: str | None = None
    resource: str | None = None


class ConversationAnalysis(BaseModel):
    """The analysis kept on ``conversations.analysis`` (a JSON column)."""

    version: int = ANALYSIS_VERSION
    engine: Literal["rules", "llm"] = "rules"
    # "refining": the rules' analysis, an LLM's rewording is queued; "final": settled.
    status: Literal["final", "refining"] = "final"
    summary: str
    summary_language: str
    intent: Intent
    outcome: str | None
    success: bool
    # Why ``success`` is what it is, as a stable code (ADR 0065 lists them).
    success_basis: str
    success_rationale: str | None = None  # an LLM's words; the rules leave it empty
    service: ServiceRef | None = None
    requested_times: list[RequestedTime] = Field(default_factory=list)
    booked_times: list[str] = Field(default_factory=list)
    appointments: list[AppointmentChange] = Field(default_factory=list)
    transfer_reason: str | None = None
    refusals: list[str] = Field(default_factory=list)  # tools' refusal codes, in order
    language: str
    channel: str
    customer_id: str | None = None
    turns: int
    duration_s: int | None = None
    ending: int  # the caller turns when it ended: tells one ending from a later one
    analysed_at: datetime
    llm_error: str | None = None  # why an LLM's rewording was not used


@dataclass(frozen=True, slots=True)
class ToolTurn:
    name: str
    args: dict[str, Any]
    result: dict[str, Any]


@dataclass(frozen=True, slots=True)
class EndedConversation:
    """The record as it ended, and what the analysis needs beside it."""

    channel: str
    language: str
    outcome: str | None
    state: dict[str, Any]
    customer_id: str | None
    turn_count: int
    started_at: datetime
    ended_at: datetime | None
    tools: list[ToolTurn] = field(default_factory=list)
    service_names: dict[str, str] = field(default_factory=dict)  # service id -> name
    summary_language: str = "en"  # the business's first language (en or es)


def analyse(ended: EndedConversation, now: datetime) -> ConversationAnalysis:
    """The deterministic analysis of ``ended`` (``now``: when it was made)."""
    changes = _changes(ended.tools)
    intent = _intent(ended, changes)
    transfer = _transfer_reason(ended.tools)
    success, basis = _success(
        "info" if ended.outcome == "abandoned" and intent == "info" and _answered(ended)
        else ended.outcome, intent, transfer)
    service = _service(ended, changes)
    requested = _requested(ended)
    lang = ended.summary_language if ended.summary_language in _SUMMARY else "en"
    duration = (int((ended.ended_at - ended.started_at).total_seconds())
                if ended.ended_at is not None else None)
    customer = ended.customer_id or next(
        (c for c in (_customer_of(t) for t in ended.tools) if c), None)
    return ConversationAnalysis(
        summary=_summary(lang, ended.outcome, intent, service, changes, requested, transfer),
        summary_language=lang, intent=intent, outcome=ended.outcome, success=success,
        success_basis=basis, service=service, requested_times=requested,
        booked_times=[c.start for c in changes if c.action != "cancelled"],
        appointments=changes, transfer_reason=transfer,
        refusals=[str(t.result.get("error")) for t in ended.tools
                  if t.result.get("ok") is False and t.result.get("error")],
        language=ended.language, channel=ended.channel, customer_id=customer,
        turns=ended.turn_count, duration_s=duration, ending=ended.turn_count, analysed_at=now)


def _changes(tools: list[ToolTurn]) -> list[AppointmentChange]:
    changes = []
    for t in tools:
        appointment = t.result.get("appointment")
        if t.name in _WRITES and t.result.get("ok") and isinstance(appointment, dict):
            changes.append(AppointmentChange(
                action=_WRITES[t.name],  # type: ignore[arg-type]
                appointment_id=str(appointment.get("id")), start=str(appointment.get("start")),
                end=appointment.get("end"), service=appointment.get("service_name"),
                resource=appointment.get("resource_name")))
    return changes


def _intent(ended: EndedConversation, changes: list[AppointmentChange]) -> Intent:
    """What the caller came for: a write that happened says it; else the task the brain
    worked on; else what the tools and the outcome show."""
    if changes:
        return {"booked": "book", "rescheduled": "reschedule",
                "cancelled": "cancel"}[changes[0].action]  # type: ignore[return-value]
    goal = _GOALS.get(str(ended.state.get("goal")))
    if goal is not None:
        return goal
    names = [t.name for t in ended.tools]
    tried = next((n for n in names if n in _WRITES), None)
    if tried is not None:
        return {"book": "book", "reschedule": "reschedule",
                "cancel": "cancel"}[tried]  # type: ignore[return-value]
    if "find_open_slots" in names:
        return "book"
    if ended.outcome == "opted_out":
        return "opt_out"
    if ended.outcome == "transferred":
        return "human"
    if _answered(ended) or "business_info" in names:
        return "info"
    return "other"


def _answered(ended: EndedConversation) -> bool:
    """A question was answered: the outcome says so, or the brain marked the answer in
    its state (a caller who asks the hours and hangs up is "abandoned" on the row only
    because nobody said goodbye)."""
    return ended.outcome == "info" or ended.state.get("outcome") == "info"


def _transfer_reason(tools: list[ToolTurn]) -> str | None:
    reasons = [str(t.args.get("reason") or "") for t in tools if t.name == "transfer_to_human"]
    return next((r for r in reasons if r), None)


def _success(outcome: str | None, intent: Intent, transfer: str | None) -> tuple[bool, str]:
    """Did the caller get what they came for (ADR 0065)? With the code saying why."""
    if outcome in ("booked", "rescheduled", "cancelled"):
        return True, "completed"
    if outcome == "opted_out":
        return True, "opt_out_honoured"
    if outcome == "transferred":
        if transfer == ASKED_FOR_PERSON:
            return True, "asked_for_person"
        return False, "transferred_unresolved"
    if outcome in ("info", "abandoned") and intent in _TASKS:
        return False, "abandoned_mid_task"
    if outcome == "info":
        return True, "answered"
    if outcome == "voicemail":
        return False, "voicemail"
    if outcome == "abandoned":
        return False, "abandoned"
    return False, "no_outcome"


def _service(ended: EndedConversation, changes: list[AppointmentChange]) -> ServiceRef | None:
    if changes and changes[0].service:
        found = next((t.result["appointment"].get("service_id") for t in ended.tools
                      if t.name in _WRITES and t.result.get("ok")
                      and isinstance(t.result.get("appointment"), dict)), None)
        return ServiceRef(id=found, name=changes[0].service)
    searched = [str(t.args.get("service_id")) for t in ended.tools
                if t.name == "find_open_slots" and t.args.get("service_id")]
    service_id = ended.state.get("service_id") or (searched[-1] if searched else None)
    if service_id and str(service_id) in ended.service_names:
        return ServiceRef(id=str(service_id), name=ended.service_names[str(service_id)])
    return None


def _requested(ended: EndedConversation) -> list[RequestedTime]:
    """The caller's last stated time (their words), then each time searched for them."""
    found: list[RequestedTime] = []
    said = ended.state.get("time")
    if isinstance(said, dict):
        found.append(RequestedTime(
            text=said.get("text"), start=said.get("value") or said.get("start_at"),
            end=None if said.get("value") else said.get("end_at")))
    for t in ended.tools:
        if t.name != "find_open_slots":
            continue
        near = t.args.get("near")
        asked = RequestedTime(start=near or t.args.get("start"),
                              end=None if near else t.args.get("end"))
        # A search from the start of a time already listed is that request again (the
        # stated "3 pm" is searched as 3:00-3:01): one entry, the caller's words kept.
        if all(r.start != asked.start for r in found):
            found.append(asked)
    return found


def _customer_of(t: ToolTurn) -> str | None:
    appointment = t.result.get("appointment")
    if t.name in _WRITES and isinstance(appointment, dict) and appointment.get("customer_id"):
        return str(appointment["customer_id"])
    return None


def _when(value: str) -> str:
    """An ISO time as "2027-01-13 10:00" (the business's wall clock, either language)."""
    try:
        return datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return value


_SUMMARY: dict[str, dict[str, str]] = {
    "en": {
        "booked": "The caller booked {service} for {when}.",
        "rescheduled": "The caller moved {service} to {when}.",
        "cancelled": "The caller cancelled {service} on {when}.",
        "transferred": "The caller was put through to a person ({reason}).",
        "opted_out": "The person asked not to be contacted again.",
        "voicemail": "The call reached voicemail; a message was left.",
        "answered": "The caller asked about {topic} and got an answer; nothing was booked.",
        "abandoned_mid_task": "The caller wanted to {task} {service} but left before it "
                              "was done.",
        "abandoned": "The conversation ended without a request being made.",
        "asked": "They asked for {asked}.",
        "a_service": "an appointment", "topic_info": "the business",
        "task_book": "book", "task_reschedule": "move", "task_cancel": "cancel",
    },
    "es": {
        "booked": "El cliente reservó {service} para el {when}.",
        "rescheduled": "El cliente cambió {service} al {when}.",
        "cancelled": "El cliente canceló {service} del {when}.",
        "transferred": "Se pasó al cliente con una persona ({reason}).",
        "opted_out": "La persona pidió que no se la vuelva a contactar.",
        "voicemail": "La llamada llegó al buzón de voz; se dejó un mensaje.",
        "answered": "El cliente preguntó por {topic} y obtuvo respuesta; no se reservó nada.",
        "abandoned_mid_task": "El cliente quería {task} {service} pero se fue antes de "
                              "terminar.",
        "abandoned": "La conversación terminó sin que se hiciera ninguna petición.",
        "asked": "Pidió {asked}.",
        "a_service": "una cita", "topic_info": "el negocio",
        "task_book": "reservar", "task_reschedule": "cambiar", "task_cancel": "cancelar",
    },
}


def _summary(lang: str, outcome: str | None, intent: Intent, service: ServiceRef | None,
             changes: list[AppointmentChange], requested: list[RequestedTime],
             transfer: str | None) -> str:
    words = _SUMMARY[lang]
    name = service.name if service else words["a_service"]
    if changes:
        last = changes[-1]
        first = words[last.action].format(service=last.service or name, when=_when(last.start))
    elif outcome == "transferred":
        first = words["transferred"].format(reason=transfer or "—")
    elif outcome in ("opted_out", "voicemail"):
        first = words[outcome]
    elif intent in _TASKS:
        first = words["abandoned_mid_task"].format(task=words[f"task_{intent}"], service=name)
    elif outcome == "info" or intent == "info":
        first = words["answered"].format(topic=name if service else words["topic_info"])
    else:
        first = words["abandoned"]
    asked = next((r.text or (_when(r.start) if r.start else None) for r in requested), None)
    if asked and not changes:
        return f"{first} {words['asked'].format(asked=asked)}"
    return first


def scrubbed(analysis: dict[str, Any], marker: str) -> dict[str, Any]:
    """``analysis`` without anything said in words: what erasure and retention leave of
    it. The summary (an LLM may have written a name into it), the LLM's rationale, the
    caller's own words for times, a transfer's reason and the customer link go; the
    structure the insights count stays (intent, outcome, success, service, times booked,
    language, channel, turns, duration)."""
    out = dict(analysis)
    out["summary"] = marker
    out["success_rationale"] = None
    out["transfer_reason"] = marker if analysis.get("transfer_reason") else None
    out["customer_id"] = None
    out["requested_times"] = [{**t, "text": None} for t in analysis.get("requested_times") or []
                              if isinstance(t, dict)]
    return out
