# Spoken sentences are data, as in phrases.py: one line each, whatever its length.
# ruff: noqa: E501
"""What a caller hears when a tool refuses, in English and Spanish, by the refusal's code.

Services explain a refusal in ``detail`` for whoever reads the API (in English, and it
may name API paths); a caller never hears that text. Every ``RefusalCode`` has a phrasing
here in each language the agent speaks (a test enumerates them), written as a sentence
that can follow "Sorry, I couldn't book that:".
"""

from __future__ import annotations

from frontdesk.errors import RefusalCode

LANGUAGES = ("en", "es")

REFUSALS: dict[RefusalCode, dict[str, str]] = {
    RefusalCode.TOO_SOON: {
        "en": "That time is too soon: bookings need to be made at least {notice} in advance.",
        "es": "Esa hora está demasiado cerca: necesitamos al menos {notice} de antelación.",
    },
    RefusalCode.TOO_FAR_AHEAD: {
        "en": "That time is too far ahead: we only take bookings up to {days} days ahead.",
        "es": "Esa fecha está demasiado lejos: solo damos citas con {days} días de antelación como máximo.",
    },
    RefusalCode.OUTSIDE_HOURS: {
        "en": "Nobody offering this service works at that time.",
        "es": "A esa hora no trabaja nadie que ofrezca este servicio.",
    },
    RefusalCode.SLOT_TAKEN: {
        "en": "That time is already taken.",
        "es": "Esa hora ya está ocupada.",
    },
    RefusalCode.DAY_FULL: {
        "en": "That day is fully booked.",
        "es": "Ese día ya está completo.",
    },
    RefusalCode.SERVICE_NOT_OFFERED: {
        "en": "Nobody can offer that service at that time.",
        "es": "Nadie puede ofrecer ese servicio a esa hora.",
    },
    RefusalCode.SERVICE_INACTIVE: {
        "en": "That service can't be booked at the moment.",
        "es": "Ese servicio no se puede reservar en este momento.",
    },
    RefusalCode.NOT_ACTIVE: {
        "en": "It is no longer an active appointment.",
        "es": "Ya no es una cita activa.",
    },
    RefusalCode.ALREADY_STARTED: {
        "en": "It has already started or passed.",
        "es": "Ya ha empezado o ya ha pasado.",
    },
    RefusalCode.IDEMPOTENCY_KEY_REUSED: {
        "en": "Something went wrong with that request. Please try again.",
        "es": "Algo ha fallado con esa petición. Inténtelo de nuevo, por favor.",
    },
    RefusalCode.NOT_FOUND: {
        "en": "I couldn't find that in our records.",
        "es": "No lo encuentro en nuestros registros.",
    },
    RefusalCode.INVALID_INPUT: {
        "en": "Some of the details weren't right.",
        "es": "Alguno de los datos no era correcto.",
    },
    RefusalCode.CONFLICT: {
        "en": "That clashes with something we already have on file.",
        "es": "Eso choca con algo que ya tenemos registrado.",
    },
    RefusalCode.UNAUTHORIZED: {
        "en": "I'm not allowed to do that.",
        "es": "No tengo permiso para hacer eso.",
    },
    RefusalCode.NOT_CONFIGURED: {
        "en": "That isn't set up for this business yet.",
        "es": "Eso todavía no está configurado para este negocio.",
    },
    RefusalCode.VERIFICATION_REQUIRED: {
        "en": "I need to check your phone number first.",
        "es": "Primero necesito verificar su número de teléfono.",
    },
    RefusalCode.NOT_YOUR_APPOINTMENT: {
        "en": "It isn't one of the upcoming appointments under your phone number.",
        "es": "No está entre las próximas citas de su número de teléfono.",
    },
    RefusalCode.RATE_LIMITED: {
        "en": "I can't send another code to that number right now.",
        "es": "Ahora mismo no puedo enviar otro código a ese número.",
    },
    RefusalCode.CANNOT_TEXT: {
        "en": "I can't send a text to that number.",
        "es": "No puedo enviar un SMS a ese número.",
    },
    RefusalCode.NO_CODE_PENDING: {
        "en": "There's no code waiting; I need to send you a new one.",
        "es": "No hay ningún código pendiente; tengo que enviarle uno nuevo.",
    },
    RefusalCode.CODE_EXPIRED: {
        "en": "That code has expired.",
        "es": "Ese código ha caducado.",
    },
    RefusalCode.TOO_MANY_TRIES: {
        "en": "That code was entered wrong too many times.",
        "es": "Ese código se ha introducido mal demasiadas veces.",
    },
    RefusalCode.WRONG_CODE: {
        "en": "That code isn't right.",
        "es": "Ese código no es correcto.",
    },
    RefusalCode.NO_PHONE: {
        "en": "I need a phone number for that.",
        "es": "Necesito un número de teléfono para eso.",
    },
    RefusalCode.INVALID_ARGUMENTS: {
        "en": "I didn't get all the details right.",
        "es": "No he entendido bien todos los datos.",
    },
    RefusalCode.UNKNOWN_TOOL: {
        "en": "That's not something I can do here.",
        "es": "Eso no lo puedo hacer por aquí.",
    },
    RefusalCode.UNAVAILABLE: {
        "en": "That didn't work just now.",
        "es": "Eso no ha funcionado ahora mismo.",
    },
}

_UNITS = {  # (minutes per unit, English one/many, Spanish one/many), largest first
    "day": (1440, ("day", "days"), ("día", "días")),
    "hour": (60, ("hour", "hours"), ("hora", "horas")),
    "minute": (1, ("minute", "minutes"), ("minuto", "minutos")),
}


def say_refusal(
    code: RefusalCode, lang: str, *, notice_minutes: int = 0, days_ahead: int = 0
) -> str:
    """The caller's words for a refusal; the business's booking rules fill in the numbers."""
    table = REFUSALS[code]
    return table.get(lang, table["en"]).format(
        notice=say_duration(notice_minutes, lang), days=days_ahead
    )


def say_duration(minutes: int, lang: str) -> str:
    """'2 hours', '1 día', '90 minutes': the largest whole unit."""
    size, en, es = next(
        unit for unit in _UNITS.values() if unit[0] == 1 or (minutes and minutes % unit[0] == 0)
    )
    count = minutes // size
    one, many = es if lang == "es" else en
    return f"{count} {one if count == 1 else many}"
