"""The streaming calls this process is carrying, so a shutdown can end them politely.

Each call (``voice.carrier.run_call``) registers how to close it; ``close_all`` asks every
one, and every call that connects afterwards, to say its closing line and hang up (or hand
the caller over), instead of being cut when the server stops (docs/decisions/
0060-graceful-shutdown.md). Calls run on worker threads and the event loop, so the
registry is guarded by a lock; closing is only asked, never waited for here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Close = Callable[[], None]


class LiveCalls:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: dict[int, Close] = {}
        self._next = 0
        self.closing = False
        self._empty = threading.Event()
        self._empty.set()

    @contextmanager
    def carrying(self, close: Close) -> Iterator[None]:
        """While the block runs the call is live; ``close`` asks it to end politely (called
        at once when the process is already shutting down)."""
        with self._lock:
            key, self._next = self._next, self._next + 1
            self._calls[key] = close
            self._empty.clear()
            closing = self.closing
        if closing:
            close()
        try:
            yield
        finally:
            with self._lock:
                del self._calls[key]
                if not self._calls:
                    self._empty.set()

    def close_all(self) -> int:
        """Ask every live call (and every later one) to end; how many were asked."""
        with self._lock:
            self.closing = True
            closers = list(self._calls.values())
        for close in closers:
            close()
        return len(closers)

    def __len__(self) -> int:
        with self._lock:
            return len(self._calls)

    def wait_ended(self, timeout_s: float) -> bool:
        """Block until no call is live (True) or the time is up (False)."""
        return self._empty.wait(timeout_s)
