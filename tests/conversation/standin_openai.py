"""A local stand-in for an OpenAI-compatible Chat Completions server, scripted per test.

It speaks the wire format over real HTTP (Starlette under uvicorn, in a thread, on
127.0.0.1 and a free port), so the official SDK is exercised end to end: JSON bodies,
Server-Sent Events with ``chat.completion.chunk`` objects, tool-call deltas split across
chunks (and interleaved between calls, keyed by ``index``), ``data: [DONE]``, error
statuses, stalls and garbage. Every request body is recorded for assertions.

    standin.call_tools(("find_open_slots", {...}))   # the next reply calls a tool
    standin.reply("I have 10 or 11 AM. Which works?")  # the one after that speaks
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from itertools import count
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

ToolCallSpec = tuple[str, dict[str, Any] | str]  # name, arguments (a dict, or raw text)


@dataclass
class Scripted:
    """One scripted answer. ``kind``: text, tools, status, hang, raw, stall, stream_error."""

    kind: str
    text: str = ""
    calls: list[ToolCallSpec] = field(default_factory=list)
    stream: bool | None = None  # None: as the request asked
    piece: int = 4  # characters per streamed delta
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    seconds: float = 0.0


class StandIn:
    def __init__(self) -> None:
        self.queue: deque[Scripted] = deque()
        self.requests: list[dict[str, Any]] = []
        self._ids = count(1)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0
        self.app = Starlette(routes=[
            Route("/v1/chat/completions", self._handle, methods=["POST"]),
        ])

    # --- lifecycle ---------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> StandIn:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="warning", lifespan="off",
                                timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        daemon=True, name="standin-openai")
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the OpenAI stand-in did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=5)

    def reset(self) -> None:
        self.queue.clear()
        self.requests.clear()

    # --- scripting ---------------------------------------------------------------------

    def reply(self, text: str, *, stream: bool | None = None, piece: int = 4) -> None:
        self.queue.append(Scripted("text", text=text, stream=stream, piece=piece))

    def call_tools(self, *calls: ToolCallSpec, text: str = "", stream: bool | None = None,
                   piece: int = 4) -> None:
        self.queue.append(Scripted("tools", text=text, calls=list(calls), stream=stream,
                                   piece=piece))

    def fail(self, status: int = 500, message: str = "The server had an error") -> None:
        body = json.dumps({"error": {"message": message, "type": "server_error",
                                     "param": None, "code": None}}).encode()
        self.queue.append(Scripted("status", status=status, body=body))

    def hang(self, seconds: float) -> None:
        """Answer nothing for ``seconds`` (longer than the client waits), then a reply."""
        self.queue.append(Scripted("hang", seconds=seconds, text="Too late."))

    def stall(self, text: str, seconds: float) -> None:
        """Start a stream, then go quiet for ``seconds`` in the middle of it."""
        self.queue.append(Scripted("stall", text=text, seconds=seconds, stream=True))

    def garbage(self, body: bytes, *, content_type: str = "application/json",
                status: int = 200) -> None:
        self.queue.append(Scripted("raw", body=body, content_type=content_type, status=status))

    def stream_error(self, message: str = "overloaded") -> None:
        """A stream that starts and then carries an ``error`` object, as OpenAI sends."""
        self.queue.append(Scripted("stream_error", text=message, stream=True))

    # --- what was asked ----------------------------------------------------------------

    def system_prompt(self, request: int = 0) -> str:
        return str(self.requests[request]["messages"][0]["content"])

    def tool_names(self, request: int = 0) -> list[str]:
        return [t["function"]["name"] for t in self.requests[request].get("tools", [])]

    def tool_results(self, request: int) -> list[dict[str, Any]]:
        """The tool messages the client sent in one request, parsed."""
        return [json.loads(m["content"]) for m in self.requests[request]["messages"]
                if m["role"] == "tool"]

    # --- the wire ----------------------------------------------------------------------

    async def _handle(self, request: Request) -> Response:
        body = await request.json()
        self.requests.append(body)
        script = self.queue.popleft() if self.queue else None
        if script is None:
            return JSONResponse({"error": {"message": "stand-in: nothing scripted",
                                           "type": "server_error"}}, status_code=500)
        if script.kind in ("status", "raw"):
            return Response(script.body, status_code=script.status,
                            media_type=script.content_type)
        if script.kind == "hang":
            await asyncio.sleep(script.seconds)
        completion_id = f"chatcmpl-standin-{next(self._ids)}"
        stream = body.get("stream", False) if script.stream is None else script.stream
        if not stream:
            return JSONResponse(self._completion(completion_id, body, script))
        usage = bool((body.get("stream_options") or {}).get("include_usage"))
        return StreamingResponse(self._sse(completion_id, body, script, usage),
                                 media_type="text/event-stream")

    def _completion(self, cid: str, body: dict[str, Any], script: Scripted) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": script.text or None,
                                   "refusal": None}
        if script.calls:
            message["tool_calls"] = [
                {"id": f"call_{cid[-4:]}_{i}", "type": "function",
                 "function": {"name": name, "arguments": _raw(args)}}
                for i, (name, args) in enumerate(script.calls)]
        return {"id": cid, "object": "chat.completion", "created": int(time.time()),
                "model": body.get("model", "standin"), "system_fingerprint": None,
                "choices": [{"index": 0, "message": message, "logprobs": None,
                             "finish_reason": "tool_calls" if script.calls else "stop"}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}

    async def _sse(self, cid: str, body: dict[str, Any], script: Scripted,
                   usage: bool) -> AsyncIterator[bytes]:
        model = body.get("model", "standin")

        def frame(delta: dict[str, Any], finish: str | None = None) -> bytes:
            chunk = {"id": cid, "object": "chat.completion.chunk", "created": int(time.time()),
                     "model": model, "system_fingerprint": None,
                     "choices": [{"index": 0, "delta": delta, "logprobs": None,
                                  "finish_reason": finish}]}
            return f"data: {json.dumps(chunk)}\n\n".encode()

        yield frame({"role": "assistant", "content": ""})
        for i, part in enumerate(_pieces(script.text, script.piece)):
            yield frame({"content": part})
            if script.kind == "stall" and i == 0:
                await asyncio.sleep(script.seconds)
        if script.kind == "stream_error":
            error = {"error": {"message": script.text, "type": "server_error"}}
            yield f"data: {json.dumps(error)}\n\n".encode()
            return
        for delta in _tool_deltas(cid, script.calls, script.piece):
            yield frame({"tool_calls": [delta]})
        yield frame({}, "tool_calls" if script.calls else "stop")
        if usage:
            chunk = {"id": cid, "object": "chat.completion.chunk", "created": int(time.time()),
                     "model": model, "choices": [],
                     "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}
            yield f"data: {json.dumps(chunk)}\n\n".encode()
        yield b"data: [DONE]\n\n"


def _raw(args: dict[str, Any] | str) -> str:
    return args if isinstance(args, str) else json.dumps(args)


def _pieces(text: str, size: int) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)]


def _tool_deltas(cid: str, calls: list[ToolCallSpec], size: int) -> Iterator[dict[str, Any]]:
    """Each call opens with id and name; argument pieces of all calls then interleave."""
    for i, (name, _) in enumerate(calls):
        yield {"index": i, "id": f"call_{cid[-4:]}_{i}", "type": "function",
               "function": {"name": name, "arguments": ""}}
    pieces = [_pieces(_raw(args), size) for _, args in calls]
    for step in range(max((len(p) for p in pieces), default=0)):
        for i, parts in enumerate(pieces):
            if step < len(parts):
                yield {"index": i, "function": {"arguments": parts[step]}}
