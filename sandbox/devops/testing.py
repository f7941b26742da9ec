"""pytest plugin: the `devops_fake` fixture runs the DevOps fake in its own process.

def test_x(devops_fake):
    devops_fake.plan_url            # https://127.0.0.1:PORT/org/  (the PlanUrl header)
    devops_fake.token, devops_fake.ca_file
    devops_fake.fail_next(503, count=2, kind="event")
    devops_fake.wait_for(lambda reqs: any(r["kind"] == "event" for r in reqs), timeout=30)
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

_REPO = Path(__file__).resolve().parents[2]


class DevOpsFake:
    def __init__(
        self, state_dir: Path, token: str | None = None, start_timeout: float = 20.0
    ) -> None:
        self.state_dir = state_dir
        self.token = token or secrets.token_urlsafe(24)
        env = {**os.environ, "SANDBOX_DEVOPS_TOKEN": self.token}
        state_dir.mkdir(parents=True, exist_ok=True)
        self._stderr = (state_dir / "stderr.log").open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sandbox",
                "devops",
                "--port",
                "0",
                "--state-dir",
                str(state_dir),
            ],
            cwd=_REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )
        assert self.process.stdout is not None
        deadline = time.monotonic() + start_timeout
        line = ""
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if line.startswith("READY ") or not line:
                break
        if not line.startswith("READY "):
            self.stop()
            raise RuntimeError(f"DevOps fake did not start; see {state_dir / 'stderr.log'}")
        self.url = line.split()[1].rstrip("/")
        self.ca_file = str(state_dir / "ca.pem")
        self.plan_url = f"{self.url}/org/"

    def requests(self) -> list[dict[str, Any]]:
        response = requests.get(f"{self.url}/_sandbox/requests", verify=self.ca_file, timeout=10)
        response.raise_for_status()
        return list(response.json()["requests"])

    def fail_next(
        self, status: int, count: int = 1, kind: str = "any", location: str | None = None
    ) -> None:
        body: dict[str, Any] = {"status": status, "count": count, "kind": kind}
        if location:
            body["location"] = location
        requests.post(
            f"{self.url}/_sandbox/faults", json=body, verify=self.ca_file, timeout=10
        ).raise_for_status()

    def wait_for(
        self,
        condition: Callable[[list[dict[str, Any]]], bool],
        timeout: float = 60.0,
        interval: float = 0.1,
    ) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while True:
            seen = self.requests()
            if condition(seen):
                return seen
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"DevOps fake: condition not met within {timeout}s; got {seen}"
                )
            time.sleep(interval)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()
        self._stderr.close()


@pytest.fixture
def devops_fake(tmp_path: Path) -> Iterator[DevOpsFake]:
    fake = DevOpsFake(tmp_path / "devops")
    try:
        yield fake
    finally:
        fake.stop()
