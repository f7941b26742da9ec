"""A deterministic kill point for fault tests: the host SIGKILLs itself right after the Nth
orchestration episode it commits (history, messages and instance row are durable; nothing
after them happened).

Two ways to set it:
- `SANDBOX_CRASH_AFTER_COMMIT=N` in its environment: after its Nth commit since it started.
- `POST /admin/crash-point {"after_commits": N}` (master key) on a running host: after N more
  commits (`null` disarms); `GET /admin/crash-point` answers `{"commits", "crash_at"}`, the
  commits counted since the host started. The fault matrix (tests/reliability/) counts the
  commits of a clean publish this way, then kills a publish after each of them with one host
  start per kill point.
`SANDBOX_COMMIT_COUNT_FILE=<path>` in the environment also writes the count there after every
commit.
"""

from __future__ import annotations

import json
import os
import signal
import threading
from typing import Any

from aiohttp import web

_lock = threading.Lock()
_commits = [0]
_crash_at: list[int | None] = [None]


def after_episode_commit() -> None:
    raw = os.environ.get("SANDBOX_CRASH_AFTER_COMMIT", "").strip()
    count_file = os.environ.get("SANDBOX_COMMIT_COUNT_FILE", "").strip()
    with _lock:
        _commits[0] += 1
        if count_file:
            with open(count_file, "w") as handle:
                handle.write(str(_commits[0]))
        armed = _crash_at[0]
        if (raw and _commits[0] >= int(raw)) or (armed is not None and _commits[0] >= armed):
            os.kill(os.getpid(), signal.SIGKILL)


def _body() -> dict[str, Any]:
    return {"commits": _commits[0], "crash_at": _crash_at[0]}


async def get_crash_point(_request: web.Request) -> web.Response:
    with _lock:
        return web.json_response(_body())


async def set_crash_point(request: web.Request) -> web.Response:
    try:
        body = json.loads(await request.read() or b"{}")
    except json.JSONDecodeError as exc:
        return _bad(f"body must be JSON: {exc}")
    after = body.get("after_commits") if isinstance(body, dict) else "?"
    if after is not None and (isinstance(after, bool) or not isinstance(after, int) or after < 1):
        return _bad('send {"after_commits": N} with N >= 1, or {"after_commits": null} to disarm')
    with _lock:
        _crash_at[0] = None if after is None else _commits[0] + after
        return web.json_response(_body())


def _bad(message: str) -> web.Response:
    error = {"error": {"code": "BadCrashPoint", "message": message, "details": []}}
    return web.json_response(error, status=400)
