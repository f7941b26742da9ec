"""Dispatch loop: runs ready episodes and activities in bounded thread pools, moves sim time.

Orchestrator episodes run beside activities (their own pool), for different instances side
by side, never two for the same instance. A timer fires when the clock reaches it, whatever
else runs: with real time (or sim time with a scale) the loop wakes at its due time. Sim time
without a scale only jumps: the moment nothing is runnable (no episode, no activity, no HTTP
invocation in flight, nothing visible) and the clock is not held, it jumps to the earliest
pending timer — so an activity takes no simulated time, and no wall time is spent waiting for
idleness (a client that must act before time moves holds the clock).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sandbox.host.engine import Engine
from sandbox.host.timeutil import from_iso

log = logging.getLogger("sandbox.host.scheduler")


class Scheduler:
    def __init__(
        self,
        engine: Engine,
        max_activities: int,
        max_orchestrations: int,
        idle_seconds: float = 0.0,
    ) -> None:
        self.engine = engine
        self.max_activities = max_activities
        self.max_orchestrations = max_orchestrations
        # Wall seconds of idleness before a jump: 0 (jump at once) unless a caller wants a
        # debounce; the decision itself never depends on wall time.
        self.idle_seconds = idle_seconds
        self._activity_pool = ThreadPoolExecutor(max_activities, thread_name_prefix="activity")
        self._orchestration_pool = ThreadPoolExecutor(
            max_orchestrations, thread_name_prefix="orchestrator"
        )
        self._running_instances: set[str] = set()
        self._running_activities: set[int] = set()
        self.http_in_flight = 0
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping = False
        self._extra_wakeups: list[Any] = []

    def wake(self) -> None:
        """Thread-safe: something changed, look for work."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake.set)

    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.engine.notify = self.wake
        idle_since: float | None = None
        while not self._stopping:
            self._wake.clear()
            busy = await self._dispatch()
            # Time that flows (real, or sim with a scale) reaches the next timer by itself:
            # wake for it even while activities run, so its orchestrator replays beside them.
            timeout = self._seconds_to_next_timer()
            if busy:
                idle_since = None
            elif self.engine.clock.simulated:
                idle_since = idle_since if idle_since is not None else time.monotonic()
                waited = time.monotonic() - idle_since
                if self.engine.clock.held:
                    pass  # releasing the hold wakes the loop (POST /admin/clock)
                elif waited >= self.idle_seconds:
                    if await self._skip_ahead():
                        idle_since = None
                        continue
                else:
                    timeout = _earliest(timeout, max(self.idle_seconds - waited, 0.005))
            if self._extra_wakeups:
                timeout = min(timeout or 1.0, 1.0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    def add_periodic(self, owner: Any) -> None:
        """Something (timer triggers) wants the loop to tick at least once a second."""
        self._extra_wakeups.append(owner)

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        self._activity_pool.shutdown(wait=False, cancel_futures=True)
        self._orchestration_pool.shutdown(wait=False, cancel_futures=True)

    @property
    def busy(self) -> bool:
        return bool(self._running_instances or self._running_activities or self.http_in_flight)

    async def _dispatch(self) -> bool:
        loop = asyncio.get_running_loop()
        store = self.engine.store
        now = self.engine.clock.now_iso()
        rejected = self.engine.rejected
        ready = [i for i in store.instances_with_visible_messages(now) if i not in rejected]
        for instance_id in ready:
            if len(self._running_instances) >= self.max_orchestrations:
                break
            if instance_id in self._running_instances:
                continue
            self._running_instances.add(instance_id)
            future = loop.run_in_executor(self._orchestration_pool, self._episode, instance_id)
            future.add_done_callback(lambda _f: self._wake.set())
        free = self.max_activities - len(self._running_activities)
        for work in store.pending_activities(self._running_activities, free):
            self._running_activities.add(work.id)
            future = loop.run_in_executor(self._activity_pool, self._activity, work)
            future.add_done_callback(lambda _f: self._wake.set())
        waiting_instances = any(i not in self._running_instances for i in ready)
        return self.busy or waiting_instances

    def _episode(self, instance_id: str) -> None:
        try:
            self.engine.run_episode(instance_id)
        except Exception as exc:
            log.exception("episode of %s crashed", instance_id)
            self.engine.fail_after_crash(instance_id, f"{type(exc).__name__}: {exc}")
        finally:
            self._running_instances.discard(instance_id)
            self.wake()

    def _activity(self, work: Any) -> None:
        try:
            self.engine.run_activity(work)
        except Exception:
            log.exception("activity %s crashed", work.name)
        finally:
            self._running_activities.discard(work.id)
            self.wake()

    async def _skip_ahead(self) -> bool:
        clock = self.engine.clock
        target = self.engine.store.next_visible_at(clock.now_iso())
        if target is None:
            return False
        loop = asyncio.get_running_loop()
        # The push to the ARM emulator is blocking I/O: keep the HTTP server responsive.
        return await loop.run_in_executor(None, clock.advance_to, from_iso(target))

    def _seconds_to_next_timer(self) -> float | None:
        """Wall seconds until flowing time reaches the next timer; None if time only jumps."""
        clock = self.engine.clock
        rate = clock.rate
        if not rate:
            return None
        target = self.engine.store.next_visible_at(clock.now_iso())
        if target is None:
            return None
        return max((from_iso(target) - clock.now()).total_seconds() / rate, 0.01)


def _earliest(first: float | None, second: float) -> float:
    return second if first is None else min(first, second)
