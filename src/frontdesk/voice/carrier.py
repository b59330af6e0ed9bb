"""Running a streaming call against a carrier's socket, whichever carrier it is.

A door (Twilio Media Streams, Telnyx media streaming) wraps its WebSocket in a
``CarrierLink`` that translates the carrier's messages to pipeline events and pipeline
commands to its messages; ``run_call`` does the rest. The call's work (recognition, the
agent, synthesis) blocks, so it runs in one worker thread per call, fed by a queue the
socket reader fills: the event loop keeps reading the caller's audio while a reply is
being made, and each command goes out the moment it is made (the first clause's audio
before the next clause is synthesized).
"""

from __future__ import annotations

import contextlib
import logging
import queue
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Protocol

import anyio
import anyio.from_thread
import anyio.to_thread

from frontdesk.voice.live_calls import LiveCalls
from frontdesk.voice.pipeline import Closing, Command, EndCall, Event, Stopped, StreamingCall

log = logging.getLogger(__name__)


@cache
def speculation_pool() -> ThreadPoolExecutor:
    """Where calls transcribe a turn ahead of its end (``StreamingCall.executor``). Sized
    for a cloud recognizer, whose requests mostly wait on the network (a pool of 4 queued
    50 relayed calls' requests behind each other); a local recognizer is busy with a few
    calls' turns at most, as a process carries only a few such calls."""
    return ThreadPoolExecutor(max_workers=64, thread_name_prefix="speculate")


class CarrierGone(Exception):
    """The carrier's socket closed (the caller hung up, or the network went)."""


class CarrierLink(Protocol):
    async def receive(self) -> Event | None:
        """The next event for the call (None: a message with nothing for it). Raises
        ``CarrierGone`` when the socket closes."""
        ...

    async def send(self, command: Command) -> None:
        """Send one command (never ``EndCall``). Raises ``CarrierGone`` when closed."""
        ...

    async def close(self) -> None:
        """End the stream: the carrier hangs up."""
        ...


async def run_call(link: CarrierLink, call: StreamingCall,
                   live: LiveCalls | None = None) -> None:
    """Greet, then feed the call every event until it ends or the caller goes. With
    ``live``, the call is one of the process's live calls: a shutdown asks it to say its
    closing line and end (``Closing``)."""
    # SimpleQueue: a caller frame every 20 ms wakes the call's thread; its put and get are
    # C code where Queue's are Python around a Condition.
    events: queue.SimpleQueue[Event] = queue.SimpleQueue()

    def send_all(commands: Iterator[Command]) -> bool:
        """False once the stream is over (we ended it, or the socket went)."""
        try:
            # The thread waits for each send. Handing commands to the event loop without
            # waiting was measured: half the CPU per call, but the call threads then kept
            # the GIL for whole clauses and the loop relaying every call's audio starved
            # (150 relayed calls: p50 1.8 s against 0.77 s waiting). Our audio goes in
            # messages of up to a second, so the waits are few.
            for command in commands:
                if isinstance(command, EndCall):
                    anyio.from_thread.run(link.close)
                    return False
                anyio.from_thread.run(link.send, command)
        except CarrierGone:
            for _ in call.stream(Stopped()):  # keep what was heard; end the conversation
                pass
            return False
        return True

    def work() -> None:
        if not send_all(call.greet()):
            return
        while not call.ended:
            event = events.get()
            if not send_all(call.stream(event)) or isinstance(event, Stopped):
                return

    async def read() -> None:
        try:
            while True:
                event = await link.receive()
                if event is not None:
                    events.put(event)
                if isinstance(event, Stopped):
                    return
        except CarrierGone:
            events.put(Stopped())  # hung up without a stop message: the same to the call

    closing = live.carrying(lambda: events.put(Closing())) if live is not None else None
    with closing or contextlib.nullcontext():
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(read)
            try:
                # One thread per call (its own limiter): calls never queue behind each other.
                await anyio.to_thread.run_sync(work, limiter=anyio.CapacityLimiter(1))
            finally:
                tasks.cancel_scope.cancel()
