"""The stack's host side: the Durable management API, galleryflow's HTTP API and the
host's simulated clock."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

import requests

from sandbox.process import SandboxProcess, StackError

DURABLE_PREFIX = "/runtime/webhooks/durabletask"
TERMINAL_STATES = ("Completed", "Failed", "Terminated", "Canceled")


class DurableSide:
    """Mixed into `Stack`: needs `.host`, `.keys` and `.session`."""

    host: SandboxProcess
    keys: dict[str, Any]
    session: requests.Session

    def _durable(self, method: str, path: str, body: Any = None) -> requests.Response:
        sep = "&" if "?" in path else "?"
        return self.session.request(
            method,
            f"{self.host.url}{DURABLE_PREFIX}{path}{sep}code={quote(self.keys['masterKey'])}",
            json=body,
            timeout=30,
        )

    def start_orchestration(self, name: str, body: Any, instance_id: str | None = None) -> str:
        path = f"/orchestrators/{name}" + (f"/{instance_id}" if instance_id else "")
        response = self._durable("POST", path, body)
        if response.status_code != 202:
            raise StackError(f"start {name}: {response.status_code} {response.text}")
        return str(response.json()["id"])

    def run_status(self, instance_id: str, *, history: bool = False) -> dict[str, Any]:
        flag = "true" if history else "false"
        response = self._durable("GET", f"/instances/{instance_id}?showHistory={flag}")
        if response.status_code not in (200, 202):
            raise StackError(f"status {instance_id}: {response.status_code} {response.text}")
        return dict(response.json())

    def raise_event(self, instance_id: str, event: str, data: Any = None) -> None:
        response = self._durable("POST", f"/instances/{instance_id}/raiseEvent/{event}", data)
        if response.status_code >= 400:
            raise StackError(f"raise {event}: {response.status_code} {response.text}")

    def wait_for_run(
        self,
        instance_id: str,
        timeout: float = 180.0,
        until: Callable[[dict[str, Any]], bool] | None = None,
    ) -> dict[str, Any]:
        """Poll the run's status until it ends (or `until(status)` holds); fail at the deadline."""
        deadline = time.monotonic() + timeout
        status: dict[str, Any] = {}
        while time.monotonic() < deadline:
            try:
                status = self.run_status(instance_id)
            except (requests.RequestException, StackError):
                status = {}
            if status and (
                until(status) if until else status.get("runtimeStatus") in TERMINAL_STATES
            ):
                return status
            time.sleep(0.1)  # polling interval of a condition, not a correctness sleep
        raise StackError(
            f"run {instance_id} not done after {timeout}s: {json.dumps(status)[:2000]}"
        )

    @staticmethod
    def wait_until(condition: Callable[[], Any], timeout: float = 120.0, what: str = "") -> Any:
        """Poll `condition()` until it returns something truthy; fail at the deadline."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            time.sleep(0.1)  # polling interval of a condition, not a correctness sleep
        raise StackError(f"timed out after {timeout}s waiting for {what or condition}")

    def instances(self, **query: str) -> list[dict[str, Any]]:
        """Durable instances (the management API's list), e.g. `instances(showInput="true")`."""
        params = "&".join(f"{k}={quote(v)}" for k, v in query.items())
        response = self._durable("GET", "/instances" + (f"?{params}" if params else ""))
        if response.status_code != 200:
            raise StackError(f"list instances: {response.status_code} {response.text}")
        return list(response.json())

    def api(
        self, method: str, route: str, body: Any = None, headers: Mapping[str, str] | None = None
    ) -> requests.Response:
        """Call galleryflow's HTTP API (`/api/<route>`) with the default function key."""
        return self.session.request(
            method,
            f"{self.host.url}/api/{route.lstrip('/')}",
            json=body,
            headers={"x-functions-key": self.keys["functionKeys"]["default"], **(headers or {})},
            timeout=30,
        )

    def hold_clock(self, hold: bool) -> dict[str, Any]:
        """Freeze (or release) the host's simulated clock: durable timers stop firing."""
        return self._host_clock("hold clock", {"hold": hold}, timeout=30)

    def advance_clock(self, seconds: float) -> dict[str, Any]:
        """Move the host's simulated clock (it pushes the new time to the emulator)."""
        return self._host_clock("advance clock", {"advance_seconds": seconds}, timeout=60)

    def _host_clock(self, what: str, body: dict[str, Any], timeout: float) -> dict[str, Any]:
        response = self.session.post(
            f"{self.host.url}/admin/clock",
            json=body,
            headers={"x-functions-key": self.keys["masterKey"]},
            timeout=timeout,
        )
        if response.status_code >= 400:
            raise StackError(f"{what}: {response.status_code} {response.text}")
        return dict(response.json())
