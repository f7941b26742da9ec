"""The one launcher of sandbox processes: `python -m sandbox <args>` until it prints READY.

The stack (sandbox/stack.py) and the test plugins (sandbox/arm/testing.py,
sandbox/host/testing.py) start the ARM emulator and the host through `launch`. Each process
runs in its own session, so stopping it (by its process group, which we created) also ends
any child it started. Its stdout is drained for its whole life (a full pipe would block it):
every line goes to the log file (and the first MAX_LINES to `.lines`); stderr goes to the
same log file.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
LOG_TAIL_CHARS = 4000
MAX_LINES = 10_000  # `.lines` keeps the start of stdout (READY, listings); the log keeps all


class StackError(RuntimeError):
    """A sandbox process did not start, or a control call to it failed."""


class ProcessStartError(StackError):
    """A sandbox process exited or did not print READY in time (the message has its log)."""


@dataclass
class SandboxProcess:
    """A started `python -m sandbox ...`: `.url` from its READY line, `.pid`, `.lines`."""

    name: str
    popen: subprocess.Popen[str]
    log_path: Path
    url: str = ""
    lines: list[str] = field(default_factory=list)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, timeout: float = 15.0, sig: int = signal.SIGTERM) -> None:
        """Signal the process group we created; SIGKILL it when it does not end in time."""
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, sig)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=timeout)
        if self.popen.stdout is not None:
            self.popen.stdout.close()

    def kill(self) -> None:
        """SIGKILL, no goodbye: for crash/resume tests."""
        self.stop(sig=signal.SIGKILL)

    def log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-LOG_TAIL_CHARS:]
        except OSError:
            return ""


def launch(
    name: str,
    args: list[str],
    *,
    log_path: Path,
    env: Mapping[str, str],
    timeout: float = 90.0,
) -> SandboxProcess:
    """Run `python -m sandbox <args>` from the repository root with exactly `env` (plus
    unbuffered output) and wait for its `READY <url>` line; ProcessStartError otherwise."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("a", encoding="utf-8") as stderr:
        popen = subprocess.Popen(
            [sys.executable, "-m", "sandbox", *args],
            cwd=REPO_ROOT,
            env={**env, "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
    process = SandboxProcess(name, popen, log_path)
    ready = threading.Event()

    def pump() -> None:
        assert popen.stdout is not None
        with log_path.open("a", encoding="utf-8") as log:
            try:
                for line in popen.stdout:
                    log.write(line)
                    log.flush()
                    if len(process.lines) < MAX_LINES:
                        process.lines.append(line.rstrip("\n"))
                    if not process.url and line.startswith("READY "):
                        process.url = line.split()[1].rstrip("/")
                        ready.set()
            except (ValueError, OSError):  # stdout closed by stop()
                pass
        ready.set()

    threading.Thread(target=pump, name=f"{name}-output", daemon=True).start()
    ready.wait(timeout)
    if not process.url:
        code = popen.poll()
        process.stop()
        raise ProcessStartError(
            f"{name} did not print READY within {timeout}s (exit code {code}); "
            f"log {log_path}:\n{process.log_tail()}"
        )
    return process
