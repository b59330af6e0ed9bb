"""The Chat Completions wire for the LLM driver: errors, replies, stream assembly."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any


class LLMError(Exception):
    """The driver cannot answer this turn; the Agent answers it with the rules.

    ``reason`` is a short, stable label ("timeout", "http 500", "invalid tool call") for
    the log and the turn's record; the message says more.
    """

    reason = "llm error"

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        if reason is not None:
            self.reason = reason


class LLMUnavailable(LLMError):
    """The model server failed: connection, timeout, error status or a malformed reply."""

    reason = "unavailable"


class UnbackedClaim(LLMError):
    """The model insisted on a booking, reschedule or cancellation no tool made."""

    reason = "unbacked claim"


class DeferredToRules(LLMError):
    """A turn only the deterministic policy may answer (an opt-out is a legal matter)."""

    reason = "deferred to the rules"


@dataclass
class Call:
    id: str = ""
    name: str = ""
    arguments: str = ""


@dataclass
class ModelReply:
    text: str = ""
    calls: list[Call] = field(default_factory=list)


def assistant_calls(reply: ModelReply) -> dict[str, Any]:
    return {
        "role": "assistant",
        "content": reply.text or None,
        "tool_calls": [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in reply.calls
        ],
    }


def read_message(completion: Any) -> ModelReply:
    message = completion.choices[0].message
    calls = [
        Call(tc.id or f"call_{i}", tc.function.name or "", tc.function.arguments or "")
        for i, tc in enumerate(message.tool_calls or [])
    ]
    return ModelReply(message.content or "", calls)


def read_stream(chunks: Any, deadline: float) -> ModelReply:
    """Assemble streamed text and tool-call deltas (keyed by their ``index``)."""
    parts: list[str] = []
    slots: dict[int, Call] = {}
    current: dict[int, int] = {}  # a delta's index -> its slot (servers may reuse an index)
    for chunk in chunks:
        if time.monotonic() > deadline:
            raise LLMUnavailable("the turn's time budget ran out mid-stream", reason="timeout")
        for choice in chunk.choices or []:
            if choice.index:  # we ask for one choice
                continue
            delta = choice.delta
            if delta is None:
                continue
            if delta.content:
                parts.append(delta.content)
            for tc in delta.tool_calls or []:
                slot = current.setdefault(tc.index, len(slots))
                call = slots.setdefault(slot, Call())
                if tc.id and call.id and tc.id != call.id and call.arguments:
                    # Ollama numbers parallel calls all 0; a new id is a new call.
                    slot = current[tc.index] = len(slots)
                    call = slots[slot] = Call()
                if tc.id:
                    call.id = tc.id
                if tc.function is not None:
                    if tc.function.name:
                        call.name = tc.function.name  # sent whole; some servers repeat it
                    if tc.function.arguments:
                        call.arguments += tc.function.arguments
    calls = [slots[k] for k in sorted(slots)]
    for i, call in enumerate(calls):
        call.id = call.id or f"call_{i}"
        if not call.name:
            raise LLMUnavailable(
                "a streamed tool call arrived without a name", reason="invalid tool call"
            )
    return ModelReply("".join(parts), calls)
