"""Entities in one caller turn: which service, phone number, email address (names:
``nlu.names``).

All pure functions over text; the tenant's service list comes in as data. Phone numbers
go through ``phonenumbers`` (the libphonenumber port) so that validation and E.164
formatting follow the real numbering plans, also when the digits were spoken as words.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import phonenumbers

from frontdesk.nlu.language import (
    DIGIT_WORDS,
    HUNDRED_WORDS,
    TEEN_WORDS,
    TENS_WORDS,
    strip_accents,
)
from frontdesk.nlu.types import Lang, ServiceMatch, ServiceName

__all__ = ["extract_email", "extract_phone", "match_services"]

MIN_SERVICE_SCORE = 0.75
# "haricut"~"haircut" 0.86 and "colouring"~"coloring" 0.94 pass; "check"~"checkup" 0.83 not.
_TYPO_RATIO = 0.84

# Function words are dropped from names and text alike. Chatter words (what callers say
# around any service) may be part of a name ("Check-up") but never match on their own.
_FUNCTION = frozenset(
    """a an the and or of for to in on at by with from my your our me i you we it is are
    be am was do does can could would will should want need get have has please some any
    this that these those just also so el la los las un una unos unas de del al y o en
    con por para mi mis tu su que me te se es si""".split()
)
_CHATTER = frozenset(
    """like book booking appointment appointments schedule reserve visit session service
    services time today tomorrow next week day morning afternoon evening tonight min
    minute hour hr message number name phone call new quick little full half hi hello
    thanks thank yes no not check see look find help one up done quiero quisiera
    necesito puedo podria tienen tiene hay cita hora reservar pedir sesion servicio
    manana tarde noche hoy semana dia favor gracias hola""".split()
)
# Built-in spoken names for common salon and clinic services (accent-free, singular).
# A tenant service that is called by any of these also answers to all the others.
_SPOKEN_SERVICES = """haircut|hair cut|cut|trim|corte|corte de pelo|cortar el pelo|cortarme el pelo|
    corte de cabello|pelar
    colouring|coloring|colour|color|hair colour|hair color|dye|hair dye|tint|tinte|coloracion|
    color de pelo|tenir el pelo
    highlight|balayage|mecha|reflejo
    blow dry|blowdry|blowout|blow out|brushing|peinado|secado
    manicure|mani|nail|manicura|uñas|manos
    pedicure|pedi|pedicura
    massage|masaje|massage therapy|masoterapia
    physiotherapy|physio|physical therapy|pt|fisio|fisioterapia|fisioterapeuta|rehabilitacion
    dental cleaning|teeth cleaning|cleaning|limpieza|limpieza dental|limpieza de dientes
    consultation|consult|consulta|general consultation|consulta general|doctor visit
    checkup|check up|physical|chequeo|revision|revision general|reconocimiento
    vaccination|vaccine|shot|flu shot|jab|vacuna|vacunacion
    blood test|blood work|analisis de sangre|analitica|extraccion
    waxing|wax|depilacion|cera
    facial|facial treatment|limpieza facial|tratamiento facial
    beard trim|beard|barba|arreglo de barba
    eyebrow|brow|ceja|depilacion de cejas
    teeth whitening|whitening|blanqueamiento|blanqueamiento dental"""
_CONCEPTS = tuple(  # one concept a line; a line ending in "|" goes on
    tuple(line.strip().split("|")) for line in re.sub(r"\|\s+", "|", _SPOKEN_SERVICES).splitlines()
)
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)?")


def _fold(word: str) -> str:
    """Lowercase, accents off (ñ kept: "uñas" is not "unas"), simple plural -> singular."""
    word = strip_accents(word.lower().replace("ñ", "\0")).replace("\0", "ñ")
    word = word.removesuffix("'s").replace("'", "")
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "xes", "ses", "zes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@dataclass(frozen=True, slots=True)
class _Token:
    word: str
    start: int
    end: int
    chatter: bool


def _content_tokens(text: str) -> list[_Token]:
    out = []
    for match in _TOKEN.finditer(text):
        word = _fold(match.group())
        if word not in _FUNCTION and match.group().lower() not in _FUNCTION:
            out.append(_Token(word, match.start(), match.end(), word in _CHATTER))
    return out


def _phrase(text: str) -> tuple[str, ...]:
    """Content words of a service name; hyphenated ones glued ("Check-up" -> checkup)."""
    glued = re.sub(r"(?<=[^\W\d_])-(?=[^\W\d_])", "", text)
    return tuple(token.word for token in _content_tokens(glued))


def _contains(phrase: tuple[str, ...], part: tuple[str, ...]) -> bool:
    n = len(part)
    return any(phrase[i : i + n] == part for i in range(len(phrase) - n + 1))


_CONCEPT_PHRASES = tuple(tuple(_phrase(v) for v in concept) for concept in _CONCEPTS)


@functools.lru_cache(maxsize=1 << 16)  # callers repeat words; difflib is the slow part
def _similar(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if min(len(a), len(b)) <= 4 or a.isdigit() or b.isdigit():
        return 0.0
    if 2 * min(len(a), len(b)) < _TYPO_RATIO * (len(a) + len(b)):
        return 0.0  # the lengths alone rule it out
    matcher = difflib.SequenceMatcher(None, a, b)
    if matcher.quick_ratio() < _TYPO_RATIO:
        return 0.0
    ratio = matcher.ratio()
    return ratio if ratio >= _TYPO_RATIO else 0.0


def _units(tokens: Sequence[_Token]) -> Iterator[_Token]:
    """Single text tokens and adjacent pairs glued ("hair cut" -> "haircut")."""
    for i, token in enumerate(tokens):
        yield token
        if i + 1 < len(tokens):
            glued = token.word + tokens[i + 1].word
            yield _Token(glued, token.start, tokens[i + 1].end, glued in _CHATTER)


def _phrase_score(phrase: tuple[str, ...], tokens: Sequence[_Token]) -> tuple[float, int, int]:
    """(score, start, end) of ``phrase`` in the text; score 0 when it is not there."""
    units = list(_units(tokens))
    total = sum(len(word) for word in phrase)
    covered = weighted = 0.0
    start, end, i, substance = -1, -1, 0, False
    while i < len(phrase):
        best: tuple[float, int, _Token | None] = (0.0, 1, None)
        for width in (2, 1) if i + 1 < len(phrase) else (1,):  # "hair cut" ~ "haircut"
            piece = "".join(phrase[i : i + width])
            for unit in units:
                sim = _similar(piece, unit.word)
                if sim > best[0] or (sim == best[0] > 0 and width > best[1]):
                    best = (sim, width, unit)
        sim, width, hit = best
        if hit is not None:
            length = sum(len(word) for word in phrase[i : i + width])
            covered += length
            weighted += sim * length
            start = hit.start if start < 0 else min(start, hit.start)
            end = max(end, hit.end)
            substance = substance or not hit.chatter
        i += width
    if not substance:
        return 0.0, -1, -1
    quality = weighted / covered
    coverage = covered / total
    if coverage >= 1.0:
        return quality, start, end
    # Part of a longer name ("cleaning" for "Dental cleaning"): plausible, never certain.
    return (0.55 + 0.4 * coverage) * quality, start, end


def _service_phrases(service: ServiceName, lang: Lang) -> Phrases:
    own = (service.name, *service.synonyms.get(lang, []))
    other = tuple(s for key, names in service.synonyms.items() if key != lang for s in names)
    return _expand(own, other)


Phrases = tuple[tuple[tuple[str, ...], float], ...]


@functools.lru_cache(maxsize=4096)
def _expand(own: tuple[str, ...], other: tuple[str, ...]) -> Phrases:
    """A service's names (weight 1), its other-language names (0.97) and the built-in
    spoken names of the concept it is (0.95) or contains (0.85)."""
    named = [(_phrase(p), 1.0) for p in own] + [(_phrase(p), 0.97) for p in other]
    joined = {"".join(p) for p, _ in named if p}
    phrases = list(named)
    for concept in _CONCEPT_PHRASES:
        # "Hair colour" is a colouring; "Flu vaccination" contains one; "Beard trim" is
        # no haircut although "trim" is one of its spoken names.
        same = any(_similar("".join(v), j) >= 0.9 for v in concept for j in joined)
        if same or any(_contains(p, concept[0]) for p, _ in named):
            phrases.extend((variant, 0.95 if same else 0.85) for variant in concept)
    return tuple((p, weight) for p, weight in phrases if p)


def match_services(
    text: str, services: Sequence[ServiceName], lang: Lang
) -> list[ServiceMatch]:
    """Services the caller names, best first, each with a 0..1 score; weak ones dropped.

    Tolerates plurals, missing accents, split or glued words and small typos, and knows
    common spoken names ("a trim" for a haircut, "fisio", "manicura"), but never matches
    on a function word or on words like "appointment" that every request contains.
    """
    tokens = _content_tokens(text)
    if not tokens:
        return []
    found: list[tuple[float, int, int, str]] = []
    for service in services:
        best = (0.0, -1, -1)
        for phrase, weight in _service_phrases(service, lang):
            score, start, end = _phrase_score(phrase, tokens)
            score *= weight
            if (score, end - start) > (best[0], best[2] - best[1]):
                best = (score, start, end)
        if best[0] >= MIN_SERVICE_SCORE:
            found.append((best[0], best[1], best[2], service.service_id))
    # A match inside a longer one ("trim" in "beard trim") is the weaker reading.
    adjusted = []
    for score, start, end, sid in found:
        inside = any(
            s <= start and end <= e and (e - s) > (end - start) and other >= score
            for other, s, e, _ in found
        )
        adjusted.append((score * 0.9 if inside else score, start, end, sid))
    adjusted.sort(key=lambda m: (-m[0], -(m[2] - m[1])))
    return [ServiceMatch(sid, round(score, 3), text[s:e]) for score, s, e, sid in adjusted]


# --- phone numbers -------------------------------------------------------------------

_REPEAT = {"double": 2, "doble": 2, "triple": 3}
_SPOKEN = re.compile(r"\+|\d+|[^\W\d_]+")


def _below_hundred(words: Sequence[str], i: int) -> tuple[int, int, int] | None:
    """(value, digits, next index) for "7", "seventeen", "thirty four", "treinta y dos"."""
    word = words[i]
    if word in TEEN_WORDS:
        return TEEN_WORDS[word], 2, i + 1
    if word in TENS_WORDS:
        value, j = TENS_WORDS[word], i + 1
        if j < len(words) and words[j] == "y":
            j += 1
        if j < len(words) and words[j] in DIGIT_WORDS and words[j] not in ("oh", "cero"):
            return value + DIGIT_WORDS[words[j]], 2, j + 1
        return value, 2, i + 1
    return None


def _digit_group(words: Sequence[str], i: int) -> tuple[str, int] | None:
    """The digits one spoken group stands for, and where the next group starts."""
    word = words[i]
    if word.isdigit():
        return word, i + 1
    if word in _REPEAT and i + 1 < len(words) and words[i + 1] in DIGIT_WORDS:
        return str(DIGIT_WORDS[words[i + 1]]) * _REPEAT[word], i + 2
    hundreds, english = HUNDRED_WORDS.get(word), False
    if hundreds is None and word in DIGIT_WORDS and i + 1 < len(words):
        if words[i + 1] == "hundred" and word not in ("oh", "zero"):
            hundreds, english, i = DIGIT_WORDS[word] * 100, True, i + 1
    if hundreds is not None:
        joined = i + 1 < len(words) and words[i + 1] in ("and", "y")
        j = i + 1 + joined
        rest = _below_hundred(words, j) if j < len(words) else None
        # "seiscientos cinco" is 605, but "eight hundred five five five" is 800-555.
        if rest is None and j < len(words) and words[j] in DIGIT_WORDS:
            if joined or not english:
                rest = (DIGIT_WORDS[words[j]], 1, j + 1)
        if rest is not None:
            return str(hundreds + rest[0]), rest[2]
        return str(hundreds), i + 1
    if below := _below_hundred(words, i):
        return f"{below[0]:0{below[1]}d}", below[2]
    if word in DIGIT_WORDS:
        return str(DIGIT_WORDS[word]), i + 1
    return None


def spoken_digit_runs(text: str, min_digits: int = 7) -> Iterator[str]:
    """Digit strings (of ``min_digits`` or more) from runs of digits and number words
    ("five five five, 0 1 2 3"); a run after "plus"/"más"/"+" keeps its "+"."""
    words = [strip_accents(w).lower() for w in _SPOKEN.findall(text)]
    i, run, prefix = 0, "", ""
    while i < len(words):
        group = _digit_group(words, i)
        if group is not None and (run or words[i] != "oh"):
            run, i = run + group[0], group[1]
            continue
        if len(run) >= min_digits:
            yield prefix + run
        run, prefix = "", "+" if words[i] in ("+", "plus", "mas") else ""
        i += 1
    if len(run) >= min_digits:
        yield prefix + run


def _as_e164(candidate: str, region: str) -> str | None:
    try:
        number = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return None
    possible = phonenumbers.is_possible_number_with_reason(number)
    if phonenumbers.is_valid_number(number) or possible == (
        phonenumbers.ValidationResult.IS_POSSIBLE
    ):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def extract_phone(text: str, region: str) -> str | None:
    """The first phone number in ``text`` as E.164 ("+14155550123"), or None.

    Written numbers go through libphonenumber's matcher for ``region`` (an ISO country
    code: "US", "ES"); numbers spoken as words, in English or Spanish ("five five five,
    oh one two three", "seis uno dos, treinta y cuatro...") are turned into digits first.
    Fictional-but-well-formed numbers (555 area codes) are accepted as possible numbers.
    """
    for match in phonenumbers.PhoneNumberMatcher(text, region):
        return phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
    for run in spoken_digit_runs(text):
        if number := _as_e164(run, region):
            return number
    return None


# --- email ---------------------------------------------------------------------------

_EMAIL = re.compile(r"[a-z0-9][a-z0-9._%+-]*@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,24}\b")
_SPOKEN_EMAIL_WORDS = (
    (re.compile(r"\s+(?:at|arroba|at sign)\s+"), " @ "),
    (re.compile(r"\s+(?:dot|punto|period)\s+"), " . "),
    (re.compile(r"\s+(?:underscore|guion bajo|barra baja)\s+"), " _ "),
    (re.compile(r"\s+(?:dash|hyphen|guion|menos)\s+"), " - "),
)
_SPELLED = re.compile(r"\b(?:[a-z0-9] )+[a-z0-9]\b")


def extract_email(text: str) -> str | None:
    """The first email address, written ("ana@example.com") or spoken ("john dot smith
    at example dot com", "ana arroba gmail punto com", letters spelled one by one)."""
    lowered = text.lower()
    if match := _EMAIL.search(lowered):
        return match.group()
    spoken = " " + " ".join(strip_accents(text).lower().split()) + " "
    spoken = _SPELLED.sub(lambda m: m.group().replace(" ", ""), spoken)
    for pattern, symbol in _SPOKEN_EMAIL_WORDS:
        spoken = pattern.sub(symbol, spoken)
    spoken = re.sub(r"\s*([@._-])\s*", r"\1", spoken)
    if match := _EMAIL.search(spoken):
        return match.group()
    return None
