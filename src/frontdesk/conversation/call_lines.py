"""What a phone call says about the line itself, in English and Spanish.

About the line, never about the business's calendar (that is ``phrases``): a re-prompt
after a silence, hanging up after too many, a number nobody answers, no one to transfer
to, and the voicemail left on a machine that answers a call a business placed. Every
phone door (Twilio, Telnyx) speaks these same sentences; shaped like ``phrases.PHRASES``
(phrase, then language) so they can join it.
"""

from __future__ import annotations

LINES: dict[str, dict[str, str]] = {
    "reprompt": {
        "en": "Sorry, I didn't catch that. Are you still there?",
        "es": "Perdone, no le he oído. ¿Sigue ahí?",
    },
    "silent_goodbye": {
        "en": "I can't hear you, so I'll hang up now. Please call again. Goodbye.",
        "es": "No le oigo, así que voy a colgar. Llame de nuevo, por favor. Adiós.",
    },
    "not_in_service": {
        "en": "Sorry, the number you have called is not in service. Goodbye.",
        "es": "Lo sentimos, el número al que ha llamado no está en servicio. Adiós.",
    },
    # The database (or the server) is down: the caller hears this, never silence.
    "trouble": {
        "en": "Sorry, we're having trouble answering calls right now. Please call back in "
              "a few minutes. Goodbye.",
        "es": "Lo sentimos, ahora mismo tenemos problemas para atender llamadas. Por favor, "
              "vuelva a llamar en unos minutos. Adiós.",
    },
    "no_transfer": {
        "en": "Sorry, there is no one I can put you through to right now. Goodbye.",
        "es": "Lo siento, ahora no hay nadie a quien pasarle. Adiós.",
    },
    # The server is shutting down under a live call (docs/decisions/0060).
    "closing": {
        "en": "Sorry, we have to end this call now; please call back in a minute. Goodbye.",
        "es": "Lo sentimos, tenemos que terminar esta llamada ahora; por favor, vuelva a "
              "llamar en un minuto. Adiós.",
    },
    "closing_transfer": {
        "en": "Sorry, I have to end this call now; I'm putting you through to the team.",
        "es": "Lo siento, tengo que terminar esta llamada ahora; le paso con el equipo.",
    },
    "voicemail": {
        "en": "Hi, this is {business}. Please call us back at {number}. Thank you.",
        "es": "Hola, le llamamos de {business}. Por favor, devuélvanos la llamada al "
              "{number}. Gracias.",
    },
}


def spoken_lang(lang: str | None) -> str:
    """The language a line is said in: the conversation's, if we speak it."""
    return lang if lang in ("en", "es") else "en"


def line(key: str, lang: str | None, **values: str) -> str:
    text = LINES[key][spoken_lang(lang)]
    return text.format(**values) if values else text
