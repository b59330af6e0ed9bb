"""A caller's name in one turn ("my name is Ana", "soy Pedro", or a bare "Lucía" when
the agent just asked for it), in English and Spanish: pure functions over text."""

from __future__ import annotations

import re

from frontdesk.nlu.language import strip_accents
from frontdesk.nlu.types import Lang

__all__ = ["extract_name"]

# "my name is ana" is a name even lowercase; after "I'm"/"soy" only a capitalised word
# is ("I'm Sam" vs "I'm looking", "soy Pedro" vs "soy nuevo").
_NAME_SURE = re.compile(
    r"\b(?:my name is|my name's|the name is|name's|you can call me|me llamo|mi nombre es|"
    r"me puede llamar|me pueden llamar)\s+",
    re.IGNORECASE,
)
_NAME_MAYBE = re.compile(
    r"(?:^|\b)(?:this is|it's|it is|i'm|i am|soy|le habla|te habla|habla|aquí|here is)\s+",
    re.IGNORECASE,
)
_NAME_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_PARTICLES = frozenset("de del la las los van von da di du le".split())
_HONORIFICS = frozenset("mr mrs ms miss dr doctor sr sra srta senor senora don dona".split())
_NOT_NAMES = frozenset(
    """i me my you your we our the a an and or but so if not no yes yeah ok okay sure
    sorry fine good great well here there calling looking trying just also still new
    back done ready interested free available busy open closed happy glad hoping going
    wondering please thanks thank hi hello hey for to with at on in from about up out
    monday tuesday wednesday thursday friday saturday sunday today tomorrow tonight
    morning afternoon evening noon january february march april may june july august
    september october november december el la lo los las un una uno yo para que con por
    en bien mal nuevo nueva cliente clienta paciente lunes martes miercoles jueves
    viernes sabado domingo hoy manana tarde noche enero febrero marzo abril mayo junio
    julio agosto septiembre octubre noviembre diciembre gracias hola si vale claro
    bueno perfecto llamo alergico alergica what why who how when where which huh pardon
    como quien donde cuando perdon""".split()
)
_FILLERS_BEFORE = re.compile(
    r"^(?:(?:uh+|um+|er|yes|yeah|yep|sure|ok|okay|so|well|it's|its|it is|this is|sí|si|"
    r"claro|vale|pues|bueno|soy|me llamo|my name is|name is)[\s,.:!]+)*",
    re.IGNORECASE,
)
_FILLERS_AFTER = re.compile(
    r"(?:[\s,.]+(?:please|thanks|thank you|here|speaking|por favor|gracias))*[\s,.!]*$",
    re.IGNORECASE,
)


def _name_at(text: str, start: int, *, sure: bool, whole: bool) -> str | None:
    """The name (1-4 words; 1-3 with ``whole``) at ``start``; with ``whole`` nothing may
    follow it."""
    words: list[str] = []
    pos = start
    while len(words) < 6:
        match = _NAME_WORD.match(text, pos)
        if match is None:
            break
        word = match.group()
        key = strip_accents(word).lower()
        if not words and key.rstrip(".") in _HONORIFICS:
            pos = text.find(" ", match.end())
            if pos < 0:
                return None
            pos += 1
            continue
        cased = not sure or (bool(words) and words[0][0].isupper())
        if words and key in _PARTICLES and not word[0].isupper():
            words.append(word.lower())
        elif key in _NOT_NAMES or (cased and not word[0].isupper()):
            break
        else:
            words.append(word)
        pos = match.end()
        if not text.startswith(" ", pos):
            break
        pos += 1
    while words and strip_accents(words[-1]).lower() in _PARTICLES:
        words.pop()
    proper = [w for w in words if strip_accents(w).lower() not in _PARTICLES]
    if not 1 <= len(proper) <= (3 if whole else 4):  # "Juan Carlos Fuente Pérez" is one
        return None
    if whole and text[start:].strip(" ,.!").count(" ") + 1 > len(words):
        return None
    return " ".join(w if w.lower() in _PARTICLES else w[0].upper() + w[1:] for w in words)


def extract_name(text: str, lang: Lang, *, expecting_name: bool = False) -> str | None:
    """The caller's name: "my name is Ana García", "this is John", "I'm Sam Lee",
    "me llamo Lucía", "soy Pedro" - but not "I'm looking...", "I'm free", "soy nuevo".

    With ``expecting_name`` (the agent just asked for it) a bare 1-3 word answer counts
    too: "Lucía", "uh, it's Maria", "ana garcía please".
    """
    del lang  # the patterns of both languages apply: callers mix them
    text = text.strip().replace("’", "'")
    for pattern, sure in ((_NAME_SURE, True), (_NAME_MAYBE, False)):
        for match in pattern.finditer(text):
            if name := _name_at(text, match.end(), sure=sure, whole=False):
                return name
    if expecting_name:
        core = _FILLERS_AFTER.sub("", _FILLERS_BEFORE.sub("", text))
        if core and not any(ch.isdigit() for ch in core):
            return _name_at(core, 0, sure=True, whole=True)
    return None
