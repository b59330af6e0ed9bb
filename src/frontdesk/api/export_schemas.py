"""Response models of the conversation export: every turn with its tool calls, redacted
(``services.conversation_export``; ADR 0066, 0067)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ExportTurnOut(BaseModel):
    seq: int
    role: str = Field(description="user | assistant | tool")
    text: str | None
    tool_name: str | None
    tool_args: dict[str, Any] | None
    tool_result: dict[str, Any] | None
    engine: str | None
    fallback_reason: str | None
    latency_ms: float | None


class ExportBusinessOut(BaseModel):
    """What a model needs to read the tool calls: services and staff by id."""

    slug: str
    name: str
    timezone: str
    country: str
    persona: str
    services: list[dict[str, Any]]
    staff: list[dict[str, Any]]


class ExportedConversationOut(BaseModel):
    """One conversation, its personal data replaced by placeholders (<NAME_1>, <PHONE_1>,
    <EMAIL_1>, <DOB_1>), the same one for the same value throughout."""

    id: str
    channel: str
    language: str
    outcome: str | None
    caller_verified: bool
    caller_phone: str | None = Field(description="A placeholder, never the number")
    started_at: str
    ended_at: str | None
    turn_count: int
    feedback: str | None
    success: bool | None = None
    business: ExportBusinessOut
    turns: list[ExportTurnOut]


class ExportPageOut(BaseModel):
    conversations: list[ExportedConversationOut]
    next_offset: int | None = Field(description="Ask again with this offset; null: no more")
