"""pytest plugin for the dashboard tests: `galleryflow ui` as a real process against the
sandbox stack (`dashboard`, module scope; `start_dashboard` for more), started through the
sandbox's one launcher (sandbox/process.py)."""

from __future__ import annotations

import os
import re
import signal
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sandbox.process import SandboxProcess, launch_command
from sandbox.stack import Stack

_STARTED = re.compile(r"galleryflow dashboard: (http://\S+/)")


@dataclass
class Dashboard:
    url: str
    process: SandboxProcess

    def log_text(self) -> str:
        return self.process.log_path.read_text(errors="replace")

    def stop(self) -> None:
        self.process.stop(timeout=10, sig=signal.SIGINT)  # Ctrl-C, as a person stops it


def _dashboard_url(line: str) -> str | None:
    found = _STARTED.search(line)
    return found.group(1).rstrip("/") if found else None


def start_dashboard(stack: Stack, log: Path, *args: str) -> Dashboard:
    """`python -m galleryflow.cli ui --port 0 ...` with the stack's URL and key in its
    environment; waits for the line naming its URL."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GALLERYFLOW_")},
        "GALLERYFLOW_URL": stack.host.url,
        "GALLERYFLOW_KEY": stack.keys["functionKeys"]["default"],
        "COLUMNS": "200",
    }
    argv = [sys.executable, "-m", "galleryflow.cli", "ui", "--port", "0", *args]
    # The dashboard names its URL on stderr (galleryflow/cli/ui_command.py).
    process = launch_command(
        "dashboard", argv, log_path=log, env=env, ready=_dashboard_url, timeout=30, stderr_too=True
    )
    return Dashboard(process.url, process)


@pytest.fixture(scope="module")
def dashboard(
    sandbox_stack: Stack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Dashboard]:
    running = start_dashboard(
        sandbox_stack, tmp_path_factory.mktemp("dashboard") / "ui.log", "--refresh", "0.3"
    )
    try:
        yield running
    finally:
        running.stop()
