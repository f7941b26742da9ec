"""The whole sandbox in one call: ARM emulator + Azurite + sandbox host running galleryflow.

    stack = start_stack(tmp_path)          # everything on 127.0.0.1, free ports, under tmp_path
    ids = stack.seed_demo()                # resource groups, a Linux Gen2 VM, gallery, definition
    run = stack.start_orchestration("publish_image", request)
    status = stack.wait_for_run(run)       # polls the Durable status API with a deadline
    stack.stop()                           # ends exactly the processes it started, by pid

The host loads galleryflow from the repository root (the directory above this file) and
gets its app settings through its environment, so nothing is written into the repository.
The host's simulated clock pushes its time to the emulator (`--clock-sync-url`), so
replication that takes hours of simulated time finishes in seconds.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from azure.core.exceptions import ResourceNotFoundError
from azure.storage.queue import QueueClient

from galleryflow.identity.principal import PRINCIPAL_HEADER, encode_principal
from sandbox.azurite import Azurite, start_azurite
from sandbox.process import REPO_ROOT, SandboxProcess, StackError, launch
from sandbox.stack_arm import ARM_TOKEN
from sandbox.stack_durable import DurableSide
from sandbox.stack_seed import DEMO_SUBSCRIPTION, DemoIds, SeedSide, prune_old

__all__ = [
    "DEMO_SUBSCRIPTION",
    "EASY_AUTH_SETTINGS",
    "DemoIds",
    "Stack",
    "StackError",
    "as_user",
    "prune_old",
    "start_stack",
]

EVENTS_QUEUE = "galleryflow-events"
# The app trusts Easy Auth's principal header and the host stands in for Easy Auth
# (sandbox/host/easy_auth.py): callers identify with `as_user(...)` headers.
EASY_AUTH_SETTINGS = {"GALLERYFLOW_EASY_AUTH": "true", "SANDBOX_EASY_AUTH": "stand-in"}


def as_user(name: str, *roles: str) -> dict[str, str]:
    """Headers of a signed-in caller `name` holding `roles`, as Easy Auth would pass them."""
    return {PRINCIPAL_HEADER: encode_principal(name, roles)}


def _base_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("GALLERYFLOW_")}


@dataclass
class Stack(SeedSide, DurableSide):
    """The running sandbox. ARM control and seeding come from SeedSide (stack_arm.py,
    stack_seed.py), the Durable and HTTP API from DurableSide (stack_durable.py)."""

    state_dir: Path
    arm: SandboxProcess
    azurite: Azurite
    host: SandboxProcess
    ca_file: Path
    keys: dict[str, Any]
    settings: dict[str, str]
    session: requests.Session = field(default_factory=requests.Session)
    seen_events: list[dict[str, Any]] = field(default_factory=list)

    # ---- lifecycle -------------------------------------------------------------------

    def stop(self) -> None:
        """Stop the host, Azurite and the emulator (each by the pid we started)."""
        for stop in (self.host.stop, self.azurite.stop, self.arm.stop):
            try:
                stop()
            except Exception:  # keep stopping the others
                continue

    def restart_host(self, *, kill: bool = True, app_dir: Path | None = None) -> None:
        """Kill (SIGKILL) or stop the host and start it again on the same state; with
        `app_dir`, on other app code (a deploy: tests/orchestration/test_safe_deploy.py)."""
        self.host.kill() if kill else self.host.stop()
        self.host = _start_host(
            self.state_dir, self.settings, self.arm.url, self.ca_file, app_dir or REPO_ROOT
        )

    # ---- Azurite ---------------------------------------------------------------------

    def events(self, run_id: str | None = None) -> list[dict[str, Any]]:
        """Events from the queue (drained into `seen_events`), optionally of one run."""
        queue = QueueClient.from_connection_string(
            self.azurite.connection_string, self.settings["GALLERYFLOW_EVENTS_QUEUE"]
        )
        try:
            while True:
                batch = list(queue.receive_messages(max_messages=32, visibility_timeout=30))
                if not batch:
                    break
                for message in batch:
                    self.seen_events.append(json.loads(message.content))
                    queue.delete_message(message)
        except ResourceNotFoundError:
            pass  # no event sent yet: the queue is created with the first one
        return [e for e in self.seen_events if run_id is None or e.get("run_id") == run_id]


def _start_host(
    state_dir: Path,
    settings: Mapping[str, str],
    arm_url: str,
    ca_file: Path,
    app_dir: Path = REPO_ROOT,
) -> SandboxProcess:
    return launch(
        "host",
        [
            "host",
            "--app-dir",
            str(app_dir),
            "--port",
            "0",
            "--state-dir",
            str(state_dir / "host"),
            "--clock",
            settings.get("SANDBOX_CLOCK", "sim"),
            "--clock-sync-url",
            f"{arm_url}/_sandbox/clock",
            "--clock-sync-ca",
            str(ca_file),
        ],
        log_path=state_dir / "host.log",
        env={**_base_env(), **settings},
    )


def start_stack(
    state_dir: Path,
    *,
    seed: int = 0,
    clock: str = "sim",
    settings: Mapping[str, str] | None = None,
) -> Stack:
    """Start the emulator, Azurite and the host (galleryflow) wired together, under state_dir."""
    state_dir = Path(state_dir).resolve()
    state_dir.mkdir(parents=True, exist_ok=True)
    # frozen (scale 0): the host's clock drives the emulator's through --clock-sync-url
    arm_args = ["arm", "--port", "0", "--state-dir", str(state_dir / "arm"), "--seed", str(seed)]
    arm = launch(
        "arm",
        [*arm_args, "--clock-scale", "0"],
        log_path=state_dir / "arm.log",
        env=_base_env(),
    )
    azurite: Azurite | None = None
    try:
        azurite = start_azurite(state_dir / "azurite")
        ca_file = state_dir / "arm" / "ca.pem"
        app_settings = {
            "GALLERYFLOW_ARM_ENDPOINT": arm.url,
            "GALLERYFLOW_ARM_CA_BUNDLE": str(ca_file),
            "GALLERYFLOW_ARM_STATIC_TOKEN": ARM_TOKEN,
            "GALLERYFLOW_SUBSCRIPTION_ID": DEMO_SUBSCRIPTION,
            "GALLERYFLOW_EVENTS_CONNECTION_STRING": azurite.connection_string,
            "GALLERYFLOW_EVENTS_QUEUE": EVENTS_QUEUE,
            # simulated time: ARM LROs answer Retry-After 0; never sleep between polls
            "GALLERYFLOW_ARM_POLLING_INTERVAL": "0",
            "GALLERYFLOW_ARM_RETRY_TOTAL": "1",
            "GALLERYFLOW_NIGHTLY_SCHEDULE": "0 0 2 * * *",
            "GALLERYFLOW_DEVOPS_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SANDBOX_CLOCK": clock,
            **(settings or {}),
        }
        host = _start_host(state_dir, app_settings, arm.url, ca_file)
    except BaseException:
        if azurite is not None:
            azurite.stop()
        arm.stop()
        raise
    keys = json.loads((state_dir / "host" / "host_keys.json").read_text())
    return Stack(state_dir, arm, azurite, host, ca_file, keys, app_settings)
