"""Match what a caller asks to a business's own questions (its FAQ), English and Spanish,
loosely: "can I just walk in?" finds "Do you take walk-ins?", "¿hace falta volante?"
finds "¿Necesito un volante?". Pure.

A question is reduced to its content words (no function words, no "you"/"usted"), each
cut to a rough stem and mapped through a few groups of words callers use for the same
thing (need / hace falta / necesito; bring / traer / llevar). The score is the share of
the business's question's content words the caller said (recall), with near spellings
counting; a match must reach :data:`THRESHOLD` and share a word that is not just a
common verb (a question made only of common verbs must be matched whole). Below it the
agent says it does not know and offers a person: an answer to another question is worse
than none (ADR 0047).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from frontdesk.nlu.language import normalize

THRESHOLD = 0.5
_NEAR = 0.84  # SequenceMatcher ratio at which two longer stems are one word misspelt

_STOP = frozenset(
    """a an the i me my we us our you your yours he she it its they them their this that
    these those is are am was were be been being do does did doing have has had having
    can could will would should shall may might must to of in on at by for with about
    from into over under up down out off and or but if so than then too very just any
    some there here what where when how which who whom why whose please thanks thank
    hi hello hey guys get got also really actually maybe ok okay yes no not
    el la los las un una unos unas de del al a en y o u que se me te le les lo nos os
    su sus mi mis tu tus es son esta estan ser hay por para con como cuando donde
    cual cuales quien usted ustedes vosotros hola buenas buenos dias tardes favor pues
    oiga oye mire si no ya tambien muy mas algo alguna alguno puedo puede pueden podria
    tengo tiene tienen teneis tener hace hacen haceis""".split()
)
# Words callers use for the same thing, in either language: each maps to its group's
# first word, so "hace falta" meets "necesito" and "llevar" meets "traer".
_SAME = [
    ("need", "needed", "necesito", "necesita", "necesitan", "necesario", "falta",
     "require", "required", "requires", "requisito", "obligatorio"),
    ("bring", "take", "traer", "traigo", "llevar", "llevo"),
    ("sell", "sale", "buy", "venden", "vender", "venta", "comprar", "vendeis"),
    ("child", "children", "kid", "kids", "nino", "ninos", "nina", "ninas", "hijo",
     "hijos", "infantil", "menores"),
    ("walk", "walkin", "walkins", "sin"),
    ("referral", "volante", "derivacion"),
    ("gift", "regalo"),
    ("card", "cards", "tarjeta", "tarjetas", "certificate", "certificates", "voucher",
     "vouchers", "vale", "vales", "bono", "bonos"),
    ("cut", "cortan", "cortar", "corte", "haircut"),
    ("hair", "pelo", "cabello"),
    ("see", "atienden", "atender", "atiende", "treat", "visitan"),
    ("appointment", "cita", "consulta", "consultation", "visit"),
    ("insurance", "seguro", "aseguradora", "mutua"),
    ("wifi", "internet"),
    ("pet", "pets", "dog", "dogs", "mascota", "mascotas", "perro", "perros"),
]
_CANON = {word: group[0] for group in _SAME for word in group}
# Shared, they say little about which question was asked ("do you have", "can I see").
_WEAK = frozenset({"need", "bring", "see", "appointment", "sell", "offer", "take", "come"})


def _stem(word: str) -> str:
    if word in _CANON:
        return _CANON[word]
    for suffix in ("ing", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            cut = word[: -len(suffix)]
            return _CANON.get(cut, cut)
    return word


def content_words(text: str) -> list[str]:
    """The words that carry a question's meaning, stemmed and grouped."""
    norm = normalize(text).replace("-", "").replace("'", " ")
    words = [w for w in norm.split() if w.isalpha() and w not in _STOP and len(w) > 1]
    return list(dict.fromkeys(_stem(w) for w in words))


def _same_word(a: str, b: str) -> bool:
    if a == b:
        return True
    return min(len(a), len(b)) >= 5 and SequenceMatcher(None, a, b).ratio() >= _NEAR


@dataclass(frozen=True, slots=True)
class FaqMatch:
    index: int  # which of the questions given
    score: float  # 0..1: the share of its content words the caller said


def score(asked: str, question: str) -> float:
    """How much of ``question``'s meaning ``asked`` says (0..1); 0 when they share only
    common verbs."""
    wanted = content_words(question)
    said = content_words(asked)
    if not wanted or not said:
        return 0.0
    hits = [w for w in wanted if any(_same_word(w, s) for s in said)]
    if any(w not in _WEAK for w in wanted):
        if not any(w not in _WEAK for w in hits):
            return 0.0
    elif len(hits) < len(wanted):  # "what should I bring to my appointment?": all or none
        return 0.0
    return len(hits) / len(wanted)


def best_match(
    asked: str, questions: Sequence[Sequence[str]], *, threshold: float = THRESHOLD
) -> FaqMatch | None:
    """The business's question ``asked`` is closest to, if it reaches ``threshold``.
    ``questions[i]`` holds entry i's question in each language it was written in."""
    best: FaqMatch | None = None
    best_key = (0.0, 0)
    for i, phrasings in enumerate(questions):
        # Ties go to the question that says more ("... gift cards online?" over "... gift
        # cards?" when the caller said "online"): it matched more words.
        key = max(((score(asked, q), len(content_words(q))) for q in phrasings),
                  default=(0.0, 0))
        if key[0] >= threshold and (best is None or key > best_key):
            best, best_key = FaqMatch(i, key[0]), key
    return best
