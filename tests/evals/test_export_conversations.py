"""``frontdesk export conversations``: real chats and calls of the demo businesses, exported
from the database and from a running server, in both formats, loaded back, with tool
calls well formed and not one demo customer's name, number or email left in them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import phonenumbers
import pytest
from sqlalchemy import select

from frontdesk.nlu.language import strip_accents
from frontdesk.services.api_keys import READ, create_api_key
from frontdesk.services.conversation_feedback import FeedbackFields, rate
from frontdesk.store.db import write_session
from frontdesk.store.models import ConversationTurn, Tenant
from tests.cli.serving import start_serve
from tests.conftest import free_port
from tests.evals.learning_chats import BIRTH_DATE, EMAILS, Chats, build

TOOL_NAMES = {"find_open_slots", "book", "reschedule", "cancel", "lookup_customer",
              "send_verification_code", "check_verification_code", "business_info",
              "transfer_to_human"}


@pytest.fixture(scope="module")
def chats(tmp_path_factory: pytest.TempPathFactory) -> Chats:
    return build(tmp_path_factory.mktemp("learn"))


def _env(chats: Chats, folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRONTDESK_")}
    env.update({"FRONTDESK_DATA_DIR": str(folder), "FRONTDESK_DATABASE_URL": chats.url})
    return env


def _export(chats: Chats, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "frontdesk", "export", "conversations", *args],
                          env=_env(chats, folder), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value
        if value[:1] in "[{":  # tool arguments and results are JSON inside JSON
            try:
                yield from _strings(json.loads(value))
            except ValueError:
                pass


def _phone_forms(e164: str) -> set[str]:
    number = phonenumbers.parse(e164)
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    international = phonenumbers.format_number(
        number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    digits = str(number.national_number)
    return {e164, national, international, digits, re.sub(r"\D", "", e164),
            re.sub(r"\D", "-", national).strip("-")}


def _fold(text: str) -> str:
    return strip_accents(text).casefold()


def assert_no_personal_data(chats: Chats, examples: list[Any]) -> None:
    """Every string of the output, JSON inside JSON included, against every demo
    customer's number (E.164, national, international, digits only), email and name."""
    text = "\n".join(_fold(s) for s in _strings(examples))
    compact = re.sub(r"[\s().-]", "", text)
    staff = {_fold(n) for n in chats.staff_names()}
    customers = chats.customers()
    assert len(customers) >= 5
    for customer in customers:
        assert customer.phone_e164
        for form in _phone_forms(customer.phone_e164):
            assert _fold(form) not in text, (customer.name, form)
        assert re.sub(r"\D", "", customer.phone_e164)[-9:] not in compact, customer.name
        assert customer.name
        assert _fold(customer.name) not in text, customer.name
        for part in customer.name.split():
            if _fold(part) not in staff:  # "Lucia" is also one of the salon's staff
                assert not re.search(rf"\b{re.escape(_fold(part))}\b", text), (customer.name,
                                                                                part)
    for email in EMAILS:
        assert email not in text
    assert _fold(BIRTH_DATE) not in text and "1985" not in text


def assert_tool_calls_well_formed(example: dict[str, Any]) -> int:
    """Each tool call is answered by the next message; returns how many calls."""
    messages = example["messages"]
    assert messages[0]["role"] == "system"
    calls = 0
    for i, message in enumerate(messages):
        assert message["role"] in ("system", "user", "assistant", "tool")
        for call in message.get("tool_calls") or []:
            calls += 1
            assert message["role"] == "assistant" and message["content"] is None
            assert call["type"] == "function" and call["id"].startswith("call_")
            assert call["function"]["name"] in TOOL_NAMES
            assert isinstance(json.loads(call["function"]["arguments"]), dict)
            answer = messages[i + 1]
            assert answer["role"] == "tool" and answer["tool_call_id"] == call["id"]
            assert isinstance(json.loads(answer["content"]), dict)
        if message["role"] == "tool":
            assert messages[i - 1]["tool_calls"][0]["id"] == message["tool_call_id"]
    return calls


def _check_chat_jsonl(chats: Chats, examples: list[dict[str, Any]], count: int, *,
                      clinic: bool = True) -> None:
    assert len(examples) == count
    names = {spec["function"]["name"] for spec in examples[0]["tools"]}
    assert names == TOOL_NAMES
    called = set()
    for example in examples:
        assert set(example) == {"messages", "tools", "parallel_tool_calls"}
        assert_tool_calls_well_formed(example)
        called |= {c["function"]["name"] for m in example["messages"]
                   for c in m.get("tool_calls") or []}
    assert {"find_open_slots", "book", "reschedule", "cancel"} <= called
    said = "\n".join(m["content"] or "" for e in examples for m in e["messages"])
    assert "<NAME_1>" in said and "<PHONE_1>" in said and "<EMAIL_1>" in said
    assert ("<DOB_1>" in said) is clinic  # Lucía gave her birth date at the clinic
    # Appointment times are not personal data: the model must learn them.
    assert "Wednesday, December" in said or "3 PM" in said
    assert_no_personal_data(chats, examples)


def test_export_from_the_database_in_both_formats(chats: Chats, tmp_path: Path) -> None:
    out = tmp_path / "train.jsonl"
    done = _export(chats, tmp_path, "--format", "chat-jsonl", "--output", str(out))
    assert "7 conversations" in done.stderr
    _check_chat_jsonl(chats, _lines(out), 7)

    import datasets

    _export(chats, tmp_path, "--format", "hf", "--output", str(tmp_path / "hf"))
    data = datasets.load_from_disk(str(tmp_path / "hf"))
    assert len(data) == 7
    assert {"messages", "tools", "outcome", "language", "channel", "started_at",
            "success", "feedback"} <= set(data.column_names)
    rows = data.to_list()
    assert sorted(r["outcome"] for r in rows) == sorted(
        ["booked", "booked", "booked", "booked", "rescheduled", "cancelled", "info"])
    assert {r["language"] for r in rows} == {"en", "es"}
    for row in rows:
        assert_tool_calls_well_formed({"messages": json.loads(row["messages"])})
        assert {s["function"]["name"] for s in json.loads(row["tools"])} == TOOL_NAMES
    assert_no_personal_data(chats, rows)
    assert (tmp_path / "hf" / "data.parquet").is_file()


def test_filters_by_outcome_language_channel_and_date(chats: Chats, tmp_path: Path) -> None:
    def exported(*args: str) -> list[dict[str, Any]]:
        out = tmp_path / "part.jsonl"
        _export(chats, tmp_path, "--format", "chat-jsonl", "--output", str(out),
                "--metadata", *args)
        return _lines(out)

    booked = exported("--outcome", "booked,cancelled")
    assert sorted(e["metadata"]["outcome"] for e in booked) == [
        "booked", "booked", "booked", "booked", "cancelled"]
    spanish = exported("--language", "es")
    assert len(spanish) == 2 and {e["metadata"]["language"] for e in spanish} == {"es"}
    clinic = exported("--tenant", "demo-clinic")
    assert [e["metadata"]["business"] for e in clinic] == ["demo-clinic"]
    assert len(exported("--channel", "phone")) == 3
    day = chats.now["demo-salon"].date()
    assert len(exported("--tenant", "demo-salon", "--since", day.isoformat(),
                        "--until", day.isoformat())) == 6
    assert exported("--tenant", "demo-salon",
                    "--since", (day + timedelta(days=1)).isoformat()) == []
    assert exported("--tenant", "demo-salon",
                    "--until", (day - timedelta(days=1)).isoformat()) == []


def test_export_from_a_running_server_with_a_read_key(chats: Chats, tmp_path: Path) -> None:
    with write_session(chats.factory) as session:
        salon = session.query(Tenant).filter_by(slug="demo-salon").one()
        _, key = create_api_key(session, salon, "export", scope=READ)
    port = free_port()
    server = start_serve(_env(chats, tmp_path), port)
    try:
        url = f"http://127.0.0.1:{port}"
        out = tmp_path / "remote.jsonl"
        _export(chats, tmp_path, "--format", "chat-jsonl", "--output", str(out),
                "--url", url, "--key", key)
        # The salon's six: a key names its business.
        _check_chat_jsonl(chats, _lines(out), 6, clinic=False)
        _export(chats, tmp_path, "--format", "hf", "--output", str(tmp_path / "remote-hf"),
                "--url", url, "--key", key, "--language", "en", "--outcome", "booked")
        import datasets

        rows = datasets.load_from_disk(str(tmp_path / "remote-hf")).to_list()
        assert len(rows) == 2 and {r["outcome"] for r in rows} == {"booked"}
        assert_no_personal_data(chats, rows)
    finally:
        server.terminate()
        server.communicate(timeout=30)


def test_feedback_filters_the_export_from_the_database_and_the_server(
        chats: Chats, tmp_path: Path) -> None:
    """Staff rate three salon conversations (one good, one bad reply, one good then bad by
    another author): --feedback good keeps only the unblemished, bad the rest."""
    with write_session(chats.factory) as session:
        salon = session.query(Tenant).filter_by(slug="demo-salon").one()
        session.expunge(salon)
        _, key = create_api_key(session, salon, "export-feedback", scope=READ)
    good, bad, mixed = chats.ids["book_en"], chats.ids["cancel_en"], chats.ids["book_es"]
    with chats.factory() as session:
        reply = session.scalars(select(ConversationTurn.seq).where(
            ConversationTurn.conversation_id == bad, ConversationTurn.role == "assistant")
            .order_by(ConversationTurn.seq)).first()
    assert reply is not None
    rate(chats.factory, salon, good, "api_key:a", FeedbackFields("good"))
    rate(chats.factory, salon, bad, "api_key:a", FeedbackFields("bad", "asked twice",
                                                                  turn=reply))
    rate(chats.factory, salon, mixed, "api_key:a", FeedbackFields("good"))
    rate(chats.factory, salon, mixed, "api_key:b", FeedbackFields("bad", "wrong language"))
    expected = {"good": {str(good)}, "bad": {str(bad), str(mixed)}}
    port = free_port()
    server = start_serve(_env(chats, tmp_path), port)
    try:
        for rating, ids in expected.items():
            local = tmp_path / f"{rating}.jsonl"
            _export(chats, tmp_path, "--format", "chat-jsonl", "--output", str(local),
                    "--tenant", "demo-salon", "--feedback", rating, "--metadata")
            remote = tmp_path / f"{rating}-remote.jsonl"
            _export(chats, tmp_path, "--format", "chat-jsonl", "--output", str(remote),
                    "--url", f"http://127.0.0.1:{port}", "--key", key, "--feedback", rating,
                    "--metadata")
            for path in (local, remote):
                lines = _lines(path)
                assert {line["metadata"]["conversation_id"] for line in lines} == ids, path
                assert {line["metadata"]["feedback"] for line in lines} == {rating}
    finally:
        server.terminate()
        server.communicate(timeout=30)
