"""Follow a run by polling `GET /api/runs/{id}` until it ends (or a deadline passes).

On a terminal the run is a live rich view; elsewhere (CI logs, pipes) new log lines are
printed as they appear (a mirror gallery's prefixed `mirror N: `) and the full view once
at the end.
"""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.text import Text

from galleryflow.cli.client import ApiClient, OperatorError
from galleryflow.cli.galleries import gallery_progress
from galleryflow.cli.views import run_view

# Exit status of a watched run: 0 succeeded, 1 failed/canceled, 2 partially succeeded.
EXIT_BY_STATE = {"succeeded": 0, "failed": 1, "canceled": 1, "partially_succeeded": 2}
EXIT_STILL_RUNNING = 3  # the watch deadline passed; the run goes on
_TRANSIENT = ("ConnectionFailed", "Timeout")
_MAX_TRANSIENT_FAILURES = 3


class WatchDeadline(Exception):
    def __init__(self, summary: dict[str, Any], timeout: float) -> None:
        super().__init__(
            f"run {summary.get('id')} is still {summary.get('state')} after {timeout:g} s; "
            "it goes on without us (watch again with `galleryflow runs show ID --watch`)"
        )
        self.summary = summary


def exit_code(summary: dict[str, Any]) -> int:
    return EXIT_BY_STATE.get(str(summary.get("state")), EXIT_STILL_RUNNING)


def _logs(summary: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """(line prefix, log) of the run, then of each mirror gallery (`mirror N: `)."""
    logs = [("", [str(line) for line in summary.get("log") or []])]
    for gallery in gallery_progress(summary)[1:]:
        logs.append((f"{gallery.role}: ", gallery.log))
    return logs


def new_log_lines(previous: list[str], current: list[str]) -> list[str]:
    """Lines of `current` not yet seen: the log is a sliding window of the last lines."""
    for overlap in range(min(len(previous), len(current)), 0, -1):
        if previous[-overlap:] == current[:overlap]:
            return current[overlap:]
    return current


class _Poller:
    def __init__(self, client: ApiClient, run_id: str, interval: float, timeout: float) -> None:
        self.client = client
        self.run_id = run_id
        self.interval = interval
        self.timeout = timeout
        self.deadline = time.monotonic() + timeout
        self.failures = 0

    def next(self, summary: dict[str, Any]) -> dict[str, Any]:
        """Wait one interval and read the run again; tolerate a few connection hiccups."""
        while True:
            if time.monotonic() >= self.deadline:
                raise WatchDeadline(summary, self.timeout)
            time.sleep(self.interval)  # the polling interval, not a correctness wait
            try:
                fresh = self.client.run(self.run_id)
            except OperatorError as exc:
                self.failures += 1
                if exc.code not in _TRANSIENT or self.failures > _MAX_TRANSIENT_FAILURES:
                    raise
                continue
            self.failures = 0
            return dict(fresh)


def watch_run(
    client: ApiClient,
    run_id: str,
    *,
    interval: float,
    timeout: float,
    console: Console | None,
) -> dict[str, Any]:
    """Poll until the run has finished; show progress on `console` (None: stay quiet)."""
    poller = _Poller(client, run_id, interval, timeout)
    summary = dict(client.run(run_id))
    if console is None:
        while not summary.get("finished"):
            summary = poller.next(summary)
        return summary
    if console.is_terminal:
        with Live(run_view(summary), console=console, refresh_per_second=8) as live:
            while not summary.get("finished"):
                summary = poller.next(summary)
                live.update(run_view(summary))
        return summary
    seen: dict[str, list[str]] = {}
    while True:
        for prefix, log in _logs(summary):
            for line in new_log_lines(seen.get(prefix, []), log):
                console.print(Text(f"  {prefix}{line}"))
            seen[prefix] = log
        if summary.get("finished"):
            break
        summary = poller.next(summary)
    console.print(run_view(summary))
    return summary
