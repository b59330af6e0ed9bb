"""Send claimed messages concurrently, within limits per carrier and per business.

Threads, not asyncio: every sender is synchronous (the Twilio SDK on ``requests``,
``httpx.Client``, SQLAlchemy sessions for the bookkeeping), and a send is almost all
waiting on a socket, which releases the GIL. asyncio would wrap each of them in
``to_thread`` anyway, i.e. the same pool with more machinery.

Limits are admission rules, not semaphores a thread blocks on: a claim whose carrier or
business is at its limit waits in a queue while claims of other businesses overtake it,
so no pool thread sits idle behind a busy business (no head-of-line blocking).

Messages about one appointment run one at a time, in the order claimed (oldest due
first): a calendar "delete" must not overtake the "upsert" it undoes, nor a cancellation
text its confirmation.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from frontdesk.services.notices.claims import Claimed


@dataclass(frozen=True, slots=True)
class Limits:
    """How much runs at once: in all, per carrier (a channel's provider), per business;
    ``held`` bounds what is claimed but not finished (running + queued)."""

    concurrency: int = 32
    per_carrier: int = 16
    per_tenant: int = 8
    held: int = 64


@dataclass(slots=True)
class _Job:
    claimed: Claimed
    carrier: Hashable
    expires_at: float  # monotonic: after this our lease may be someone else's


class Dispatcher:
    """Runs ``send`` for each submitted claim on a thread pool, within ``limits``."""

    def __init__(
        self,
        send: Callable[[Claimed], None],
        carrier_of: Callable[[Claimed], Hashable],
        limits: Limits,
        *,
        on_done: Callable[[int, bool], None] = lambda _room, _reopened: None,
        on_expired: Callable[[Claimed], None] = lambda _claimed: None,
    ) -> None:
        self._send, self._carrier_of, self.limits = send, carrier_of, limits
        self._on_done, self._on_expired = on_done, on_expired
        self._pool = ThreadPoolExecutor(limits.concurrency, thread_name_prefix="outbox-send")
        self._lock = threading.Lock()
        self._queued: deque[_Job] = deque()
        self._running = 0
        self._by_carrier: Counter[Hashable] = Counter()
        self._by_tenant: Counter[uuid.UUID | None] = Counter()  # running
        self._held_by_tenant: Counter[uuid.UUID | None] = Counter()  # running + queued
        self._busy_appointments: set[uuid.UUID] = set()

    @property
    def held(self) -> int:
        with self._lock:
            return self._running + len(self._queued)

    def room(self) -> int:
        """How many more claims to take now."""
        return max(self.limits.held - self.held, 0)

    @property
    def tenant_cap(self) -> int:
        """Claims of one business held at once before claiming skips it."""
        return 2 * self.limits.per_tenant

    def full_tenants(self) -> set[uuid.UUID]:
        """Businesses this worker already holds enough of (skip them when claiming)."""
        cap = self.tenant_cap
        with self._lock:
            return {t for t, n in self._held_by_tenant.items() if t is not None and n >= cap}

    def submit(self, claimed: Claimed, lease_s: float) -> None:
        # Stop short of the lease's end: a send must not begin when another worker may
        # already hold the row (a few seconds covers clock and scheduling slack).
        margin = min(5.0, lease_s / 4)
        job = _Job(claimed, self._carrier_of(claimed), time.monotonic() + lease_s - margin)
        with self._lock:
            self._queued.append(job)
            self._held_by_tenant[claimed.tenant_id] += 1
            self._admit()

    def drain_queued(self) -> list[Claimed]:
        """Take back the claims not started yet (the worker is stopping)."""
        with self._lock:
            jobs = list(self._queued)
            self._queued.clear()
            for job in jobs:
                self._held_by_tenant[job.claimed.tenant_id] -= 1
        return [job.claimed for job in jobs]

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)

    def _fits(self, job: _Job) -> bool:
        limits = self.limits
        appointment = job.claimed.appointment_id
        return (self._running < limits.concurrency
                and (appointment is None or appointment not in self._busy_appointments)
                and self._by_carrier[job.carrier] < limits.per_carrier
                and self._by_tenant[job.claimed.tenant_id] < limits.per_tenant)

    def _admit(self) -> None:
        """Start every queued job that fits, oldest first (caller holds the lock)."""
        if not self._queued or self._running >= self.limits.concurrency:
            return
        waiting: deque[_Job] = deque()
        passed_over: set[uuid.UUID] = set()  # an earlier message about it still waits
        while self._queued:
            job = self._queued.popleft()
            appointment = job.claimed.appointment_id
            if appointment in passed_over or not self._fits(job):
                waiting.append(job)
                if appointment is not None:
                    passed_over.add(appointment)
                continue
            if appointment is not None:
                self._busy_appointments.add(appointment)
            self._running += 1
            self._by_carrier[job.carrier] += 1
            self._by_tenant[job.claimed.tenant_id] += 1
            self._pool.submit(self._run, job)
        self._queued = waiting

    def _run(self, job: _Job) -> None:
        try:
            if time.monotonic() < job.expires_at:
                self._send(job.claimed)
            else:  # waited past its lease: leave it to whoever claims it next
                self._on_expired(job.claimed)
        finally:
            tenant = job.claimed.tenant_id
            with self._lock:
                if job.claimed.appointment_id is not None:
                    self._busy_appointments.discard(job.claimed.appointment_id)
                self._running -= 1
                self._by_carrier[job.carrier] -= 1
                self._by_tenant[tenant] -= 1
                if self._by_tenant[tenant] <= 0:
                    del self._by_tenant[tenant]
                self._held_by_tenant[tenant] -= 1
                left = self._held_by_tenant[tenant]
                if left <= 0:
                    del self._held_by_tenant[tenant]
                self._admit()
                room = self.limits.held - self._running - len(self._queued)
            # room: how many more could be claimed; reopened: this business just fell
            # below its cap, so claims skipping it may find its rows again.
            self._on_done(room, left == self.tenant_cap - 1)
