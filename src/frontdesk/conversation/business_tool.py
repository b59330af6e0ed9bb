"""The ``business_info`` tool's answers and the ``book`` tool's required details, shared
by both brains: the LLM driver asks through the tool what the rules engine reads from its
turn context (``conversation/questions.py``), from the same stored words and prices, so
neither can say what the business did not (ADR 0047)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from frontdesk.conversation.prices import say_price
from frontdesk.conversation.tool_results import BusinessAnswer
from frontdesk.errors import InvalidInput
from frontdesk.nlu.faq_match import best_match
from frontdesk.services.agent_context import Tenant, business_facts
from frontdesk.services.business_info import (
    business_info,
    check_date_of_birth,
    check_insurance,
)


def answer_about_business(
    factory: sessionmaker[Session], tenant: Tenant, topic: str, question: str | None, lang: str
) -> BusinessAnswer:
    info = business_info(tenant.info, tenant.faq, tenant.required_fields)
    if topic in ("prices", "services"):
        services = business_facts(factory, tenant).services
        if topic == "services":
            names = ", ".join(s.name for s in services)
            return BusinessAnswer(topic, bool(services), names or None)
        priced = [f"{s.name}: {say_price(s.price_cents, tenant.country or 'US', lang)}"
                  for s in services if s.price_cents is not None]
        unpriced = [s.name for s in services if s.price_cents is None]
        text = "; ".join(priced) + (f" (no price given for {', '.join(unpriced)})"
                                    if priced and unpriced else "")
        return BusinessAnswer(topic, bool(priced), text or None)
    if topic == "faq":
        questions = [list(e.question.values()) for e in info.faq]
        hit = best_match(question or "", questions) if questions else None
        if hit is None:
            return BusinessAnswer(topic, False)
        entry = info.faq[hit.index]
        answer = entry.answer.get(lang) or next(iter(entry.answer.values()))
        return BusinessAnswer(topic, True, answer, score=hit.score)
    said = info.text(topic, lang)
    return BusinessAnswer(topic, said is not None, said)


def required_details(
    tenant: Tenant, *, date_of_birth: date | None, insurance: str | None, today: date
) -> dict[str, str]:
    """The details the business requires before booking, checked; a missing or wrong
    one refuses the booking (the model is told which to ask for)."""
    required = business_info(tenant.info, tenant.faq, tenant.required_fields).required_fields
    out: dict[str, str] = {}
    if "date_of_birth" in required:
        if date_of_birth is None:
            raise InvalidInput("This business needs the caller's date_of_birth before "
                               "booking: ask for it.", field="date_of_birth")
        out["date_of_birth"] = check_date_of_birth(date_of_birth, today=today).isoformat()
    if "insurance" in required:
        if not insurance:
            raise InvalidInput("This business needs the caller's insurance company before "
                               "booking: ask for it.", field="insurance")
        out["insurance"] = check_insurance(insurance)
    return out
