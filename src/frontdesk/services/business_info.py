"""What a business tells callers who ask, in its own words: its address, directions,
parking, how to pay, its cancellation policy, its own questions and answers, and the
details a caller must give before a booking is confirmed. Checked here, once, for every
door (the API hands the values to ``tenants.apply_tenant_fields``).

The agent only ever repeats these texts (and the prices and hours stored elsewhere); a
topic the business left empty is said to be unknown, never made up (ADR 0047).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from frontdesk.errors import InvalidInput

LANGUAGES = ("en", "es")
TOPICS = ("address", "directions", "parking", "payment", "cancellation")
REQUIRED_FIELDS = ("date_of_birth", "insurance")
MAX_TOPIC_TEXT = 500
MAX_FAQ = 50
MAX_QUESTION = 200
MAX_ANSWER = 600
MAX_INSURANCE = 100
OLDEST_AGE_YEARS = 130


def _check_words(text: str, *, field: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) > limit:
        raise InvalidInput(f"{field} is longer than {limit} characters.", field=field)
    if "\x00" in text:
        raise InvalidInput(f"{field} contains a NUL character.", field=field)
    return text


def _per_language(texts: Mapping[str, str], *, field: str, limit: int) -> dict[str, str]:
    out: dict[str, str] = {}
    for lang, text in texts.items():
        if lang not in LANGUAGES:
            raise InvalidInput(f"No language {lang!r} in {field}; use en or es.", field=field)
        kept = _check_words(text, field=f"{field}.{lang}", limit=limit)
        if kept:
            out[lang] = kept
    return out


def check_info(info: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    """Per topic and language; an empty text means the business says nothing on it."""
    out: dict[str, dict[str, str]] = {}
    for topic, texts in info.items():
        if topic not in TOPICS:
            raise InvalidInput(f"No topic {topic!r}; the topics are {', '.join(TOPICS)}.",
                               field="info")
        kept = _per_language(texts, field=f"info.{topic}", limit=MAX_TOPIC_TEXT)
        if kept:
            out[topic] = kept
    return out


def check_faq(entries: Sequence[Mapping[str, Mapping[str, str]]]) -> list[dict[str, Any]]:
    """Each entry a question and its answer, in the same languages (a question the agent
    could match in Spanish must have a Spanish answer to give)."""
    if len(entries) > MAX_FAQ:
        raise InvalidInput(f"At most {MAX_FAQ} questions and answers.", field="faq")
    out: list[dict[str, Any]] = []
    for i, entry in enumerate(entries):
        question = _per_language(entry.get("question", {}), field=f"faq[{i}].question",
                                 limit=MAX_QUESTION)
        answer = _per_language(entry.get("answer", {}), field=f"faq[{i}].answer",
                               limit=MAX_ANSWER)
        if not question:
            raise InvalidInput(f"faq[{i}] has no question.", field=f"faq[{i}].question")
        if set(question) != set(answer):
            raise InvalidInput(
                f"faq[{i}] needs an answer in each language it has a question in.",
                field=f"faq[{i}].answer",
            )
        out.append({"question": question, "answer": answer})
    return out


def check_required_fields(names: Sequence[str]) -> list[str]:
    unknown = [n for n in names if n not in REQUIRED_FIELDS]
    if unknown:
        raise InvalidInput(
            f"No required field {unknown[0]!r}; use {', '.join(REQUIRED_FIELDS)}.",
            field="required_fields",
        )
    return list(dict.fromkeys(names))


def check_date_of_birth(value: date, *, today: date) -> date:
    """A real date in the past, of someone at most 130 years old."""
    if value >= today:
        raise InvalidInput("A date of birth must be in the past.", field="date_of_birth")
    if today.year - value.year > OLDEST_AGE_YEARS:
        raise InvalidInput("That date of birth is too long ago.", field="date_of_birth")
    return value


def check_insurance(text: str) -> str:
    kept = _check_words(text, field="insurance", limit=MAX_INSURANCE)
    if len(kept) < 2:
        raise InvalidInput("An insurer's name is needed.", field="insurance")
    return kept


@dataclass(frozen=True, slots=True)
class FaqEntry:
    question: dict[str, str]  # language -> the business's question
    answer: dict[str, str]  # language -> its answer


@dataclass(frozen=True, slots=True)
class BusinessInfo:
    """What the brain may tell a caller, read from the business's own record."""

    info: dict[str, dict[str, str]]
    faq: list[FaqEntry]
    required_fields: list[str]

    def text(self, topic: str, lang: str) -> str | None:
        """The business's words on ``topic`` in ``lang``, or in its other language (its
        own words beat none); None when it gave none."""
        texts = self.info.get(topic) or {}
        return texts.get(lang) or next(iter(texts.values()), None)


def business_info(info: Any, faq: Any, required_fields: Any) -> BusinessInfo:
    """The stored JSON as typed facts (rows written before a check are read leniently)."""
    topics = {t: dict(v) for t, v in dict(info or {}).items() if t in TOPICS and v}
    entries = [
        FaqEntry(dict(e.get("question") or {}), dict(e.get("answer") or {}))
        for e in list(faq or [])
        if isinstance(e, dict)
    ]
    required = [f for f in list(required_fields or []) if f in REQUIRED_FIELDS]
    return BusinessInfo(topics, entries, required)
