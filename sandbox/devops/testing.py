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
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from sandbox.process import launch


class DevOpsFake:
    def __init__(
        self, state_dir: Path, token: str | None = None, start_timeout: float = 20.0
    ) -> None:
        self.state_dir = state_dir
        self.token = token or secrets.token_urlsafe(24)
        env = {**os.environ, "SANDBOX_DEVOPS_TOKEN": self.token}
        # The one sandbox launcher: own session, READY awaited, output drained into the log.
        self.process = launch(
            "DevOps fake",
            ["devops", "--port", "0", "--state-dir", str(state_dir)],
            log_path=state_dir / "stderr.log",
            env=env,
            timeout=start_timeout,
        )
        self.url = self.process.url
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
        self.process.stop(timeout=10)


@pytest.fixture
def devops_fake(tmp_path: Path) -> Iterator[DevOpsFake]:
    fake = DevOpsFake(tmp_path / "devops")
    try:
        yield fake
    finally:
        fake.stop()
