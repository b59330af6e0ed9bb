"""What the agent is asking for, and what happened, read from its words alone (EN/ES).

A server reached over ``/v1/chat/completions`` answers with text only: no dialogue
state. These keyword rules, written against the agent's phrases
(``frontdesk.conversation.phrases``), recover what the in-process runner reads from
``Reply.state``: ``awaiting`` (what the caller should answer next) and the outcome.
The first matching rule wins, so the order below matters (specific before general).
"""

from __future__ import annotations

import re
import unicodedata

REPEAT = "repeat"  # "sorry, I didn't catch that": the agent still awaits what it awaited


def fold(text: str) -> str:
    """Lowercase, accents and inverted marks removed, spacing collapsed."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.replace("¿", " ").replace("¡", " ").split())


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alternatives))


# (pattern, awaiting); None = nothing asked (a greeting, or the call ended).
_AWAITING_RULES: tuple[tuple[re.Pattern[str], str | None], ...] = (
    # the call ends
    (_rx(r"let me connect you", r"le paso con", r"te paso con", r"transferring you",
         r"one moment,? please", r"un momento,? por favor"), None),
    (_rx(r"won'?t contact you again", r"no volveremos a contactarle", r"no le volveremos a"),
     None),
    (_rx(r"\bgoodbye\b", r"\bbye\b", r"hasta luego", r"\badios\b"), None),
    # a texted code: send a new one? / read it back (before "phone": they name the number)
    (_rx(r"text you a new one", r"le envio uno nuevo"), "resend_code"),
    (_rx(r"tell me the code", r"tell me the 6 digits", r"me dice el codigo",
         r"me dice las 6 cifras", r"code isn'?t right", r"codigo no es correcto"), "code"),
    # offered a person (fully booked)
    (_rx(r"would you like me to connect you", r"(quiere|desea) que le pase"), "confirm_transfer"),
    # answered, or nothing to act on: anything else? (before "phone": these mention numbers)
    (_rx(r"for your privacy", r"por su privacidad", r"couldn'?t find any upcoming",
         r"no encuentro citas", r"can'?t be changed anymore", r"ya no se puede cambiar"),
     "anything_else"),
    # booking failed: a new time is needed
    (_rx(r"couldn'?t book that", r"no he podido reservar"), "time"),
    # read-backs waiting for yes/no
    (_rx(r"shall i book it\b", r"(?<!se )\blo reservo\b", r"is that right", r"es correcto",
         r"(you'?d like|want) to cancel", r"quiere cancelar"), "confirm"),
    # offers
    (_rx(r"which (one )?works best", r"would one of (those|these) work", r"would that work",
         r"shall i book that", r"which one would you like", r"cual le viene mejor",
         r"le sirve", r"se lo reservo", r"cual prefiere", r"which would you prefer"), "choice"),
    # finding an existing appointment
    (_rx(r"which appointment", r"\bque cita\b"), "which_appointment"),
    # details
    (_rx(r"your name", r"su nombre", r"tu nombre"), "name"),
    (_rx(r"what phone number", r"phone number to reach", r"best (phone )?number",
         r"that number", r"digit by digit", r"what number", r"numero de telefono",
         r"que numero", r"el numero", r"cifra a cifra"), "phone"),
    # times
    (_rx(r"when would you like", r"what day and time", r"what (day|time) (would|works)",
         r"didn'?t catch the day", r"cuando le gustaria", r"cuando quiere", r"que dia y hora",
         r"a cuando la quiere", r"el dia o la hora", r"que dia le", r"what day within",
         r"dentro de ese plazo"), "time"),
    (_rx(r"which service", r"que servicio"), "service"),
    # the task is done or answered: anything else?
    (_rx(r"anything else", r"algo mas", r"would you like to book one", r"quiere reservar una"),
     "anything_else"),
    # didn't understand: same question as before
    (_rx(r"didn'?t catch that", r"didn'?t understand", r"no le he entendido",
         r"no te he entendido", r"no he entendido"), REPEAT),
)


_ENDING_RULES = 3  # the first rules above are the ones that end the call


def infer_awaiting(text: str) -> str | None:
    """What the agent awaits after saying ``text``: an ``awaiting`` value, ``REPEAT``
    (it did not understand and asks again), or None (nothing asked)."""
    folded = fold(text)
    for pattern, awaiting in _AWAITING_RULES:
        if pattern.search(folded):
            return awaiting
    return None


_ONE_OFFER = _rx(r"would that work", r"shall i book that", r"le sirve\b(?!\s+alguna)",
                 r"se lo reservo")
_MANY_OFFERS = _rx(r"works best", r"one of (those|these)", r"which one", r"le viene mejor",
                   r"le sirve alguna", r"cual prefiere")


def offers_one(text: str) -> bool:
    """The agent offered a single time ("...with Ana. Shall I book that?")."""
    folded = fold(text)
    return bool(_ONE_OFFER.search(folded)) and not _MANY_OFFERS.search(folded)


_OUTCOME_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (_rx(r"won'?t contact you again", r"no volveremos a contactarle"), "opted_out"),
    (_rx(r"let me connect you", r"le paso con alguien", r"te paso con alguien",
         r"transferring you"), "transferred"),
    (_rx(r"has been cancell?ed", r"ha sido cancelada", r"queda cancelada"), "cancelled"),
    (_rx(r"\bis now\b.*\bwith\b", r"es ahora\b.*\bcon\b", r"^done\. your", r"^hecho\."),
     "rescheduled"),
    (_rx(r"you'?re all set", r"^listo\b", r"you'?re booked", r"queda reservad"), "booked"),
)

# Replies that answer a question (hours, the caller's appointments, what is free): a
# call that then ends without a booking ended with information.
_INFO = _rx(r"we'?re open", r"\babrimos\b", r"\byou have\b", r"^tiene\b", r"for your privacy",
            r"por su privacidad", r"couldn'?t find any upcoming", r"no encuentro citas",
            r"\bi have\b", r"\btengo\b")


def infer_outcome(text: str) -> str | None:
    """The outcome a reply announces (booked, cancelled, transferred, ...), if any."""
    folded = fold(text)
    for pattern, outcome in _OUTCOME_RULES:
        if pattern.search(folded):
            return outcome
    return None


def gives_info(text: str) -> bool:
    return bool(_INFO.search(fold(text)))


def ends_call(text: str) -> bool:
    """The agent hung up: goodbye, a transfer, or an opt-out confirmation."""
    folded = fold(text)
    return any(pattern.search(folded) for pattern, awaiting in _AWAITING_RULES[:_ENDING_RULES])
