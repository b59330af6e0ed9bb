"""Services callers ask for that a business may not offer, English and Spanish: the
words that name a service ("massage", "pedicura", "dentist"), so that the agent can say
"we don't offer that, we do ..." instead of not understanding. Pure.

Only concrete services: words every request contains ("appointment", "cita", "visit",
"session") are never here. The business's own services and their spoken names are
checked first by the caller (a salon that lists "waxing" offers it).
"""

from __future__ import annotations

import re

from frontdesk.nlu.language import normalize
from frontdesk.nlu.types import Lang

_WORDS: dict[Lang, tuple[str, ...]] = {
    "en": (
        "massage", "pedicure", "facial", "waxing", "wax", "eyebrows", "eyebrow", "brows",
        "eyelashes", "lashes", "tattoo", "piercing", "makeup", "make-up", "spray tan",
        "tanning", "beard trim", "shave", "perm", "extensions", "braids", "keratin",
        "dentist", "dental cleaning", "dental", "teeth cleaning", "teeth", "filling",
        "x-ray", "xray", "blood test", "blood work", "vaccine", "vaccination", "flu shot",
        "ultrasound", "mri", "scan", "surgery", "eye exam", "optometrist", "dermatologist",
        "psychologist", "psychiatrist", "therapist", "acupuncture", "chiropractor",
        "pediatrician", "gynecologist", "cardiologist", "nutritionist", "podiatrist",
        "botox",
    ),
    "es": (
        "masaje", "masajes", "pedicura", "limpieza facial", "facial", "depilacion",
        "depilar", "cera", "cejas", "pestanas", "tatuaje", "piercing", "maquillaje",
        "bronceado", "afeitado", "barba", "permanente", "extensiones", "trenzas",
        "keratina", "dentista", "limpieza dental", "dental", "dientes", "muelas",
        "empaste", "radiografia", "analisis de sangre", "analitica", "vacuna",
        "vacunas", "ecografia", "resonancia", "cirugia", "oculista", "oftalmologo",
        "dermatologo", "dermatologa", "psicologo", "psicologa", "psiquiatra",
        "acupuntura", "quiropractico", "pediatra", "ginecologo", "ginecologa",
        "cardiologo", "nutricionista", "podologo", "botox",
    ),
}
_PATTERNS: dict[Lang, re.Pattern[str]] = {
    lang: re.compile(
        r"\b(" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
        + r")(?:e?s)?\b"
    )
    for lang, words in _WORDS.items()
}


def named_services(text: str, lang: Lang) -> list[str]:
    """The service words in ``text`` (normalised, longest reading first), in either
    language's list when the caller mixes them."""
    norm = normalize(text)
    found: list[str] = []
    for pattern in (_PATTERNS[lang], _PATTERNS["es" if lang == "en" else "en"]):
        for match in pattern.finditer(norm):
            if not any(match.group(1) in f for f in found):  # "dental" in "limpieza dental"
                found.append(match.group(1))
    return found
