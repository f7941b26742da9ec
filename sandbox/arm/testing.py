"""Start the ARM emulator as a subprocess, and the `arm_emulator` pytest fixture.

Registered as a pytest plugin in tests/conftest.py. Other parts use `start_arm_emulator`
from their own stacks and fixtures.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests

from sandbox.arm.store import DEFAULT_TOKEN
from sandbox.process import SandboxProcess, launch

if TYPE_CHECKING:
    from azure.mgmt.compute import ComputeManagementClient

STARTUP_TIMEOUT = 20.0


class StaticToken:
    """A TokenCredential that always returns the same bearer token."""

    def __init__(self, token: str) -> None:
        self.token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        return AccessToken(self.token, int(time.time()) + 3600)

    def get_token_info(self, *scopes: str, options: Any = None) -> Any:
        from azure.core.credentials import AccessTokenInfo

        return AccessTokenInfo(self.token, int(time.time()) + 3600)


class ArmEmulatorProcess:
    """A running emulator: `.url`, `.ca_file`, `.state_dir`, `.token`, `.pid`."""

    def __init__(
        self,
        state_dir: Path,
        port: int = 0,
        seed: int = 0,
        clock_scale: float | None = 0.0,
    ) -> None:
        self.state_dir = Path(state_dir)
        self.seed = seed
        self.clock_scale = clock_scale
        self.token = DEFAULT_TOKEN
        self.ca_file = self.state_dir / "ca.pem"
        self._port = port
        self._proc: SandboxProcess | None = None
        self._session = requests.Session()  # keep-alive: one TLS handshake, not one per call
        self.url = ""
        self._restarting = False
        self._start()

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.alive()

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    def _start(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        args = [
            "arm",
            "--port", str(self._port), "--state-dir", str(self.state_dir), "--seed", str(self.seed),
        ]  # fmt: skip
        if not self._restarting and self.clock_scale is not None:
            # tests control time: frozen unless asked (None: the CLI's own default, 1); a
            # restart keeps the saved clock, as a restarted emulator does
            args += ["--clock-scale", str(self.clock_scale)]
        self._proc = launch(
            "ARM emulator",
            args,
            log_path=self.state_dir / "emulator.log",
            env=os.environ,
            timeout=STARTUP_TIMEOUT,
        )
        self.url = self._proc.url
        self._port = int(self.url.rsplit(":", 1)[1])

    def control(self, method: str, path: str, json: Any = None) -> Any:
        """Call the control API (`path` like '/_sandbox/clock' or 'clock'); raises on 4xx/5xx."""
        if not path.startswith("/"):
            path = "/_sandbox/" + path
        response = self._session.request(
            method, self.url + path, json=json, verify=str(self.ca_file), timeout=30
        )
        if response.status_code >= 400:
            raise RuntimeError(
                f"control {method} {path} -> {response.status_code}: {response.text}"
            )
        return response.json() if response.content else None

    def compute_client(
        self, subscription_id: str, token: str | None = None, **kwargs: Any
    ) -> ComputeManagementClient:
        """The real SDK client pointed at the emulator (polling_interval=0)."""
        from azure.mgmt.compute import ComputeManagementClient

        options: dict[str, Any] = {"connection_verify": str(self.ca_file), "polling_interval": 0}
        options.update(kwargs)
        return ComputeManagementClient(
            StaticToken(token or self.token), subscription_id, base_url=self.url, **options
        )

    def gateway_settings(self) -> dict[str, str]:
        """App settings that point galleryflow's gateway at this emulator: simulated time
        (never sleep between polls) and no azure-core retries, so tests see every answer."""
        return {
            "GALLERYFLOW_ARM_ENDPOINT": self.url,
            "GALLERYFLOW_ARM_CA_BUNDLE": str(self.ca_file),
            "GALLERYFLOW_ARM_STATIC_TOKEN": self.token,
            "GALLERYFLOW_ARM_POLLING_INTERVAL": "0",
            "GALLERYFLOW_ARM_RETRY_TOTAL": "0",
        }

    def stop(self) -> None:
        """Stop the process (by its process group) and wait for it."""
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.stop(timeout=10)

    def restart(self) -> None:
        """Stop and start again on the same port and state dir; state continues."""
        self.stop()
        self._restarting = True
        self._start()


def start_arm_emulator(
    state_dir: Path, port: int = 0, seed: int = 0, clock_scale: float | None = 0.0
) -> ArmEmulatorProcess:
    """Start `python -m sandbox arm` and wait for its READY line. Call `.stop()` when done.
    The clock is frozen (`clock_scale` 0) unless asked: tests move it themselves; None starts
    it as the CLI does by default (time flows at wall-clock speed)."""
    return ArmEmulatorProcess(state_dir, port=port, seed=seed, clock_scale=clock_scale)


@pytest.fixture(scope="session")
def arm_emulator_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ArmEmulatorProcess]:
    """One emulator process for the whole test session (see `arm_emulator`)."""
    emulator = start_arm_emulator(tmp_path_factory.mktemp("arm"))
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def arm_emulator(arm_emulator_session: ArmEmulatorProcess) -> ArmEmulatorProcess:
    """A fresh emulator for each test: the session's process, reset to an empty state with a
    frozen clock at wall time (restarted first if a previous test stopped it)."""
    emulator = arm_emulator_session
    if not emulator.running:
        emulator.restart()
    emulator.control("POST", "reset", {"clock": "wall"})
    return emulator
