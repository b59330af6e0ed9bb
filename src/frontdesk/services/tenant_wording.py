"""What a business may write in its own words: its greeting, its instructions to the
agent, its SMS texts and when reminders go out. Checked here, once, for every door (the
API and the dashboard hand the same values to ``tenants.apply_tenant_fields``).

Texts are filled in with ``str.format``: only the named placeholders are allowed, with no
attribute, index, conversion or format spec, so a stored text can never reach into the
objects it is filled from, and a stray brace is refused when saved rather than failing
when a customer is texted.
"""

from __future__ import annotations

from collections.abc import Mapping
from string import Formatter

from frontdesk.errors import InvalidInput

LANGUAGES = ("en", "es")
PERSONAS = ("default", "salon", "medical")  # conversation/personas.py has their words
GREETING_FIELDS = ("business",)
MESSAGE_PURPOSES = ("confirmation", "rescheduled", "cancellation", "reminder")
MESSAGE_FIELDS = ("business", "service", "when", "resource")
MAX_GREETING = 300
MAX_INSTRUCTIONS = 2000
MAX_MESSAGE = 320  # two SMS segments of plain text
# Reminders: at most five, from five minutes to two weeks before (as the API says).
MAX_REMINDERS = 5
REMINDER_RANGE = (5, 14 * 24 * 60)


def check_text(text: str, allowed: tuple[str, ...], *, field: str, limit: int) -> str:
    """``text`` trimmed, if it fits ``limit`` and names only ``allowed`` placeholders."""
    text = text.strip()
    if len(text) > limit:
        raise InvalidInput(f"{field} is longer than {limit} characters.", field=field)
    if "\x00" in text:
        raise InvalidInput(f"{field} contains a NUL character.", field=field)
    names = ", ".join("{" + a + "}" for a in allowed)
    try:
        parts = list(Formatter().parse(text))
    except ValueError:
        raise InvalidInput(
            f"{field} has a lone '{{' or '}}': the placeholders are {names}.", field=field
        ) from None
    for _, name, spec, conversion in parts:
        if name is not None and (name not in allowed or spec or conversion):
            raise InvalidInput(
                f"{field} uses {{{name}}}; the placeholders are {names}.", field=field
            )
    return text


# How a business's phone calls are voiced (docs/decisions/0050): the carrier's turn-based
# speech, our streaming pipeline, or a speech-to-speech model.
VOICE_MODES = ("turns", "stream", "realtime")


def check_voice_mode(mode: str) -> str:
    if mode not in VOICE_MODES:
        raise InvalidInput(f"No voice mode {mode!r}; use {', '.join(VOICE_MODES)}.",
                           field="voice_mode")
    return mode


def check_persona(persona: str) -> str:
    if persona not in PERSONAS:
        raise InvalidInput(f"No persona {persona!r}; use {', '.join(PERSONAS)}.",
                           field="persona")
    return persona


def check_greeting(greeting: Mapping[str, str]) -> dict[str, str]:
    """Per language; an empty text means the persona's own greeting."""
    out: dict[str, str] = {}
    for lang, text in greeting.items():
        if lang not in LANGUAGES:
            raise InvalidInput(f"No greeting language {lang!r}; use en or es.", field="greeting")
        kept = check_text(" ".join(text.split()), GREETING_FIELDS, field=f"greeting.{lang}",
                          limit=MAX_GREETING)
        if kept:
            out[lang] = kept
    return out


def check_instructions(text: str) -> str | None:
    """The business's instructions for the LLM driver; empty means none."""
    text = text.strip()
    if len(text) > MAX_INSTRUCTIONS:
        raise InvalidInput(f"instructions are longer than {MAX_INSTRUCTIONS} characters.",
                           field="instructions")
    if "\x00" in text:
        raise InvalidInput("instructions contain a NUL character.", field="instructions")
    return text or None


def check_templates(templates: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    """Per purpose and language; an empty text means the built-in one."""
    out: dict[str, dict[str, str]] = {}
    for purpose, texts in templates.items():
        if purpose not in MESSAGE_PURPOSES:
            raise InvalidInput(
                f"No message {purpose!r}; the messages are {', '.join(MESSAGE_PURPOSES)}.",
                field="message_templates",
            )
        for lang, text in texts.items():
            if lang not in LANGUAGES:
                raise InvalidInput(f"No message language {lang!r}; use en or es.",
                                   field="message_templates")
            kept = check_text(text, MESSAGE_FIELDS, field=f"message_templates.{purpose}.{lang}",
                              limit=MAX_MESSAGE)
            if kept:
                out.setdefault(purpose, {})[lang] = kept
    return out


def check_reminders(minutes: list[int]) -> list[int]:
    """Distinct, latest-first; at most five, each five minutes to two weeks ahead."""
    low, high = REMINDER_RANGE
    if any(not low <= m <= high for m in minutes):
        raise InvalidInput(
            f"Reminders go {low} minutes to {high // 1440} days before an appointment.",
            field="reminder_minutes",
        )
    kept = sorted(set(minutes), reverse=True)
    if len(kept) > MAX_REMINDERS:
        raise InvalidInput(f"At most {MAX_REMINDERS} reminders.", field="reminder_minutes")
    return kept
