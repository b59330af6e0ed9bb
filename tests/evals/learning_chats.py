"""Real conversations for the learning-loop tests: the demo businesses (``serve --demo``'s
seeding), and chats and calls run through the agent on a fixed clock, in English and
Spanish, where callers state their names, numbers, emails and birth dates."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.conversation.agent import Agent
from frontdesk.evals.runner import default_now
from frontdesk.evals.scenario import day_phrase
from frontdesk.services.demo import DEMO_KEYS, seed_demo
from frontdesk.services.tenants import authenticate
from frontdesk.store import migrate
from frontdesk.store.db import make_engine, make_session_factory, write_session
from frontdesk.store.models import Appointment, Conversation, Customer, Tenant

# What the demo's customers are, and what the chats below add (emails, a birth date).
EMAILS = ("jordan.lee@example.com", "maria.garcia@example.org", "sam.patel@example.net")
BIRTH_DATE = "3 de marzo de 1985"


@dataclass
class Chats:
    url: str
    factory: sessionmaker[Session]
    now: dict[str, datetime]  # each business's clock (its local time), by slug
    ids: dict[str, uuid.UUID] = field(default_factory=dict)  # conversation by name

    def customers(self) -> list[Customer]:
        with self.factory() as session:
            return list(session.scalars(select(Customer)))

    def staff_names(self) -> set[str]:
        from frontdesk.store.models import Resource

        with self.factory() as session:
            return {r.name for r in session.scalars(select(Resource))}


def build(folder: Path) -> Chats:
    url = f"sqlite:///{folder / 'learn.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    seed_demo(factory)
    with write_session(factory) as session:
        # The demo books a few appointments at times relative to the real today; the
        # chats below want their times free.
        session.execute(update(Appointment).values(status="cancelled"))
    with factory() as session:
        salon = authenticate(session, DEMO_KEYS["demo-salon"])
        clinic = authenticate(session, DEMO_KEYS["demo-clinic"])
    clocks = {t.slug: default_now(ZoneInfo(t.timezone)) for t in (salon, clinic)}
    chats = Chats(url, factory, clocks)
    _run_all(chats, salon, clinic)
    engine.dispose()
    return chats


def _talk(chats: Chats, name: str, tenant: Tenant, lines: list[str], *,
          phone: str | None = None, end: bool = False) -> None:
    now = chats.now[tenant.slug]
    agent = Agent(chats.factory, clock=lambda: now)
    conversation = agent.open(tenant, "phone" if phone else "chat", f"learn-{name}",
                              caller_phone=phone, caller_verified=phone is not None)
    agent.greet(tenant, conversation.id)
    for text in lines:
        agent.turn(tenant, conversation.id, text)
    if end:
        agent.end(tenant, conversation.id)
    with write_session(chats.factory) as session:
        # The conversation happened at the agent's clock (a real one starts "now").
        session.execute(update(Conversation).where(Conversation.id == conversation.id)
                        .values(started_at=now))
    chats.ids[name] = conversation.id


def _run_all(chats: Chats, salon: Tenant, clinic: Tenant) -> None:
    s_now, c_now = chats.now[salon.slug], chats.now[clinic.slug]

    def on(now: datetime, days: int, lang: str) -> str:
        return day_phrase("day", (now + timedelta(days=days)).date(), lang)

    _talk(chats, "book_en", salon, [
        f"Hi, I'm Jordan Lee, I'd like a haircut {on(s_now, 2, 'en')} at 3 pm",
        "yes", "212-555-0123", "yes", f"my email is {EMAILS[0]}", "no thanks"])
    _talk(chats, "reschedule_en", salon, [
        f"I need to move my haircut to 4 pm {on(s_now, 2, 'en')}", "yes", "no thanks"],
        phone="+12125550123")
    _talk(chats, "book_phone_en", salon, [
        f"Hello, this is Sam Patel, can I get a manicure {on(s_now, 1, 'en')} at 11 am?",
        "yes", "no, that's all"], phone="+13475550142")
    _talk(chats, "cancel_en", salon, [
        "I have to cancel my manicure", "yes", "no thanks"], phone="+13475550142")
    _talk(chats, "book_es", salon, [
        f"Hola, me llamo María García, quisiera un corte de pelo {on(s_now, 3, 'es')} "
        "a las 11", "sí", "dos uno dos cinco cinco cinco cero uno ocho ocho", "sí",
        f"mi correo es {EMAILS[1]}", "no, gracias"])
    _talk(chats, "book_clinic_es", clinic, [
        f"Hola, soy Lucía Fernández, quiero una consulta general {on(c_now, 2, 'es')} "
        "a las 10", "sí", "mi número es 612 34 56 78", "sí",
        f"nací el {BIRTH_DATE}, por si lo necesitan", "no, gracias"])
    _talk(chats, "abandoned_en", salon, [
        "Hi, my name is Tom Baker, I want a hair coloring next week",
        f"you can reach me at +1 (347) 555-0142 or {EMAILS[2]}"], end=True)
