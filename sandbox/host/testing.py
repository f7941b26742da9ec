"""Pytest plugin: start the sandbox host as a subprocess on a free port (registered in
tests/conftest.py). `start_host(...)` also works outside pytest (benchmarks, demos)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests

from sandbox.process import REPO_ROOT, SandboxProcess, launch

TERMINAL = ("Completed", "Failed", "Terminated")


class HostProcess:
    """A running `python -m sandbox host`; stop it with `.stop()` (SIGTERM) or `.kill()`."""

    def __init__(
        self,
        app_dir: Path,
        state_dir: Path,
        settings: dict[str, str] | None,
        port: int,
        clock: str | None,
        clock_sync_url: str | None,
        clock_sync_ca: Path | None,
        clock_scale: float = 0.0,
        ready_timeout: float = 60.0,
    ) -> None:
        self.app_dir = Path(app_dir)
        self.state_dir = Path(state_dir)
        self.settings = dict(settings or {})
        self.port = port
        self.clock = clock
        self.clock_sync_url = clock_sync_url
        self.clock_sync_ca = clock_sync_ca
        self.clock_scale = clock_scale
        self.ready_timeout = ready_timeout
        self.proc: SandboxProcess | None = None
        self.url = ""
        self.stdout_lines: list[str] = []
        self.session = requests.Session()
        self._launch()

    # ------------------------------------------------------------------ lifecycle
    def _launch(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        args = [
            "host",
            "--app-dir", str(self.app_dir), "--state-dir", str(self.state_dir),
            "--port", str(self.port),
        ]  # fmt: skip
        if self.clock is not None:  # None: no flag, the command's default (real)
            args += ["--clock", self.clock]
        if self.clock_sync_url:
            args += ["--clock-sync-url", self.clock_sync_url]
        if self.clock_sync_ca:
            args += ["--clock-sync-ca", str(self.clock_sync_ca)]
        if self.clock_scale:
            args += ["--clock-scale", str(self.clock_scale)]
        env = {**os.environ, **self.settings}
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p
        )
        self.log_path = self.state_dir / "host.log"
        self.proc = launch(
            "sandbox host", args, log_path=self.log_path, env=env, timeout=self.ready_timeout
        )
        # READY, then one "  name: triggerType" line per function (the process appends).
        self.stdout_lines = self.proc.lines
        self.url = self.proc.url
        self.port = int(self.url.rsplit(":", 1)[1])
        keys = json.loads((self.state_dir / "host_keys.json").read_text())
        self.master_key = str(keys["masterKey"])
        self.function_key = str(keys["functionKeys"]["default"])
        self.system_key = str(keys["systemKeys"]["durabletask_extension"])

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def stop(self, timeout: float = 15.0) -> None:
        if self.proc is not None:
            self.proc.stop(timeout)

    def kill(self) -> None:
        """SIGKILL, like a crashed worker."""
        if self.proc is not None:
            self.proc.kill()

    def restart(self, kill: bool = False) -> None:
        """Stop (or SIGKILL) and start again on the same port and state directory."""
        if kill:
            self.kill()
        else:
            self.stop()
        self._launch()

    # ------------------------------------------------------------------ helpers
    def admin_headers(self) -> dict[str, str]:
        return {"x-functions-key": self.master_key}

    def function_headers(self) -> dict[str, str]:
        return {"x-functions-key": self.function_key}

    def webhook(self, path: str) -> str:
        """URL of the Durable management API, with the system key."""
        joiner = "&" if "?" in path else "?"
        base = f"{self.url}/runtime/webhooks/durabletask/{path.lstrip('/')}"
        return f"{base}{joiner}code={self.system_key}"

    def start_orchestration(
        self,
        name: str,
        input_: Any = None,
        instance_id: str | None = None,
        version: str | None = None,
    ) -> requests.Response:
        path = f"orchestrators/{name}" + (f"/{instance_id}" if instance_id else "")
        if version is not None:  # what client.start_new(..., version=) sends
            path += f"?version={quote(version)}"
        return self.session.post(
            self.webhook(path), data=None if input_ is None else json.dumps(input_), timeout=30
        )

    def status(self, instance_id: str, history: bool = False) -> dict[str, Any] | None:
        query = "?showHistory=true&showHistoryOutput=true" if history else ""
        response = self.session.get(self.webhook(f"instances/{instance_id}{query}"), timeout=30)
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return dict(response.json())

    def raise_event(self, instance_id: str, name: str, data: Any) -> requests.Response:
        return self.session.post(
            self.webhook(f"instances/{instance_id}/raiseEvent/{name}"),
            data=json.dumps(data),
            headers={"Content-Type": "application/json"},
            timeout=30,
        )

    def wait_for_instance(
        self,
        instance_id: str,
        timeout: float = 180.0,
        until: Callable[[dict[str, Any]], bool] | None = None,
    ) -> dict[str, Any]:
        """Poll the management API until the instance is finished (or `until(status)`)."""
        done = until or (lambda s: s.get("runtimeStatus") in TERMINAL)
        deadline = time.monotonic() + timeout
        last: dict[str, Any] | None = None
        while time.monotonic() < deadline:
            last = self.status(instance_id)
            if last is not None and done(last):
                return last
            time.sleep(0.05)
        raise TimeoutError(f"instance {instance_id} not done after {timeout}s: {last}")

    def set_clock(self, **body: Any) -> dict[str, Any]:
        response = self.session.post(
            f"{self.url}/admin/clock", json=body, headers=self.admin_headers(), timeout=30
        )
        response.raise_for_status()
        return dict(response.json())


def start_host(
    app_dir: Path,
    state_dir: Path,
    settings: dict[str, str] | None = None,
    port: int = 0,
    clock: str | None = "sim",
    clock_sync_url: str | None = None,
    clock_sync_ca: Path | None = None,
    clock_scale: float = 0.0,
) -> HostProcess:
    return HostProcess(
        app_dir, state_dir, settings, port, clock, clock_sync_url, clock_sync_ca, clock_scale
    )


@pytest.fixture
def sandbox_host(tmp_path: Path) -> Iterator[Callable[..., HostProcess]]:
    """Factory: `host = sandbox_host(app_dir, settings=..., clock=...)`; stopped after the test."""
    started: list[HostProcess] = []

    def factory(app_dir: Path, state_dir: Path | None = None, **kwargs: Any) -> HostProcess:
        state = state_dir or tmp_path / f"host-state-{len(started)}"
        host = start_host(Path(app_dir), state, **kwargs)
        started.append(host)
        return host

    yield factory
    for host in started:
        host.stop()
