"""The SGD act -> intent mapping, the scorer, and the floor on real dialogues."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from frontdesk.nlu.intenteval import (
    DEFAULT_DATA_DIR,
    SGD_FILE,
    LabelledTurn,
    evaluate_sgd,
    expected_intents,
    load_turns,
    main,
    score_turns,
)
from frontdesk.nlu.types import Intent

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
SGD = DATA / SGD_FILE
needs_sgd = pytest.mark.skipif(
    not SGD.exists(), reason=f"{SGD} is absent: the shared data folder holds the SGD dialogues"
)


def test_data_paths_agree() -> None:
    assert DATA == DEFAULT_DATA_DIR
    assert DATA.name == "data" and DATA.parent.name == "shared"


@pytest.mark.parametrize(
    ("acts", "expected"),
    [
        (["AFFIRM"], [{Intent.YES}]),
        (["AFFIRM_INTENT"], [{Intent.YES, Intent.BOOK}]),
        (["NEGATE"], [{Intent.NO}]),
        (["NEGATE", "INFORM"], [{Intent.NO, Intent.CORRECTION}]),
        (["NEGATE_INTENT"], [{Intent.NO}]),
        (["SELECT"], [{Intent.YES, Intent.CHOICE}]),
        (["REQUEST_ALTS"], [{Intent.AVAILABILITY, Intent.NO}]),
        (["THANK_YOU", "GOODBYE"], [{Intent.THANKS}, {Intent.GOODBYE}]),
        (["INFORM_INTENT:BookAppointment"], [{Intent.BOOK}]),
        (["INFORM_INTENT:FindProvider", "INFORM"], [{Intent.AVAILABILITY, Intent.BOOK}]),
        (["INFORM_INTENT:GetWeather", "INFORM"], []),
        (["INFORM", "INFORM"], []),
        (["REQUEST", "REQUEST"], []),
        (["AFFIRM", "AFFIRM"], [{Intent.YES}]),
    ],
)
def test_act_mapping(acts: list[str], expected: list[set[Intent]]) -> None:
    assert [set(s) for s in expected_intents(acts)] == expected


def _turn(text: str, *acts: str) -> LabelledTurn:
    return LabelledTurn("d", 0, text, acts, expected_intents(acts))


def test_scorer_counts_top1_top2_and_skips_unmapped() -> None:
    turns = [
        _turn("yes please", "AFFIRM"),  # right
        _turn("No, thanks", "NEGATE", "THANK_YOU"),  # right, and both acts answered
        _turn("Thanks, what's the address?", "AFFIRM", "REQUEST"),  # wrong: thanks first
        _turn("What's the weather there?", "INFORM_INTENT:GetWeather"),  # skipped
    ]
    result = score_turns(turns)
    assert (result["turns"], result["mapped"], result["skipped"]) == (4, 3, 1)
    assert result["top1_correct"] == 2
    assert result["top1_accuracy"] == round(2 / 3, 4)
    assert [f["text"] for f in result["failures"]] == ["Thanks, what's the address?"]
    assert result["failures"][0]["expected"] == ["yes"]
    json.dumps(result)  # JSON-able


def test_load_turns_reads_user_turns_only(tmp_path: Path) -> None:
    dialogue = {
        "dialogue_id": "x",
        "turns": [
            {"speaker": "USER", "utterance": "Please book an appointment", "frames": [{"actions": [
                {"act": "INFORM_INTENT", "values": ["BookAppointment"]}]}]},
            {"speaker": "SYSTEM", "utterance": "Done", "frames": []},
            {"speaker": "USER", "utterance": "Thanks", "frames": [{"actions": [
                {"act": "THANK_YOU", "values": []}]}]},
        ],
    }
    path = tmp_path / "sgd.jsonl"
    path.write_text(json.dumps(dialogue) + "\n\n", encoding="utf-8")
    turns = list(load_turns(path))
    assert [(t.turn, t.text, t.acts) for t in turns] == [
        (0, "Please book an appointment", ("INFORM_INTENT:BookAppointment",)),
        (2, "Thanks", ("THANK_YOU",)),
    ]
    assert evaluate_sgd(path)["top1_accuracy"] == 1.0


@needs_sgd
def test_sgd_accuracy_floor() -> None:
    """Measured on the 1,122 mapped user turns: top-1 0.950, top-2 0.975, all acts 0.922."""
    result = evaluate_sgd(SGD)
    assert result["mapped"] > 1000
    assert result["top1_accuracy"] >= 0.92
    assert result["top2_accuracy"] >= 0.95
    assert result["all_acts_accuracy"] >= 0.89
    assert len(result["failures"]) == result["mapped"] - result["top1_correct"]


@needs_sgd
def test_main_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(SGD)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["file"] == str(SGD)
    assert 0.0 < printed["top1_accuracy"] <= 1.0
