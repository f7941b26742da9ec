"""The host clock: real time, or simulated time that only moves when the engine skips ahead.

In sim mode the current time is persisted in the store so a restarted host continues where it
stopped. With a sync URL (the ARM emulator's `/_sandbox/clock`) every move is pushed there
before timers fire, so activities that poll ARM after a timer see the same time.
"""

from __future__ import annotations

import json
import logging
import ssl
import threading
import time
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

from sandbox.host.store import Store
from sandbox.host.timeutil import from_iso, to_iso, utc_now

log = logging.getLogger("sandbox.host.clock")


class Clock:
    def __init__(
        self,
        mode: str,
        store: Store,
        sync_url: str | None = None,
        sync_ca: Path | None = None,
        scale: float = 0.0,
    ) -> None:
        if mode not in ("sim", "real"):
            raise ValueError(f"--clock must be 'sim' or 'real', not {mode!r}")
        if scale < 0:
            raise ValueError(f"--clock-scale must be >= 0, not {scale}")
        self.mode = mode
        # Sim time also flows at `scale` x wall time (0: only jumps), so activities that wait
        # for the ARM emulator's simulated time can finish while they run.
        self.scale = scale
        self._anchor_mono = time.monotonic()
        self._last_persist = self._anchor_mono
        self._store = store
        self._sync_url = sync_url
        self._ssl = ssl.create_default_context(cafile=str(sync_ca)) if sync_ca else None
        self._lock = threading.Lock()
        self.held = False
        # Whole seconds: the status API shows whole seconds, so sim timestamps line up with it.
        self._now = utc_now().replace(microsecond=0)
        if mode == "sim":
            saved = store.get_meta("sim_now")
            if saved:
                self._now = from_iso(saved)
            if sync_url:
                remote = self._fetch_remote()
                if remote and remote > self._now:
                    self._now = remote
            self._persist()
            self._push()

    @property
    def simulated(self) -> bool:
        return self.mode == "sim"

    @property
    def rate(self) -> float:
        """Clock seconds per wall second between jumps (real: 1, sim: its scale)."""
        return 1.0 if self.mode == "real" else self.scale

    def now(self) -> datetime:
        if self.mode == "real":
            return utc_now()
        with self._lock:
            if not self.scale:
                return self._now
            mono = time.monotonic()
            self._now += timedelta(seconds=(mono - self._anchor_mono) * self.scale)
            self._anchor_mono = mono
            persist = mono - self._last_persist > 1.0
            if persist:
                self._last_persist = mono
            moment = self._now
        if persist:
            self._persist()
            self._push()
        return moment

    def now_iso(self) -> str:
        return to_iso(self.now())

    def advance_to(self, moment: datetime) -> bool:
        """Move simulated time forward (never back); True when it moved."""
        if self.mode == "real":
            return False
        self.now()  # bring scaled time up to date first
        with self._lock:
            if moment <= self._now:
                return False
            self._now = moment
            self._anchor_mono = time.monotonic()
        self._persist()
        self._push()
        return True

    def _persist(self) -> None:
        self._store.set_meta("sim_now", to_iso(self._now))

    def _fetch_remote(self) -> datetime | None:
        assert self._sync_url
        try:
            with urllib.request.urlopen(self._sync_url, timeout=10, context=self._ssl) as resp:
                return from_iso(json.loads(resp.read())["now"])
        except Exception as exc:  # the emulator may not be up yet: keep our own time
            log.warning("clock sync: cannot read %s: %s", self._sync_url, exc)
            return None

    def _push(self) -> None:
        if not self._sync_url:
            return
        body = json.dumps({"now": to_iso(self._now)}).encode()
        request = urllib.request.Request(
            self._sync_url, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=10, context=self._ssl):
                pass
        except Exception as exc:
            log.warning("clock sync: cannot push to %s: %s", self._sync_url, exc)
