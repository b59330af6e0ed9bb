"""Personas: how the agent sounds for a kind of business, and what it may say.

The medical persona is privacy-aware: it never reads appointment details back to a
caller whose identity is not verified (by caller ID, or by a code texted to their number).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Persona:
    key: str
    private: bool  # never read back details to an unverified caller
    greeting: dict[str, str]
    greeting_known: dict[str, str]
    system_style: str  # for the LLM driver's system prompt


PERSONAS = {
    "default": Persona(
        key="default",
        private=False,
        greeting={
            "en": "Thanks for calling {business}. How can I help you today?",
            "es": "Gracias por llamar a {business}. ¿En qué puedo ayudarle?",
        },
        greeting_known={
            "en": "Hi {name}, thanks for calling {business}. How can I help you today?",
            "es": "Hola {name}, gracias por llamar a {business}. ¿En qué puedo ayudarle?",
        },
        system_style="Friendly, efficient and brief.",
    ),
    "salon": Persona(
        key="salon",
        private=False,
        greeting={
            "en": "Hi, thanks for calling {business}! What can I do for you?",
            "es": "¡Hola, gracias por llamar a {business}! ¿Qué puedo hacer por usted?",
        },
        greeting_known={
            "en": "Hi {name}! Thanks for calling {business}. What can I do for you?",
            "es": "¡Hola {name}! Gracias por llamar a {business}. ¿Qué puedo hacer por usted?",
        },
        system_style="Warm, upbeat and casual, like a favourite salon's front desk.",
    ),
    "medical": Persona(
        key="medical",
        private=True,
        greeting={
            "en": "Thank you for calling {business}. How may I help you?",
            "es": "Gracias por llamar a {business}. ¿En qué le puedo ayudar?",
        },
        greeting_known={
            "en": "Hello {name}, thank you for calling {business}. How may I help you?",
            "es": "Hola {name}, gracias por llamar a {business}. ¿En qué le puedo ayudar?",
        },
        system_style=(
            "Calm, professional and discreet. Never give medical advice. Never read back "
            "appointment details unless the caller is verified (caller ID or texted code)."
        ),
    ),
}


def persona_for(key: str | None) -> Persona:
    return PERSONAS.get(key or "default", PERSONAS["default"])


# A known caller hears their name before the business's own greeting.
HELLO_NAME = {"en": "Hi {name}.", "es": "Hola, {name}."}


def greeting_line(persona: Persona, business: str, own: Mapping[str, str] | None, lang: str,
                  *, name: str | None = None) -> str:
    """The opening line before anything about the caller's appointments: the business's
    own greeting in ``lang`` when it wrote one (its placeholders checked when saved,
    ``services.tenant_wording``), else the persona's. The dashboard's preview calls this
    too, so what it shows is what a caller hears."""
    text = (own or {}).get(lang)
    if text:
        said = text.format(business=business)
        return f"{HELLO_NAME[lang].format(name=name)} {said}" if name else said
    if name:
        return persona.greeting_known[lang].format(name=name, business=business)
    return persona.greeting[lang].format(business=business)


@dataclass(frozen=True, slots=True)
class OutboundPersona:
    """How a call the business placed opens: who is calling (an automated assistant), on
    whose behalf, what about, and how to never be called again, before anything else is
    said (issue 12; the opt-out words are the ones the OPT_OUT intent hears)."""

    disclosure: dict[str, str]  # {name}, {business}, {topic}
    opt_out_hint: dict[str, str]
    generic_topic: dict[str, str]  # a call with no campaign behind it (POST /calls)
    system_style: str


OUTBOUND = OutboundPersona(
    disclosure={
        "en": "Hi{name}, this is an automated assistant calling on behalf of {business} "
              "about {topic}.",
        "es": "Hola{name}, le llama un asistente automático en nombre de {business} "
              "por {topic}.",
    },
    opt_out_hint={
        "en": "If you'd rather not get these calls, say 'stop calling me' and we won't "
              "call again.",
        "es": "Si prefiere no recibir estas llamadas, diga 'no me llamen más' y no "
              "volveremos a llamarle.",
    },
    generic_topic={
        "en": "your appointments with us",
        "es": "sus citas con nosotros",
    },
    system_style="Polite and brief: the person did not call us. Respect a no at once.",
)
