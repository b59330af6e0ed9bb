"""Redacted conversations as training data: OpenAI's chat fine-tuning JSONL, or a Hugging
Face dataset. The records come from the database or a running server
(:mod:`.export_source`), already redacted (``services.conversation_export``); this
module only changes their shape (ADR 0067).

chat-jsonl: one line per conversation, ``{"messages": [...], "tools": [...],
"parallel_tool_calls": false}``. Each tool the agent ran becomes an assistant message
with one ``tool_calls`` entry and the ``tool`` message answering it (sequential calls:
a booking uses the time a search returned). ``tools`` are the very function schemas the
LLM driver offers (``conversation.llm_prompt.tool_specs``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

FORMATS = ("chat-jsonl", "hf")
_LANGUAGES = {"en": "English", "es": "Spanish (español)"}


class ExportUnavailable(RuntimeError):
    """An export format whose optional library is not installed."""


def tool_specs() -> list[dict[str, Any]]:
    from frontdesk.conversation.llm_prompt import tool_specs as specs

    return specs()


def system_message(record: dict[str, Any]) -> str:
    """What the front desk knew when the conversation started: the business, its
    services and staff by id (the ids in the tool calls), the clock, the language."""
    b = record["business"]
    services = "\n".join(f"- {s['name']} (id {s['id']}, {s['duration_minutes']} min)"
                         for s in b["services"])
    staff = "\n".join(f"- {r['name']} (id {r['id']})" for r in b["staff"])
    return (f"You are the phone and chat front desk of {b['name']}.\n"
            f"Reply language: {_LANGUAGES.get(record['language'], record['language'])}.\n"
            f"Now: {record['started_at']} ({b['timezone']}). Channel: {record['channel']}.\n"
            f"Services (use the id in tools):\n{services}\nStaff:\n{staff}")


def chat_example(record: dict[str, Any], tools: list[dict[str, Any]], *,
                 metadata: bool = False) -> dict[str, Any]:
    """One conversation in OpenAI's chat fine-tuning format, with its tool calls."""
    messages: list[dict[str, Any]] = [{"role": "system", "content": system_message(record)}]
    for turn in record["turns"]:
        if turn["role"] == "user" and turn["text"]:
            messages.append({"role": "user", "content": turn["text"]})
        elif turn["role"] == "assistant" and turn["text"]:
            messages.append({"role": "assistant", "content": turn["text"]})
        elif turn["role"] == "tool" and turn["tool_name"]:
            call_id = f"call_{record['id'][:8]}_{turn['seq']}"
            messages.append({"role": "assistant", "content": None, "tool_calls": [{
                "id": call_id, "type": "function",
                "function": {"name": turn["tool_name"],
                             "arguments": json.dumps(turn["tool_args"] or {},
                                                     ensure_ascii=False)}}]})
            messages.append({"role": "tool", "tool_call_id": call_id,
                             "content": json.dumps(turn["tool_result"] or {},
                                                   ensure_ascii=False)})
    example: dict[str, Any] = {"messages": messages, "tools": tools,
                               "parallel_tool_calls": False}
    if metadata:  # not part of OpenAI's format: only when asked for
        example["metadata"] = _metadata(record)
    return example


def _metadata(record: dict[str, Any]) -> dict[str, Any]:
    return {"conversation_id": record["id"], "business": record["business"]["slug"],
            "outcome": record["outcome"], "language": record["language"],
            "channel": record["channel"], "started_at": record["started_at"],
            "feedback": record.get("feedback"), "success": record.get("success")}


def write_chat_jsonl(records: Iterable[dict[str, Any]], path: Path, *,
                     metadata: bool = False) -> int:
    """Write one JSON line per conversation; returns how many."""
    tools = tool_specs()
    count = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(chat_example(record, tools, metadata=metadata),
                                 ensure_ascii=False) + "\n")
            count += 1
    return count


def hf_row(record: dict[str, Any], tools_json: str) -> dict[str, Any]:
    """One dataset row: the chat as a JSON string (tool calls nest unevenly, which Arrow's
    columns cannot hold as they are), and the columns to filter and split by."""
    example = chat_example(record, [])
    return {
        "conversation_id": record["id"],
        "messages": json.dumps(example["messages"], ensure_ascii=False),
        "tools": tools_json,
        "outcome": record["outcome"] or "",
        "language": record["language"],
        "channel": record["channel"],
        "business": record["business"]["slug"],
        "started_at": record["started_at"],
        # The post-call analysis's judgement (ADR 0065); from the outcome where there is
        # none (a conversation from before it, or a server that does not send it).
        "success": (record["success"] if record.get("success") is not None
                    else record["outcome"] in ("booked", "rescheduled", "cancelled", "info")),
        "feedback": record.get("feedback") or "",
    }


def write_hf(records: Iterable[dict[str, Any]], path: Path) -> int:
    """A Hugging Face dataset saved with ``save_to_disk`` (Arrow files; load it back with
    ``datasets.load_from_disk``), plus the same rows as ``data.parquet``."""
    try:
        import datasets  # type: ignore[import-untyped, unused-ignore]
    except ImportError as exc:
        raise ExportUnavailable("--format hf needs the 'datasets' library: "
                                "pip install 'frontdesk[export]'") from exc
    tools_json = json.dumps(tool_specs(), ensure_ascii=False)
    rows = [hf_row(r, tools_json) for r in records]
    columns = list(hf_row_columns())
    data = datasets.Dataset.from_dict({c: [row[c] for row in rows] for c in columns})
    data.save_to_disk(str(path))
    data.to_parquet(str(path / "data.parquet"))
    return len(rows)


def hf_row_columns() -> tuple[str, ...]:
    return ("conversation_id", "messages", "tools", "outcome", "language", "channel",
            "business", "started_at", "success", "feedback")
