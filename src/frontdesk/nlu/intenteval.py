"""Score :func:`frontdesk.nlu.intents.classify` on real dialogues (Schema-Guided Dialogue).

The SGD appointment dialogues (``sgd_appointments_dev.jsonl``, English) annotate every
user turn with dialogue acts. Each act that has a counterpart in our :class:`Intent`
set gives the intents that would be a right reading of it; acts without one (slot
values, questions about an address, weather and taxi requests) give nothing, and a turn
where no act has a counterpart is skipped. A turn's expected set is the union over its
acts.

    act                              accepted intents        why
    AFFIRM                           yes
    AFFIRM_INTENT                    yes, book               accepts the system's offer to book
    NEGATE, NEGATE_INTENT            no
    NEGATE with INFORM in the turn   no, correction          "No, make it 4 pm" corrects a slot
    SELECT                           yes, choice             accepts an offered provider/slot
    REQUEST_ALTS                     availability, no        "anyone else?" - asks for more
    THANK_YOU                        thanks
    GOODBYE                          goodbye
    INFORM_INTENT BookAppointment    book
    INFORM_INTENT FindProvider       availability, book      "find me a therapist" searches
    INFORM, REQUEST, other intents   (none)

Top-1 is right when ``classify(...)[0]`` is in the expected set; top-2 when either of
the first two is. ``all_acts`` is stricter: every mapped act is answered somewhere in
the output ("No, thanks" needs both no and thanks).

Run: ``python -m frontdesk.nlu.intenteval [path/to/sgd_appointments_dev.jsonl]``.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from frontdesk.nlu.intents import classify
from frontdesk.nlu.types import Intent

SGD_FILE = "sgd_appointments_dev.jsonl"
# src/frontdesk/nlu/intenteval.py -> the checkout's parent holds shared/data.
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[4] / "shared" / "data"

_ACT_INTENTS: dict[str, frozenset[Intent]] = {
    "AFFIRM": frozenset({Intent.YES}),
    "AFFIRM_INTENT": frozenset({Intent.YES, Intent.BOOK}),
    "NEGATE": frozenset({Intent.NO}),
    "NEGATE_INTENT": frozenset({Intent.NO}),
    "SELECT": frozenset({Intent.YES, Intent.CHOICE}),
    "REQUEST_ALTS": frozenset({Intent.AVAILABILITY, Intent.NO}),
    "THANK_YOU": frozenset({Intent.THANKS}),
    "GOODBYE": frozenset({Intent.GOODBYE}),
}
_USER_INTENTS: dict[str, frozenset[Intent]] = {
    "BookAppointment": frozenset({Intent.BOOK}),
    "FindProvider": frozenset({Intent.AVAILABILITY, Intent.BOOK}),
}


@dataclass(frozen=True, slots=True)
class LabelledTurn:
    dialogue_id: str
    turn: int
    text: str
    acts: tuple[str, ...]  # e.g. ("NEGATE", "INFORM", "INFORM_INTENT:BookAppointment")
    expected: tuple[frozenset[Intent], ...]  # one accepted set per mapped act


def expected_intents(acts: Sequence[str]) -> tuple[frozenset[Intent], ...]:
    """The accepted intent sets of a user turn's acts; empty when none maps (skip it)."""
    has_inform = "INFORM" in acts
    out: list[frozenset[Intent]] = []
    for act in dict.fromkeys(acts):  # keep order, drop repeats
        name, _, value = act.partition(":")
        if name == "INFORM_INTENT":
            accepted = _USER_INTENTS.get(value)
        elif name == "NEGATE" and has_inform:
            accepted = frozenset({Intent.NO, Intent.CORRECTION})
        else:
            accepted = _ACT_INTENTS.get(name)
        if accepted is not None:
            out.append(accepted)
    return tuple(out)


def _turn_acts(turn: Mapping[str, Any]) -> tuple[str, ...]:
    acts: list[str] = []
    for frame in turn.get("frames", []):
        for action in frame.get("actions", []):
            act = str(action["act"])
            if act == "INFORM_INTENT":
                acts.extend(f"{act}:{value}" for value in action.get("values", []))
            else:
                acts.append(act)
    return tuple(acts)


def load_turns(path: Path) -> Iterator[LabelledTurn]:
    """Every user turn of the SGD file, with its acts and their accepted intents."""
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            dialogue = json.loads(line)
            for index, turn in enumerate(dialogue["turns"]):
                if turn["speaker"] != "USER":
                    continue
                acts = _turn_acts(turn)
                yield LabelledTurn(
                    dialogue_id=str(dialogue["dialogue_id"]),
                    turn=index,
                    text=str(turn["utterance"]),
                    acts=acts,
                    expected=expected_intents(acts),
                )


def score_turns(turns: Iterable[LabelledTurn]) -> dict[str, Any]:
    """Accuracy of ``classify`` (English) on the mapped turns, with every failure."""
    total = mapped = top1 = top2 = all_acts = 0
    per_intent: Counter[str] = Counter()
    per_intent_ok: Counter[str] = Counter()
    failures: list[dict[str, Any]] = []
    for turn in turns:
        total += 1
        if not turn.expected:
            continue
        mapped += 1
        accepted = frozenset().union(*turn.expected)
        got = classify(turn.text, "en")
        ok1 = got[0] in accepted
        ok2 = any(intent in accepted for intent in got[:2])
        top1 += ok1
        top2 += ok2
        all_acts += all(any(intent in s for intent in got) for s in turn.expected)
        key = "+".join(sorted({act.partition(":")[0] for act in turn.acts} - {"INFORM"}))
        per_intent[key] += 1
        per_intent_ok[key] += ok1
        if not ok1:
            failures.append(
                {
                    "dialogue_id": turn.dialogue_id,
                    "turn": turn.turn,
                    "text": turn.text,
                    "acts": list(turn.acts),
                    "expected": sorted(accepted),
                    "got": [str(intent) for intent in got],
                    "top2_ok": ok2,
                }
            )
    return {
        "turns": total,
        "mapped": mapped,
        "skipped": total - mapped,
        "top1_correct": top1,
        "top2_correct": top2,
        "top1_accuracy": round(top1 / mapped, 4) if mapped else 0.0,
        "top2_accuracy": round(top2 / mapped, 4) if mapped else 0.0,
        "all_acts_accuracy": round(all_acts / mapped, 4) if mapped else 0.0,
        "by_acts": {
            key: {"turns": n, "top1_accuracy": round(per_intent_ok[key] / n, 4)}
            for key, n in per_intent.most_common()
        },
        "failures": failures,
    }


def evaluate_sgd(path: Path | None = None) -> dict[str, Any]:
    """Load the SGD appointment dialogues (default: the shared data folder) and score."""
    file = path or DEFAULT_DATA_DIR / SGD_FILE
    result = score_turns(load_turns(file))
    result["file"] = str(file)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    result = evaluate_sgd(Path(args[0]) if args else None)
    json.dump(result, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
