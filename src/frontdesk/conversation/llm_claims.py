"""What an LLM's reply claims was done, and making its text speakable.

The driver must never let a caller hear "you're booked" unless a tool booked: these
patterns find such claims (English and Spanish), ignoring questions, negations and
talk about the future ("I can book that", "¿se lo reservo?").
"""

from __future__ import annotations

import re

_CLAIM_WORDS = {
    "book": r"booked|scheduled|reserved|reservad[oa]s?|agendad[oa]s?|programad[oa]s?",
    "reschedule": r"rescheduled|moved|reprogramad[oa]s?|cambiad[oa]s?|movid[oa]s?",
    "cancel": r"cancell?ed|cancelad[oa]s?|anulad[oa]s?",
    "any": r"confirmed|confirmad[oa]s?|all set|(?<!.)(?:done|all done|listo|hecho)",
}
_CLAIM = re.compile(
    r"\b(?:" + "|".join(f"(?P<{k}>{v})" for k, v in _CLAIM_WORDS.items()) + r")\b", re.I
)
# Words before a claim word that make it not a claim: negation, modality, the future, or
# talk about a time being taken ("fully booked").
_NOT_A_CLAIM = re.compile(
    r"\b(?:not|never|nothing|unable|can|could|will|would|shall|should|may|might|once|if|"
    r"when|before|after|want|like|need|let|going|fully|already|about|someone|"
    r"cannot|couldn't|can't|won't|wasn't|isn't|haven't|hasn't|didn't|ll|"
    r"no (?:est[aá]|he|hemos|ha|fue|queda|qued[oó]|lo|la|le|pude|puedo|podemos)|"
    r"nunca|si|cuando|puedo|podemos|podr[ií]a|quiere|quieres|desea|antes|despu[eé]s|"
    r"completo|ocupad[oa])\b|your (?:next )?$",
    re.I,
)
SATISFIED_BY = {
    "book": {"book", "reschedule"},
    "reschedule": {"reschedule"},
    "cancel": {"cancel", "reschedule"},
    "any": {"book", "reschedule", "cancel"},
}


def claimed_actions(text: str) -> set[str]:
    """Which writes a reply says are done: a subset of book, reschedule, cancel, any."""
    found: set[str] = set()
    for sentence in re.split(r"(?<=[.!?])\s+|(?=¿)", text):
        sentence = sentence.strip()
        if not sentence or sentence.endswith("?") or sentence.startswith("¿"):
            continue  # a question ("shall I book it?") claims nothing
        for match in _CLAIM.finditer(sentence):
            before = sentence[: match.start()]
            if not _NOT_A_CLAIM.search(before):
                found.add(next(k for k, v in match.groupdict().items() if v))
    return found


def speakable(text: str) -> str:
    """Strip markdown a model may add anyway: the reply is spoken as often as read."""
    text = re.sub(r"(?m)^\s*(?:[-*•]|\d+[.)]|#+)\s+", "", text)
    text = re.sub(r"\*+|`+|(?<!\w)__|__(?!\w)", "", text)
    return re.sub(r"\s+", " ", text).strip()
