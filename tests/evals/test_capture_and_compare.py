"""``frontdesk eval capture``: real conversations become scenarios that replay (a booking,
a cancellation, one read over the API), and a failed one becomes the scenario of what
the caller wanted. ``frontdesk eval --compare``: the rules and an LLM brain side by side."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from frontdesk.cli import main
from frontdesk.evals.runner import InProcess, run_all
from frontdesk.evals.scenario import load_scenario, load_scenarios
from tests.cli.serving import start_serve
from tests.conftest import free_port
from tests.conversation.standin_openai import StandIn
from tests.evals.learning_chats import Chats, build


@pytest.fixture(scope="module")
def chats(tmp_path_factory: pytest.TempPathFactory) -> Chats:
    return build(tmp_path_factory.mktemp("capture"))


def _capture(chats: Chats, name: str, out: Path, *extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRONTDESK_")}
    env.update({"FRONTDESK_DATA_DIR": str(out.parent), "FRONTDESK_DATABASE_URL": chats.url})
    done = subprocess.run([sys.executable, "-m", "frontdesk", "eval", "capture",
                           str(chats.ids[name]), "--output", str(out), *extra],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return yaml.safe_load(out.read_text(encoding="utf-8"))


def _replay(folder: Path, tmp_path: Path, only: str | None = None) -> list:
    target = InProcess(workdir=tmp_path)
    try:
        return run_all(target, load_scenarios(folder, only))
    finally:
        target.close()


def test_captured_conversations_replay_as_passing(chats: Chats, tmp_path: Path) -> None:
    folder = tmp_path / "scenarios"
    booked = _capture(chats, "book_en", folder / "cap-book.yaml")
    assert booked["expect"]["outcome"] == "booked"
    assert booked["expect"]["appointment"] == {"service": "Haircut", "day": 2, "time": "15:00"}
    assert booked["start"] == {"day": 0, "time": "09:00"}
    text = json.dumps(booked)
    assert "Jordan" not in text and "555-0123" not in text and "example.com" in text
    assert "{date+2}" in booked["script"][0]  # "December 9th" is relative now
    cancelled = _capture(chats, "cancel_en", folder / "cap-cancel.yaml")
    assert cancelled["caller_phone"] and cancelled["caller_phone"] != "+13475550142"
    assert cancelled["setup"]["appointments"][0]["service"] == "Manicure"
    assert cancelled["expect"]["appointment"]["day"] == 1
    results = _replay(folder, tmp_path / "run")
    assert [(r.id, r.passed) for r in results] == [("cap-book", True), ("cap-cancel", True)], [
        r.reasons for r in results]


def test_a_failed_conversation_is_captured_as_what_the_caller_wanted(
        chats: Chats, tmp_path: Path) -> None:
    wanted = _capture(chats, "abandoned_en", tmp_path / "s" / "cap-wanted.json")
    assert wanted["expect"]["outcome"] == "booked"
    assert wanted["expect"]["appointment"] == {"service": "Hair coloring", "day": "+7..+13"}
    assert "inferred" in wanted["description"]
    scenario = load_scenario(tmp_path / "s" / "cap-wanted.json")  # JSON is YAML too
    assert scenario.expect.outcome == "booked"
    # The caller's own lines never picked a time, so today's agent fails it as well: a
    # regression test waiting for the fix (or for a person to add the caller's choice).
    target = InProcess(workdir=tmp_path)
    try:
        [result] = run_all(target, [scenario])
    finally:
        target.close()
    assert not result.passed and any("outcome" in reason for reason in result.reasons)


def test_capture_over_the_api_and_compare_two_brains(chats: Chats, tmp_path: Path,
                                                     standin: StandIn,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRONTDESK_")}
    env.update({"FRONTDESK_DATA_DIR": str(tmp_path), "FRONTDESK_DATABASE_URL": chats.url})
    port = free_port()
    server = start_serve(env, port)
    folder = tmp_path / "scenarios"
    try:
        spanish = _capture(chats, "book_es", folder / "cap-es.yaml", "--url",
                           f"http://127.0.0.1:{port}", "--key", "fd_demo_salon_key")
    finally:
        server.terminate()
        server.communicate(timeout=30)
    assert spanish["lang"] == "es" and spanish["expect"]["appointment"]["time"] == "11:00"
    assert "María" not in json.dumps(spanish, ensure_ascii=False)
    _capture(chats, "book_phone_en", folder / "cap-phone.yaml")
    # The LLM brain: a model that only ever says it cannot help (so it books nothing).
    for _ in range(40):
        standin.reply("Sorry, I can't help with that today.")
    code = main(["eval", "--compare", "rules", f"llm:standin-model@{standin.url}",
                 "--scenarios", str(folder), "--json", "-q"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0
    rules, llm = doc["brains"]
    assert rules == "rules" and llm.startswith("llm:standin-model")
    assert doc["rules"]["total"]["passed"] == 2
    assert doc[llm]["total"]["passed"] < 2 and doc["differ"]
    for name in doc["brains"]:
        for row in doc[name]["scenarios"].values():
            assert row["turns"] >= 1 and row["p50_ms"] is not None
            assert row["p95_ms"] >= row["p50_ms"]
    assert len(standin.requests) >= 2  # the LLM side really asked the model
    # No more script: the stand-in answers 500 and the rules carry each turn (fallbacks).
    standin.reset()
    main(["eval", "--compare", "rules", f"llm:standin-model@{standin.url}",
          "--scenarios", str(folder), "-q"])
    table = capsys.readouterr().out
    header, _, *rows = table.splitlines()
    assert "rules result" in header and f"{llm} result" in header and "fallbacks" in header
    total = next(r for r in rows if r.startswith("TOTAL")).split()
    assert total[1] == "2/2" and int(total[-1]) > 0  # the LLM side fell back
