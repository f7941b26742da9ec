"""The one launcher of sandbox processes: `python -m sandbox <args>` until it prints READY.

The stack (sandbox/stack.py) and the test plugins (sandbox/arm/testing.py,
sandbox/host/testing.py, sandbox/devops/testing.py) start the ARM emulator, the host and the
DevOps fake through `launch`; sandbox/azurite.py starts Azurite (a Node program with its own
"listening" line) and sandbox/dashboard_testing.py `galleryflow ui` (its "galleryflow
dashboard: <url>" line, on stderr) through `launch_command`. Each process runs in its own
session, so stopping it (by its process group, which we created) also ends any child it
started. Its stdout is drained for its whole life (a full pipe would block it): every line
goes to the log file (and the first MAX_LINES to `.lines`); stderr goes to the same log
file (or through the same drain with `stderr_too`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping
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


def ready_line(line: str) -> str | None:
    """The url of a sandbox process's `READY <url>` line; None for any other line."""
    return line.split()[1].rstrip("/") if line.startswith("READY ") else None


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
    argv = [sys.executable, "-m", "sandbox", *args]
    return launch_command(name, argv, log_path=log_path, env=env, timeout=timeout)


def launch_command(
    name: str,
    argv: list[str],
    *,
    log_path: Path,
    env: Mapping[str, str],
    cwd: Path = REPO_ROOT,
    ready: Callable[[str], str | None] = ready_line,
    timeout: float = 90.0,
    stderr_too: bool = False,
) -> SandboxProcess:
    """Run `argv` in `cwd` with exactly `env` (plus unbuffered output) until `ready` finds
    the url in a stdout line (`.url`, also stderr lines with `stderr_too`);
    ProcessStartError when it exits or times out first."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("a", encoding="utf-8") as stderr:
        popen = subprocess.Popen(
            argv,
            cwd=cwd,
            env={**env, "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if stderr_too else stderr,
            stdin=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
    process = SandboxProcess(name, popen, log_path)
    started = threading.Event()

    def pump() -> None:
        assert popen.stdout is not None
        with log_path.open("a", encoding="utf-8") as log:
            try:
                for line in popen.stdout:
                    log.write(line)
                    log.flush()
                    if len(process.lines) < MAX_LINES:
                        process.lines.append(line.rstrip("\n"))
                    url = None if process.url else ready(line)
                    if url:
                        process.url = url
                        started.set()
            except (ValueError, OSError):  # stdout closed by stop()
                pass
        started.set()

    threading.Thread(target=pump, name=f"{name}-output", daemon=True).start()
    started.wait(timeout)
    if not process.url:
        code = popen.poll()
        process.stop()
        raise ProcessStartError(
            f"{name} did not get ready within {timeout}s (exit code {code}); "
            f"log {log_path}:\n{process.log_tail()}"
        )
    return process
