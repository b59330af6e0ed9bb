"""What the policy knows about the business for one turn, and what it decides."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from frontdesk.conversation.personas import Persona
from frontdesk.conversation.tools import Tools
from frontdesk.nlu.types import ServiceName
from frontdesk.services.agent_context import BusinessInfo, Tenant
from frontdesk.services.outbound_context import CampaignContext


@dataclass(frozen=True, slots=True)
class ServiceInfo:
    id: str
    name: str
    spoken: dict[str, list[str]]
    duration_minutes: int
    price_cents: int | None = None  # None: the business gave no price (never guessed)

    def spoken_name(self, lang: str) -> str:
        names = self.spoken.get(lang) or []
        return names[0] if names and lang != "en" else self.name.lower()

    def as_nlu(self) -> ServiceName:
        return ServiceName(service_id=self.id, name=self.name, synonyms=self.spoken)


@dataclass
class TurnContext:
    tenant: Tenant
    persona: Persona
    services: list[ServiceInfo]
    tools: Tools
    now: datetime  # aware, in the tenant's zone
    caller_phone: str | None
    hours: dict[int, list[tuple[str, str]]] = field(default_factory=dict)  # weekday -> ranges
    resources: list[tuple[str, str]] = field(default_factory=list)  # (id, name), active
    # The caller asked for someone in particular ("with Marco"): searches keep to them.
    resource_id: str | None = None
    # The caller's rule for the times they can come (DialogueState.rule): searches keep to it.
    rule: dict[str, Any] | None = None
    # The hours the caller can come (DialogueState.limits): every search keeps to them.
    limits: dict[str, str | None] | None = None
    # Starts the caller turned down (DialogueState.declined): searches for other times skip.
    declined: list[str] = field(default_factory=list)
    # The appointment being moved: its own time counts as free for its move.
    moving: str | None = None
    # The door vouches for caller_phone (carrier caller ID); otherwise it is only a claim.
    caller_verified: bool = False
    # How many messages were said before this turn (the history a brain is handed is only
    # the recent window): numbers the LLM driver's writes. None: len(history) is all of it.
    said_before: int | None = None
    # The campaign behind this conversation (a call the dialer placed, a text back to its
    # follow-up): its meeting request is what the agent offers times for.
    campaign: CampaignContext | None = None
    # What the business tells callers in its own words: facts, its FAQ, required details.
    info: BusinessInfo = field(default_factory=lambda: BusinessInfo({}, [], []))

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.tenant.timezone)

    @property
    def today(self) -> date:
        return self.now.date()

    def service(self, service_id: str | None) -> ServiceInfo | None:
        return next((s for s in self.services if s.id == service_id), None)


@dataclass
class Decision:
    text: str
    outcome: str | None = None
    transfer: bool = False
    # Why the rules engine hands over (recorded as the transfer tool's call, as an LLM's
    # handover is, so the reasons are counted alike).
    transfer_reason: str | None = None
    end: bool = False
    reask: bool = False  # the caller's answer did not fit the question; asked again
    # The LLM failed mid-turn after a tool acted: the reply is built from the tool result.
    fallback_reason: str | None = None
    # When the person asked to be called back (aware, UTC), with outcome "callback".
    callback_at: datetime | None = None
