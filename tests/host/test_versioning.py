"""Orchestration versioning as the Durable extension does it, on the default host (no clock
flag): defaultVersion, start_new(version=), sub-orchestrations get the default (not the
parent's), in-flight instances keep their version across a restart with new app code, and
versionMatchStrategy/versionFailureStrategy decide what a host may run."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from sandbox.host.app_loader import with_overrides
from sandbox.host.testing import HostProcess
from sandbox.host.versioning import Versioning, compare_versions

APP = Path(__file__).parent / "apps" / "versioning"


def set_durable(app_dir: Path, **settings: Any) -> None:
    """Deploy new app code: change host.json's extensions.durableTask."""
    path = app_dir / "host.json"
    host_json = json.loads(path.read_text())
    host_json["extensions"]["durableTask"].update(settings)
    path.write_text(json.dumps(host_json))


def finished(host: HostProcess, instance_id: str) -> dict[str, Any]:
    status = host.wait_for_instance(instance_id, timeout=30)
    assert status["runtimeStatus"] == "Completed", status
    return dict(status["output"])


def wait_for_log(host: HostProcess, text: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while text not in host.log_path.read_text():
        assert time.monotonic() < deadline, f"host.log never said {text!r}"
        time.sleep(0.05)


def test_versions_across_a_deploy(sandbox_host: Any, tmp_path: Path) -> None:
    app = tmp_path / "app"
    shutil.copytree(APP, app)
    host: HostProcess = sandbox_host(app, tmp_path / "state", clock=None)

    in_flight = host.start_orchestration("versioned", {"wait": True}).json()["id"]
    host.wait_for_instance(in_flight, until=lambda s: s["runtimeStatus"] == "Running")
    # The real client: start_new(..., version="0.5") -> ?version=0.5 on the start URL.
    response = requests.post(
        f"{host.url}/api/start/versioned?version=0.5",
        json={"wait": False},
        headers=host.function_headers(),
        timeout=30,
    )
    assert response.status_code == 202, response.text
    explicit = finished(host, response.json()["id"])
    assert explicit == {"own": "0.5", "before": "1.0", "after": "1.0", "explicit": "0.9"}

    set_durable(app, defaultVersion="2.0")
    host.restart()
    assert host.raise_event(in_flight, "continue", {}).status_code == 202
    kept = finished(host, in_flight)
    assert kept == {"own": "1.0", "before": "1.0", "after": "2.0", "explicit": "0.9"}
    new = host.start_orchestration("versioned", {}).json()["id"]
    assert finished(host, new)["own"] == "2.0"

    # Newer than this host's defaultVersion (CurrentOrOlder): Reject leaves it waiting...
    newer = host.start_orchestration("versioned", {}, version="3.0").json()["id"]
    wait_for_log(host, f"instance {newer} not run (rejected)")
    assert host.status(newer)["runtimeStatus"] == "Pending"  # type: ignore[index]
    # ... and a host configured to Fail fails it with DurableTask.Core's message.
    set_durable(app, versionFailureStrategy="Fail")
    host.restart()
    status = host.wait_for_instance(newer, timeout=30)
    assert status["runtimeStatus"] == "Failed"
    assert "Orchestration version did not comply with Worker Versioning" in status["output"]
    assert "'3.0' is greater than the worker version '2.0'" in status["output"]


def test_no_default_version_means_none(sandbox_host: Any, tmp_path: Path) -> None:
    app = tmp_path / "app"
    shutil.copytree(APP, app)
    set_durable(app, defaultVersion=None)
    host: HostProcess = sandbox_host(app, tmp_path / "state", clock=None)
    instance_id = host.start_orchestration("versioned", {}).json()["id"]
    assert finished(host, instance_id) == {
        "own": None,
        "before": None,
        "after": None,
        "explicit": "0.9",
    }


@pytest.mark.parametrize(
    ("left", "right", "sign"),
    [
        ("1.0.0", "1.0.0", 0),
        ("1.1.0", "1.0.0", 1),
        ("1.0", "1.10", -1),  # numeric, not text
        ("", "1", -1),
        (None, "", 0),
        ("2", "1", 1),
        ("v2-Beta", "V2-beta", 0),  # text, case-insensitive
    ],
)
def test_compare_versions(left: str | None, right: str, sign: int) -> None:
    result = compare_versions(left, right)
    assert (result > 0) - (result < 0) == sign


def test_match_strategies() -> None:
    current = Versioning("2.0", "CurrentOrOlder", "Reject")
    assert current.may_run("1.0") and current.may_run(None) and not current.may_run("2.1")
    strict = Versioning.from_host_json({"defaultVersion": "2.0", "versionMatchStrategy": "strict"})
    assert strict.may_run("2.0") and not strict.may_run("1.0")
    assert Versioning().may_run("9.9")  # no defaultVersion: no check
    with pytest.raises(ValueError, match="CurrentOrOlder"):
        Versioning.from_host_json({"versionMatchStrategy": "Newest"})


def test_app_setting_overrides_default_version(sandbox_host: Any) -> None:
    """AzureFunctionsJobHost__... app settings override host.json, as in Azure: a deploy can
    change defaultVersion without touching the app's files."""
    setting = "AzureFunctionsJobHost__extensions__durableTask__defaultVersion"
    host: HostProcess = sandbox_host(APP, clock=None, settings={setting: "2.0"})
    instance_id = host.start_orchestration("versioned", {}).json()["id"]
    assert finished(host, instance_id)["own"] == "2.0"
    looping = host.start_orchestration("looping", {"left": 2}, version="1.5").json()["id"]
    status = host.wait_for_instance(looping, timeout=30)
    assert (status["runtimeStatus"], status["output"]) == ("Completed", "1.5")


def test_host_json_overrides_match_keys_case_insensitively() -> None:
    host_json = {"extensions": {"durableTask": {"hubName": "h"}}, "functionTimeout": "00:10:00"}
    settings = {
        "AZUREFUNCTIONSJOBHOST__Extensions__DurableTask__defaultVersion": "3.1",
        "AzureFunctionsJobHost__functiontimeout": "00:00:05",
        "OTHER": "x",
    }
    assert with_overrides(host_json, settings) == {
        "extensions": {"durableTask": {"hubName": "h", "defaultVersion": "3.1"}},
        "functionTimeout": "00:00:05",
    }
