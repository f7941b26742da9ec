"""A deterministic kill point for fault tests: with `SANDBOX_CRASH_AFTER_COMMIT=N` in its
environment the host SIGKILLs itself right after the Nth orchestration episode it commits
(history, messages and instance row are durable; nothing after them happened). With
`SANDBOX_COMMIT_COUNT_FILE=<path>` it writes how many episodes it committed so far (how the
fault matrix, tests/reliability/, learns how many kill points a publish has; it then kills a
publish after each of its commits, starts the host again without the setting and checks that
the run finishes consistently)."""

from __future__ import annotations

import os
import signal
import threading

_lock = threading.Lock()
_commits = [0]


def after_episode_commit() -> None:
    raw = os.environ.get("SANDBOX_CRASH_AFTER_COMMIT", "").strip()
    count_file = os.environ.get("SANDBOX_COMMIT_COUNT_FILE", "").strip()
    if not raw and not count_file:
        return
    with _lock:
        _commits[0] += 1
        if count_file:
            with open(count_file, "w") as handle:
                handle.write(str(_commits[0]))
        if raw and _commits[0] >= int(raw):
            os.kill(os.getpid(), signal.SIGKILL)
