"""Fixtures and a scripted customer for the doors (chat, OpenAI-compatible, Retell).

The scripted customer answers whatever the agent is waiting for (read from the
conversation's stored state), so the tests assert behaviour — an appointment exists at
the asked time — and survive rewording of the agent's sentences.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.store.models import Appointment, Conversation
from tests.conftest import Business, auth

__all__ = ["auth"]

_EN_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December"]
_ES_MONTHS = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
              "septiembre", "octubre", "noviembre", "diciembre"]


def say_date(day: date, lang: str) -> str:
    """'December 3rd' / '3 de diciembre': a date said the way a customer would."""
    if lang == "es":
        return f"{day.day} de {_ES_MONTHS[day.month - 1]}"
    n = day.day
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{_EN_MONTHS[day.month - 1]} {n}{suffix}"


def opening(day: date, lang: str) -> str:
    if lang == "es":
        return f"Hola, quiero un corte de pelo el {say_date(day, 'es')} a las 10 de la mañana"
    return f"Hi, I'd like a haircut on {say_date(day, 'en')} at 10am"


ANSWERS: dict[str, dict[str, str]] = {
    "en": {"service": "A haircut, please", "choice": "The first one",
           "name": "My name is Alex Smith", "phone": "My number is 212 555 0199",
           "confirm": "Yes", "anything_else": "No, thanks"},
    "es": {"service": "Un corte de pelo", "choice": "La primera",
           "name": "Me llamo Alejandro García", "phone": "Mi número es 212 555 0199",
           "confirm": "Sí", "anything_else": "No, gracias"},
}


def answer_for(state: dict[str, Any], day: date, lang: str) -> str:
    awaiting = state.get("awaiting")
    if awaiting == "time":
        if lang == "es":
            return f"El {say_date(day, 'es')} a las 10 de la mañana"
        return f"On {say_date(day, 'en')} at 10am"
    return ANSWERS[lang].get(str(awaiting), ANSWERS[lang]["confirm"])


@dataclass
class Transcript:
    """Who said what, for a failure message a person can read."""

    lines: list[str] = field(default_factory=list)

    def add(self, who: str, text: str) -> None:
        self.lines.append(f"{who}: {text}")

    def __str__(self) -> str:
        return "\n".join(self.lines)


def stored_state(factory: sessionmaker[Session], business: Business, *,
                 channel: str | None = None, external_id: str | None = None) -> dict[str, Any]:
    """The dialogue state of the business's newest conversation (optionally by door id)."""
    with factory() as session:
        query = select(Conversation).where(Conversation.tenant_id == business.tenant.id)
        if channel:
            query = query.where(Conversation.channel == channel)
        if external_id:
            query = query.where(Conversation.external_id == external_id)
        row = session.scalars(query.order_by(Conversation.started_at.desc())).first()
        assert row is not None, "no conversation recorded"
        return dict(row.state)


def appointments(factory: sessionmaker[Session], business: Business) -> list[Appointment]:
    with factory() as session:
        return list(session.scalars(select(Appointment).where(
            Appointment.tenant_id == business.tenant.id)))
