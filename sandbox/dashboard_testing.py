"""pytest plugin for the dashboard tests: `galleryflow ui` as a real process against the
sandbox stack (`dashboard`, module scope; `start_dashboard` for more)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sandbox.stack import Stack

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Dashboard:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_dashboard(stack: Stack, log: Path, *args: str) -> Dashboard:
    """`python -m galleryflow.cli ui --port 0 ...` with the stack's URL and key in its
    environment; waits for the line naming its URL."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GALLERYFLOW_")},
        "GALLERYFLOW_URL": stack.host.url,
        "GALLERYFLOW_KEY": stack.keys["functionKeys"]["default"],
        "PYTHONUNBUFFERED": "1",
        "COLUMNS": "200",
    }
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "galleryflow.cli", "ui", "--port", "0", *args],
            cwd=REPO,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    dashboard = Dashboard("", process, log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = re.search(r"galleryflow dashboard: (http://\S+/)", dashboard.log_text())
        if found:
            dashboard.url = found.group(1).rstrip("/")
            return dashboard
        if process.poll() is not None:
            break
        time.sleep(0.05)  # polling for the start-up line, not a correctness wait
    dashboard.stop()
    raise RuntimeError(f"the dashboard did not start:\n{dashboard.log_text()[-3000:]}")


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
