"""Every Spanish sentence the business says — the agent's phrases, refusals, call lines,
texts, reminders, codes — speaks to the customer as usted, never tú: one register, so a
reply never mixes "¿Le puedo ayudar?" with "¿Quieres...?".

The sentences are found in the source, not listed by hand: every string that is the
``"es"`` value of a dict literal in the modules that talk to customers, so a new table
is covered the day it is written.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "frontdesk"
SPEAKING = [
    *sorted((SRC / "conversation").glob("*.py")),
    *sorted((SRC / "services" / "notices").glob("*.py")),
    SRC / "services" / "follow_ups.py",
    SRC / "services" / "phone_verification.py",
    SRC / "channels" / "telnyx_voice.py",
]
# Forms of tú: its pronouns and possessives, and the verb forms and imperatives a front
# desk would use. (Usted's "le", "su", "quiere", "responda" are what we want.)
_TU = re.compile(
    r"\b(?:tú|te|ti|contigo|tu|tus|tuyo|tuya|quieres|puedes|tienes|prefieres|necesitas|"
    r"deseas|vienes|estás|eres|sabes|llamas|escribes|responde|respóndenos|escríbenos|"
    r"llámanos|dime|dinos|elige|indícanos|confirma|avísanos|pásate|ven|mira|oye)\b",
    re.IGNORECASE,
)
_USTED = re.compile(r"\b(?:usted|le|su|sus|quiere|puede|desea|responda|llame)\b", re.I)


def _spanish_strings(path: Path) -> list[str]:
    """The "es" values of every dict literal in ``path`` (f-strings' literal parts too)."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Dict):
            continue
        for key, value in zip(node.keys, node.values, strict=True):
            if isinstance(key, ast.Constant) and key.value == "es" and value is not None:
                found += [c.value for c in ast.walk(value)
                          if isinstance(c, ast.Constant) and isinstance(c.value, str)]
    return found


SENTENCES = [(path.relative_to(SRC).as_posix(), text)
             for path in SPEAKING for text in _spanish_strings(path)]


def test_the_scan_finds_the_spanish_sentences() -> None:
    assert len(SENTENCES) > 120
    files = {name for name, _ in SENTENCES}
    assert {"conversation/phrases.py", "conversation/sms_keywords.py",
            "conversation/refusals.py", "services/notices/messages.py"} <= files
    # The register is usted: many sentences say so.
    assert sum(1 for _, text in SENTENCES if _USTED.search(text)) > 60


@pytest.mark.parametrize(("where", "text"), SENTENCES)
def test_spanish_is_usted_never_tu(where: str, text: str) -> None:
    found = _TU.findall(text)
    assert not found, f"{where}: tú-form {found} in {text!r}"


def test_the_check_catches_tu() -> None:
    assert _TU.search("¿Quieres que te pase con alguien?")
    assert _TU.search("Responde C para confirmar tu cita.")
    assert not _TU.search("¿Quiere que le pase con alguien? Responda C para confirmar su cita.")
