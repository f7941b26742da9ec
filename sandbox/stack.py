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
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests
from azure.core.exceptions import ResourceNotFoundError
from azure.storage.queue import QueueClient

from sandbox.azurite import Azurite, start_azurite

REPO_ROOT = Path(__file__).resolve().parent.parent
ARM_TOKEN = "sandbox-token"  # the emulator's default principal (all actions)
DEMO_SUBSCRIPTION = "00000000-0000-0000-0000-0000000000d0"
EVENTS_QUEUE = "galleryflow-events"
ARM_API_VERSION = "2026-03-03"
DURABLE_PREFIX = "/runtime/webhooks/durabletask"
TERMINAL_STATES = ("Completed", "Failed", "Terminated", "Canceled")


class StackError(RuntimeError):
    """A sandbox process did not start, or a control call failed."""


@dataclass
class Process:
    """One sandbox process, started in its own session so it (and its children) end together."""

    name: str
    popen: subprocess.Popen[str]
    url: str
    log_path: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, timeout: float = 15.0, sig: int = signal.SIGTERM) -> None:
        if self.popen.poll() is not None:
            return
        try:
            os.killpg(self.popen.pid, sig)
        except ProcessLookupError:
            return
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=timeout)

    def kill(self) -> None:
        """SIGKILL, no goodbye: for crash/resume tests."""
        self.stop(sig=signal.SIGKILL)


def _launch(
    name: str, args: list[str], log_path: Path, env: Mapping[str, str], timeout: float = 90.0
) -> Process:
    """Run `python -m sandbox <args>` and wait for its `READY <url>` line."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    popen = subprocess.Popen(
        [sys.executable, "-m", "sandbox", *args],
        cwd=REPO_ROOT,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    ready = threading.Event()
    url: list[str] = []
    tail: list[str] = []

    def pump() -> None:
        # Drain the output for the process's whole life (a full pipe would block it).
        assert popen.stdout is not None
        with log_path.open("a", encoding="utf-8") as log:
            for line in popen.stdout:
                log.write(line)
                log.flush()
                tail[:] = [*tail[-30:], line.rstrip()]
                if not url and line.startswith("READY "):
                    url.append(line.split()[1].rstrip("/"))
                    ready.set()
        ready.set()

    threading.Thread(target=pump, name=f"{name}-output", daemon=True).start()
    ready.wait(timeout)
    process = Process(name, popen, url[0] if url else "", log_path)
    if not url:
        process.stop()
        raise StackError(f"{name} did not start (log {log_path}):\n" + "\n".join(tail[-15:]))
    return process


def _base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GALLERYFLOW_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


@dataclass
class DemoIds:
    subscription_id: str
    vm_id: str
    gallery: dict[str, str]
    definition: str
    location: str

    def request(self, regions: list[str], **overrides: Any) -> dict[str, Any]:
        """A publish request for the seeded VM and definition (explicit fields win)."""
        body: dict[str, Any] = {
            "schema_version": 1,
            "source_vm_id": self.vm_id,
            "gallery": dict(self.gallery),
            "image_definition": self.definition,
            "version": {"strategy": "next_patch"},
            "target_regions": [{"name": r, "replica_count": 1} for r in regions],
            "production": False,
            "retention": {"auto_prune": False, "dry_run": True},
        }
        body.update(overrides)
        return body


@dataclass
class Stack:
    state_dir: Path
    arm: Process
    azurite: Azurite
    host: Process
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

    def restart_host(self, *, kill: bool = True) -> None:
        """Kill (SIGKILL) or stop the host and start it again on the same state."""
        self.host.kill() if kill else self.host.stop()
        self.host = _start_host(self.state_dir, self.settings, self.arm.url, self.ca_file)

    # ---- ARM emulator ----------------------------------------------------------------

    def arm_control(self, method: str, name: str, body: Any = None) -> Any:
        """Call the emulator's control API (`/_sandbox/<name>`)."""
        response = self.session.request(
            method,
            f"{self.arm.url}/_sandbox/{name}",
            json=body,
            verify=str(self.ca_file),
            timeout=30,
        )
        if response.status_code >= 400:
            raise StackError(f"{method} /_sandbox/{name}: {response.status_code} {response.text}")
        return response.json() if response.content else None

    def arm_get(self, resource_id: str, **params: str) -> dict[str, Any]:
        """GET an ARM resource from the emulator (for assertions on the final state)."""
        response = self.session.get(
            f"{self.arm.url}{resource_id}",
            params={"api-version": ARM_API_VERSION, **params},
            headers={"Authorization": f"Bearer {ARM_TOKEN}"},
            verify=str(self.ca_file),
            timeout=30,
        )
        if response.status_code >= 400:
            raise StackError(f"GET {resource_id}: {response.status_code} {response.text}")
        return dict(response.json())

    def add_fault(self, **spec: Any) -> dict[str, Any]:
        return dict(self.arm_control("POST", "faults", spec))

    def versions(self, ids: DemoIds) -> dict[str, dict[str, Any]]:
        """`{name: version resource}` (with replication status) of the seeded definition."""
        definition_id = self.definition_id(ids)
        listed = self.arm_get(f"{definition_id}/versions").get("value", [])
        return {
            v["name"]: self.arm_get(
                f"{definition_id}/versions/{v['name']}", **{"$expand": "ReplicationStatus"}
            )
            for v in listed
        }

    def vm_power_state(self, vm_id: str) -> str:
        view = self.arm_get(f"{vm_id}/instanceView")
        for status in view.get("statuses", []):
            code = str(status.get("code", ""))
            if code.startswith("PowerState/"):
                return code.split("/", 1)[1]
        return "unknown"

    @staticmethod
    def definition_id(ids: DemoIds) -> str:
        g = ids.gallery
        return (
            f"/subscriptions/{g['subscription_id']}/resourceGroups/{g['resource_group']}"
            f"/providers/Microsoft.Compute/galleries/{g['name']}/images/{ids.definition}"
        )

    def seed_demo(
        self,
        *,
        subscription_id: str = DEMO_SUBSCRIPTION,
        location: str = "westeurope",
        vm_name: str = "vm-build",
        definition: str = "ubuntu-golden",
        os_state: str = "Specialized",
        power_state: str = "running",
        gallery: str = "galDemo",
        **vm_extra: Any,
    ) -> DemoIds:
        """Resource groups, a Linux Gen2 source VM, a gallery and one image definition."""
        self.arm_control(
            "POST",
            "resource-groups",
            {"subscription_id": subscription_id, "name": "rg-build", "location": location},
        )
        self.arm_control(
            "POST",
            "resource-groups",
            {"subscription_id": subscription_id, "name": "rg-images", "location": location},
        )
        vm = self.arm_control(
            "POST",
            "vms",
            {
                "subscription_id": subscription_id,
                "resource_group": "rg-build",
                "name": vm_name,
                "location": location,
                "os_type": "Linux",
                "hyper_v_generation": "V2",
                "power_state": power_state,
                "generalized": os_state == "Generalized",
                **vm_extra,
            },
        )
        self.arm_control(
            "POST",
            "galleries",
            {
                "subscription_id": subscription_id,
                "resource_group": "rg-images",
                "name": gallery,
                "location": location,
            },
        )
        seeded = DemoIds(
            subscription_id=subscription_id,
            vm_id=str(vm["id"]),
            gallery={
                "subscription_id": subscription_id,
                "resource_group": "rg-images",
                "name": gallery,
            },
            definition=definition,
            location=location,
        )
        return self.add_definition(seeded, definition, os_state=os_state)

    def add_definition(self, ids: DemoIds, name: str, *, os_state: str = "Specialized") -> DemoIds:
        """A Linux Gen2 image definition `name` in the seeded gallery; ids that point at it
        (tests use one per test so their runs never share a definition)."""
        gallery = ids.gallery
        self.arm_control(
            "POST",
            "images",
            {
                "subscription_id": gallery["subscription_id"],
                "resource_group": gallery["resource_group"],
                "gallery": gallery["name"],
                "name": name,
                "os_type": "Linux",
                "os_state": os_state,
                "hyper_v_generation": "V2",
            },
        )
        return replace(ids, gallery=dict(gallery), definition=name)

    def arm_put(self, resource_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """PUT an ARM resource on the emulator (e.g. an older image version to prune)."""
        response = self.session.put(
            f"{self.arm.url}{resource_id}",
            params={"api-version": ARM_API_VERSION},
            headers={"Authorization": f"Bearer {ARM_TOKEN}"},
            json=body,
            verify=str(self.ca_file),
            timeout=30,
        )
        if response.status_code >= 400:
            raise StackError(f"PUT {resource_id}: {response.status_code} {response.text}")
        return dict(response.json())

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

    # ---- host: Durable management API and HTTP API -----------------------------------

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
    state_dir: Path, settings: Mapping[str, str], arm_url: str, ca_file: Path
) -> Process:
    env = {**_base_env(), **settings}
    return _launch(
        "host",
        [
            "host",
            "--app-dir",
            str(REPO_ROOT),
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
        state_dir / "host.log",
        env,
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
    arm = _launch(
        "arm",
        ["arm", "--port", "0", "--state-dir", str(state_dir / "arm"), "--seed", str(seed)],
        state_dir / "arm.log",
        _base_env(),
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
