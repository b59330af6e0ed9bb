"""One caller turn in, one :class:`Understanding` out: language, intents, times,
services, the option picked, name, phone, email.

``expecting`` is what the agent has just asked for. It only biases readings that are
ambiguous without it: a bare "Lucía" is a name when the agent asked for a name, a bare
"2" is the second option when it offered options, "perfect, thanks" answers a
confirmation question with yes before thanks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from frontdesk.nlu.codes import extract_code
from frontdesk.nlu.entities import extract_email, extract_phone, match_services
from frontdesk.nlu.intents import NUMBER_WORDS, classify, parse_choice
from frontdesk.nlu.language import detect_language, normalize
from frontdesk.nlu.names import extract_name
from frontdesk.nlu.redact_spans import birth_date_spans
from frontdesk.nlu.timeparse import parse_time
from frontdesk.nlu.types import (
    Intent,
    Lang,
    ServiceMatch,
    ServiceName,
    TimeMention,
    Understanding,
)

EXPECTING = frozenset(
    {"name", "phone", "email", "confirm", "choice", "service", "time", "code"}
)

# "2", "number two", "the 2nd", "la dos", "option two please": only when options were offered.
_BARE_CHOICE = re.compile(
    r"^(?:(?:uh|um|the|la|el|number|numero|option|opcion|choice) )*"
    r"(\d{1,2}|" + "|".join(NUMBER_WORDS) + r")(?:st|nd|rd|th)?"
    r"(?: (?:one|option|opcion|please|por favor|thanks|gracias))*$"
)
# When a yes/no was asked for, these may not outrank the answer to it.
_SOCIAL = frozenset({Intent.THANKS, Intent.GOODBYE, Intent.GREETING, Intent.CHOICE})


def _parse_times(text: str, now: datetime, lang: Lang) -> tuple[TimeMention, ...]:
    # A caller asking a front desk for "3" means 3 PM: read bare hours as business hours
    # (the parser's default follows Duckling, which would say 3 AM).
    mentions: Sequence[TimeMention] = parse_time(text, now=now, lang=lang, business_hours=True)
    # "Nací el 3 de marzo de 1985" answers a question about the caller, not about when to
    # come in: a date of birth is never a requested time ("that time has passed").
    births = [(s.start, s.end) for s in
              birth_date_spans(text, now.date(), day_first=lang == "es")]
    return tuple(m for m in mentions
                 if not any(m.start < end and start < m.end for start, end in births))


def _bare_choice(text: str) -> int | None:
    match = _BARE_CHOICE.match(normalize(text).replace(" ,", ""))
    if match is None:
        return None
    word = match.group(1)
    number = NUMBER_WORDS.get(word) or int(word)
    return number - 1 if 1 <= number <= 10 else None


def _biased(
    intents: tuple[Intent, ...], expecting: str | None, choice: int | None
) -> tuple[Intent, ...]:
    ranked: list[Intent] = [i for i in intents if i is not Intent.UNKNOWN]
    if expecting == "choice" and choice is not None and Intent.CHOICE not in ranked:
        ranked.append(Intent.CHOICE)
    if expecting == "confirm":
        answers: list[Intent] = [
            i for i in ranked if i in (Intent.YES, Intent.NO, Intent.CORRECTION)
        ]
        if answers and ranked[0] in _SOCIAL:
            ranked = answers + [i for i in ranked if i not in answers]
    return tuple(ranked) or (Intent.UNKNOWN,)


def understand(
    text: str,
    *,
    now: datetime,
    services: Sequence[ServiceName] = (),
    region: str = "US",
    lang_hint: Lang | None = None,
    expecting: str | None = None,
) -> Understanding:
    """Everything the dialogue policy needs from one caller turn.

    ``now`` anchors relative times ("tomorrow at 3") and should carry the tenant's zone;
    ``region`` is the ISO country for phone numbers without a country code;
    ``lang_hint`` is the conversation's language so far (short turns keep it);
    ``expecting`` is what the agent just asked for: one of :data:`EXPECTING`.
    """
    if expecting is not None and expecting not in EXPECTING:
        raise ValueError(f"expecting must be one of {sorted(EXPECTING)}, not {expecting!r}")
    lang = detect_language(text, lang_hint)
    choice = parse_choice(text, lang)
    if choice is None and expecting == "choice":
        choice = _bare_choice(text)
    found: tuple[ServiceMatch, ...] = ()
    if services:
        found = tuple(match_services(text, services, lang))
    return Understanding(
        text=text,
        lang=lang,
        intents=_biased(classify(text, lang), expecting, choice),
        times=_parse_times(text, now, lang),
        services=found,
        choice=choice,
        person_name=extract_name(text, lang, expecting_name=expecting == "name"),
        phone=extract_phone(text, region),
        email=extract_email(text),
        # Only when a code was asked for: elsewhere six digits are more likely a date.
        code=extract_code(text) if expecting == "code" else None,
    )
