"""OpenAI chat-completions wire format, and how a stateless history maps to one conversation.

Pure: no I/O, no framework. Voice platforms (Telnyx AI Assistant, Vapi, Retell's OpenAI
mode, LiveKit, ...) drive an "external/custom LLM" through this format and resend the
whole history on every turn; :func:`read_call` turns that history into what the agent
needs: which conversation this is, which caller, and the user turns with a replay key
each. See docs/decisions/0006-openai-compatible-statelessness.md.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from frontdesk.services import request_keys

MODEL_ID = "frontdesk"
OWNED_BY = "frontdesk"
# How much of the platform's own opening line identifies a call; short, because a
# caller who barges in cuts it, and platforms then resend the cut version.
OPENER_CHARS = 40
# Longer ids (or ids with odd characters) are hashed to fit the conversation record.
_MAX_RAW_ID = 150
_SAFE_ID = re.compile(r"^[A-Za-z0-9_.:@+\-]+$")
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_SEP = "\x1e"  # never in normalised text, so joined fields cannot run into each other


# --- requests ----------------------------------------------------------------------------


class ContentPart(BaseModel):
    """One part of a multi-part message; only ``{"type": "text"}`` parts carry words."""

    model_config = ConfigDict(extra="allow")

    type: str = "text"
    text: str | None = None


class WireMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: str
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content
        return " ".join(p.text for p in self.content if p.type == "text" and p.text)


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")

    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    """What clients send. Unknown fields (tools, temperature, max_tokens, ...) are
    accepted and ignored: voice platforms send many, and refusing them breaks calls."""

    model_config = ConfigDict(extra="allow")

    model: str = MODEL_ID
    messages: list[WireMessage]
    stream: bool | None = False
    stream_options: StreamOptions | None = None
    user: str | None = None
    metadata: dict[str, Any] | None = None
    # Vapi custom LLM: {"id": ..., "customer": {"number": ...}, ...}
    call: dict[str, Any] | None = None
    # Vapi also sends the customer at the top level.
    customer: dict[str, Any] | None = None
    # Telnyx AI Assistant with ``forward_metadata``: the assistant's dynamic variables.
    extra_metadata: dict[str, Any] | None = None


# --- responses ---------------------------------------------------------------------------


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: Literal["stop"] = "stop"
    logprobs: None = None


class Usage(BaseModel):
    """Rough token counts (about four characters a token): we run no tokenizer."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: Usage


class ChunkChoice(BaseModel):
    index: int = 0
    # ``{"role": "assistant"}`` first, then ``{"content": ...}``, then ``{}``.
    delta: dict[str, str]
    finish_reason: Literal["stop"] | None = None
    logprobs: None = None


class ChatCompletionChunk(BaseModel):
    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[ChunkChoice]
    usage: Usage | None = None


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = OWNED_BY


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class ErrorDetail(BaseModel):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class ErrorBody(BaseModel):
    """OpenAI's error shape, so SDKs raise their own typed errors (AuthenticationError, ...)."""

    error: ErrorDetail


def error_body(message: str, *, type_: str = "invalid_request_error", param: str | None = None,
               code: str | None = None) -> dict[str, Any]:
    return ErrorBody(error=ErrorDetail(message=message, type=type_, param=param,
                                       code=code)).model_dump()


def new_completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex}"


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / 4)


def usage_for(prompt: str, reply: str) -> Usage:
    p, c = estimate_tokens(prompt), estimate_tokens(reply)
    return Usage(prompt_tokens=p, completion_tokens=c, total_tokens=p + c)


def completion(content: str, *, completion_id: str, created: int, model: str,
               usage: Usage) -> ChatCompletion:
    return ChatCompletion(id=completion_id, created=created, model=model, usage=usage,
                          choices=[Choice(message=AssistantMessage(content=content))])


def speech_chunks(text: str, max_words: int = 6) -> list[str]:
    """Split a reply into short word groups, cut at punctuation where possible.

    Voice platforms start text-to-speech on the first delta, so a short first group
    means the caller hears us sooner. Joined, the groups are exactly ``text``.
    """
    pieces = re.findall(r"\s*\S+\s*", text)
    groups: list[str] = []
    current, words = "", 0
    for piece in pieces:
        current += piece
        words += 1
        end = piece.rstrip()[-1]
        if words >= max_words or end in ".!?" or (words >= 3 and end in ",;:"):
            groups.append(current)
            current, words = "", 0
    if current:
        groups.append(current)
    return groups or [text]


def stream_events(content: str, *, completion_id: str, created: int, model: str,
                  usage: Usage | None) -> Iterator[str]:
    """Server-sent events: role, content deltas, a stop chunk, [usage], then [DONE]."""

    def chunk(delta: dict[str, str], finish: Literal["stop"] | None = None) -> str:
        body = ChatCompletionChunk(id=completion_id, created=created, model=model,
                                   choices=[ChunkChoice(delta=delta, finish_reason=finish)])
        return _sse(body.model_dump(exclude={"usage"}))

    yield chunk({"role": "assistant"})
    for piece in speech_chunks(content):
        yield chunk({"content": piece})
    yield chunk({}, "stop")
    if usage is not None:  # stream_options.include_usage: a last chunk with no choices
        yield _sse(ChatCompletionChunk(id=completion_id, created=created, model=model,
                                       choices=[], usage=usage).model_dump())
    yield "data: [DONE]\n\n"


def _sse(data: dict[str, Any]) -> str:
    return f"data: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n"


# --- which conversation, which turn --------------------------------------------------------


class NoUserMessage(ValueError):
    """The history holds nothing the caller said."""


@dataclass(frozen=True)
class StatelessCall:
    """A resent history, read as one conversation's user turns."""

    external_id: str
    caller_phone: str | None
    user_texts: list[str]
    # turn_keys[i] identifies "the caller's (i+1)-th message after exactly these ones":
    # a replayed history gets the stored answers instead of acting twice.
    turn_keys: list[str]
    prompt_text: str  # everything sent, for the usage estimate
    # replies[i]: what the caller heard after user_texts[i] (the assistant messages before
    # the next user message, joined), None if nothing; the last one is ours to give.
    replies: list[str | None] = field(default_factory=list)


def normalise(text: str) -> str:
    """Case, punctuation and spacing folded away: what survives a re-transcription."""
    return " ".join(_NON_WORD.sub(" ", text.casefold()).split())


def _digest(*parts: str, size: int = 40) -> str:
    return hashlib.sha256(_SEP.join(parts).encode()).hexdigest()[:size]


def turn_key(user_texts: list[str]) -> str:
    """The replay key of the last of ``user_texts`` (fits the 64-char record column)."""
    return request_keys.hashed("oa", _SEP.join(normalise(t) for t in user_texts))


_KEY_DIGEST = len(request_keys.hashed("oa", "")) - len("oa:")  # turn_key's digest length


def turn_keys(user_texts: list[str]) -> list[str]:
    """``turn_key`` of every prefix, in one pass over the history (a running digest, not
    one digest of each prefix: a long history costs its length, not its square)."""
    running, keys = hashlib.sha256(), []
    for i, text in enumerate(user_texts):
        running.update(((_SEP if i else "") + normalise(text)).encode())
        keys.append(f"oa:{running.copy().hexdigest()[:_KEY_DIGEST]}")
    return keys


def replies_after_each(messages: list[WireMessage]) -> list[str | None]:
    """For each user message, the assistant words that followed it (see StatelessCall)."""
    replies: list[str | None] = []
    for m in messages:
        if m.role == "user":
            replies.append(None)
        elif m.role == "assistant" and replies and (text := m.text().strip()):
            replies[-1] = f"{replies[-1]} {text}" if replies[-1] else text
    return replies


def _dig(data: Mapping[str, Any] | None, *path: str) -> str | None:
    value: Any = data
    for name in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(name)
    if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
        return str(value).strip()
    return None


def call_id_of(body: ChatCompletionRequest, headers: Mapping[str, str]) -> str | None:
    """The platform's own id for this call, when it gives one (best first)."""
    return (
        _dig(body.call, "id")                                  # Vapi
        or _dig(body.metadata, "call_id")
        or _dig(headers, "x-call-id")
        or _dig(headers, "x-conversation-id")
        or _dig(body.extra_metadata, "call_control_id")        # Telnyx forward_metadata
        or _dig(body.extra_metadata, "call_id")
        or (body.user.strip() if body.user and body.user.strip() else None)
    )


def caller_phone_of(body: ChatCompletionRequest, headers: Mapping[str, str]) -> str | None:
    return (
        _dig(body.call, "customer", "number")                  # Vapi
        or _dig(body.customer, "number")
        or _dig(headers, "x-caller-number")
        or _dig(body.metadata, "caller_number")
        or _dig(body.extra_metadata, "telnyx_end_user_target")  # Telnyx: the caller
    )


def fingerprint(tenant_id: str, messages: list[WireMessage], caller: str | None = None) -> str:
    """A call's identity from what cannot change while it lasts: the tenant, the system
    prompt, the caller's first words and the start of the platform's opening line (and
    the caller's number, when the platform tells us)."""
    first_user = next(i for i, m in enumerate(messages) if m.role == "user")
    before = messages[:first_user]
    system = " ".join(normalise(m.text()) for m in before if m.role in ("system", "developer"))
    opener = " ".join(normalise(m.text()) for m in before if m.role == "assistant")
    return _digest(tenant_id, system, normalise(messages[first_user].text()),
                   opener[:OPENER_CHARS], caller or "")


def external_id_for(call_id: str | None, tenant_id: str, messages: list[WireMessage],
                    caller: str | None = None) -> str:
    if call_id is None:
        return f"oa:fp-{fingerprint(tenant_id, messages, caller)}"
    if len(call_id) <= _MAX_RAW_ID and _SAFE_ID.match(call_id):
        return f"oa:{call_id}"
    return f"oa:h-{_digest(call_id)}"


def read_call(tenant_id: str, body: ChatCompletionRequest,
              headers: Mapping[str, str]) -> StatelessCall:
    user_texts = [m.text() for m in body.messages if m.role == "user"]
    if not user_texts:
        raise NoUserMessage("'messages' must hold at least one message with role 'user'.")
    caller = caller_phone_of(body, headers)
    return StatelessCall(
        external_id=external_id_for(call_id_of(body, headers), tenant_id, body.messages, caller),
        caller_phone=caller,
        user_texts=user_texts,
        turn_keys=turn_keys(user_texts),
        prompt_text=" ".join(m.text() for m in body.messages),
        replies=replies_after_each(body.messages),
    )
