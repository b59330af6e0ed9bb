"""Personal data out of a conversation, replaced consistently by placeholders.

Within one conversation the same person's data always becomes the same placeholder: the
phone +12125550123 is ``<PHONE_1>`` whether it was typed "212-555-0123", spoken "two one
two, five five five...", or stored in a tool's arguments; "Jordan Lee" and a later
"Jordan" are both ``<NAME_1>``. What counts as personal data, and why there is no
Presidio here: docs/decisions/0066-redaction.md.

Pure: what is already known (the customer's row, the business's customer names, the
words that are never names: staff, services, the business) comes in as data.

    vocab = Vocabulary.build(names=all_customer_names, keep=staff_and_service_words)
    r = Redactor(vocab, region="US", today=conversation_day)
    r.learn(name="Jordan Lee", phone="+12125550123")   # what the record says
    r.learn_from_text("my name is Sam Patel")         # what was introduced in words
    r.text("Thanks Jordan, see you at 3")              # "Thanks <NAME_1>, see you at 3"
    r.value({"customer_phone": "+12125550123"})        # {"customer_phone": "<PHONE_1>"}
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from frontdesk.nlu.language import strip_accents
from frontdesk.nlu.names import _NOT_NAMES, extract_name
from frontdesk.nlu.redact_spans import (
    Span,
    birth_date_spans,
    date_forms,
    e164,
    email_spans,
    phone_spans,
)

__all__ = ["PLACEHOLDER", "Redactor", "Vocabulary"]

PLACEHOLDER = re.compile(r"<(NAME|PHONE|EMAIL|DOB)_(\d+)>")
# Keys whose whole value is personal data, wherever they sit in a tool's JSON.
NAME_KEYS = frozenset({"customer_name", "caller_name", "name"})
PHONE_KEYS = frozenset({"phone", "customer_phone", "caller_phone", "phone_e164", "to_phone"})
EMAIL_KEYS = frozenset({"email", "customer_email"})
DOB_KEYS = frozenset({"date_of_birth", "dob", "birth_date"})
# Under these keys "name" names a thing, not a person.
_THING_PARENTS = frozenset({"service", "resource", "business", "tenant", "staff"})
# "ending in 0123" / "que termina en 0123": the last digits of a number we hold.
_ENDING = re.compile(r"\b(ending in|ends in|termina(?:do)? en|acabado en)\s+(\d{4})\b",
                     re.IGNORECASE)
DAY_FIRST_REGIONS = frozenset({"ES", "MX", "AR", "CO", "CL", "PE", "GB", "FR", "DE", "IT"})


def fold(text: str) -> str:
    return " ".join(strip_accents(text).casefold().split())


@dataclass(frozen=True)
class Vocabulary:
    """What a business's conversations share: the customer names to look for, and the
    words that are never a name (staff, services, the business's own name)."""

    names: tuple[str, ...] = ()
    keep: frozenset[str] = frozenset()

    @classmethod
    def build(cls, names: Iterable[str | None] = (), keep: Iterable[str] = ()) -> Vocabulary:
        kept = frozenset(fold(w) for text in keep for w in re.findall(r"[^\W\d_]+", text))
        return cls(tuple(n.strip() for n in names if n and n.strip()), kept)


@dataclass
class Redactor:
    """One conversation's redaction: learn what is personal, then redact text and JSON."""

    vocab: Vocabulary
    region: str = "US"
    today: date = field(default_factory=date.today)
    placeholders: dict[tuple[str, str], str] = field(default_factory=dict)
    _names: dict[str, str] = field(default_factory=dict)  # folded name or word -> key
    _phones: set[str] = field(default_factory=set)
    _emails: set[str] = field(default_factory=set)
    _dobs: set[date] = field(default_factory=set)
    _pattern: re.Pattern[str] | None = None

    def __post_init__(self) -> None:
        for name in self.vocab.names:
            self._add_name(name)

    # --- what is personal -------------------------------------------------------------

    def learn(self, *, name: str | None = None, phone: str | None = None,
              email: str | None = None, dob: str | date | None = None) -> None:
        """Values known to be this conversation's personal data (the customer row, the
        caller ID, tool arguments, the dialogue state)."""
        if name and name.strip() and not PLACEHOLDER.search(name):
            self._add_name(name.strip())
            self._placeholder("NAME", self._names[fold(name)])
        if phone and not PLACEHOLDER.search(phone):
            self._placeholder("PHONE", self._phone_key(phone))
        if email and "@" in email:
            self._emails.add(email.strip().lower())
            self._placeholder("EMAIL", email.strip().lower())
        if dob:
            try:
                when = dob if isinstance(dob, date) else date.fromisoformat(str(dob)[:10])
            except ValueError:
                return
            self._dobs.add(when)
            self._placeholder("DOB", when.isoformat())

    def learn_from_text(self, text: str, *, expecting_name: bool = False) -> None:
        """A name the speaker introduced ("my name is ...", "me llamo ...", "soy ...")."""
        name = extract_name(text, "en", expecting_name=expecting_name)
        if name and fold(name) not in self.vocab.keep:
            self.learn(name=name)

    def learn_from_value(self, value: Any, key: str | None = None) -> None:
        """Names, phones, emails and birth dates under the personal keys of a tool's JSON."""
        if isinstance(value, dict):
            for k, v in value.items():
                if k == "customer" and isinstance(v, dict) and isinstance(v.get("name"), str):
                    self.learn(name=v["name"])
                self.learn_from_value(v, None if k in _THING_PARENTS else str(k))
        elif isinstance(value, list):
            for item in value:
                self.learn_from_value(item, key)
        elif isinstance(value, str) and key is not None:
            if key in NAME_KEYS - {"name"}:
                self.learn(name=value)
            elif key in PHONE_KEYS:
                self.learn(phone=value)
            elif key in EMAIL_KEYS:
                self.learn(email=value)
            elif key in DOB_KEYS:
                self.learn(dob=value)

    # --- redacting ----------------------------------------------------------------------

    def value(self, value: Any, key: str | None = None, parent: str | None = None) -> Any:
        """A tool's arguments or result, recursively: personal keys replaced whole, every
        other string redacted as text. Times, ids and numbers stay as they are."""
        if isinstance(value, dict):
            return {k: self.value(v, str(k), key) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(item, key, parent) for item in value]
        if not isinstance(value, str) or PLACEHOLDER.fullmatch(value):
            return value
        if key in PHONE_KEYS and value.strip():
            return self._placeholder("PHONE", self._phone_key(value))
        if key == "phone_ending":
            return self._ending(value) or "<PHONE_END>"
        if key in EMAIL_KEYS and "@" in value:
            return self._placeholder("EMAIL", value.strip().lower())
        if key in DOB_KEYS and value.strip():
            self.learn(dob=value)
            return self._placeholder("DOB", value.strip()[:10])
        person = key in NAME_KEYS and (key != "name" or parent == "customer")
        if person and value.strip():
            self.learn(name=value)
            return self._placeholder("NAME", self._names[fold(value)])
        return self.text(value)

    def text(self, text: str) -> str:
        """Free text with every known or detected phone, email, birth date and name
        replaced by its placeholder."""
        self.learn_from_text(text)
        spans = list(email_spans(text))
        day_first = self.region in DAY_FIRST_REGIONS
        spans += [s for s in birth_date_spans(text, self.today, day_first=day_first)
                  if not _inside(s, spans)]
        spans += [s for s in phone_spans(text, self.region) if not _inside(s, spans)]
        for dob in self._dobs:  # a birth date given before, said again in any form
            for form in date_forms(dob):
                for m in re.finditer(re.escape(form), text, re.IGNORECASE):
                    spans.append(Span(m.start(), m.end(), "DOB", dob.isoformat()))
        out = self._replace(text, spans)
        out = _ENDING.sub(lambda m: f"{m[1]} {self._ending(m[2]) or m[2]}", out)
        return self._replace_names(out)

    # --- internals ----------------------------------------------------------------------

    def _placeholder(self, kind: str, key: str) -> str:
        found = self.placeholders.get((kind, key))
        if found is None:
            number = 1 + sum(1 for k, _ in self.placeholders if k == kind)
            found = self.placeholders[(kind, key)] = f"<{kind}_{number}>"
        return found

    def _phone_key(self, raw: str) -> str:
        key = e164(raw, self.region) or re.sub(r"\D", "", raw) or raw
        self._phones.add(key)
        return key

    def _ending(self, digits: str) -> str | None:
        """The placeholder of the one number we hold that ends in these digits."""
        matches = [p for p in self._phones if p.endswith(digits)]
        return self._placeholder("PHONE", matches[0]) if len(matches) == 1 else None

    def _replace(self, text: str, spans: list[Span]) -> str:
        out, pos = [], 0
        for span in sorted(spans, key=lambda s: (s.start, -s.end)):
            if span.start < pos:
                continue  # inside one already replaced
            if span.kind == "PHONE":
                self._phones.add(span.key)
            out += [text[pos:span.start], self._placeholder(span.kind, span.key)]
            pos = span.end
        return "".join(out) + text[pos:]

    def _add_name(self, name: str) -> None:
        key = fold(name)
        if not key or key in self._names:
            return
        self._names[key] = key
        for word in re.findall(r"[^\W\d_]+", key):
            if (len(word) >= 2 and word not in self.vocab.keep and word not in _NOT_NAMES
                    and word not in _PARTICLES):
                self._names.setdefault(word, key)
        self._pattern = None

    def _replace_names(self, text: str) -> str:
        if not self._names:
            return text
        if self._pattern is None:
            alternatives = sorted(self._names, key=len, reverse=True)
            self._pattern = re.compile(
                r"(?<![\w<])(?:" + "|".join(_loose(a) for a in alternatives) + r")(?![\w>])",
                re.IGNORECASE)
        return self._pattern.sub(
            lambda m: self._placeholder("NAME", self._names.get(fold(m.group()), fold(m.group()))),
            text)


_PARTICLES = frozenset("de del la las los van von da di du le y".split())


def _loose(folded: str) -> str:
    """A regex for a folded name that also matches it with accents and any spacing."""
    accents = {"a": "[aáàâä]", "e": "[eéèêë]", "i": "[iíìîï]", "o": "[oóòôö]",
               "u": "[uúùûü]", "n": "[nñ]", "c": "[cç]"}
    parts = []
    for ch in folded:
        if ch.isspace():
            parts.append(r"\s+")
        else:
            parts.append(accents.get(ch, re.escape(ch)))
    return "".join(parts)


def _inside(span: Span, spans: list[Span]) -> bool:
    return any(span.start < s.end and s.start < span.end for s in spans)
