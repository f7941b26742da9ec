"""Restart behaviour: SIGKILL mid-orchestration resumes; changed code is caught on replay."""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import requests

from sandbox.host.testing import HostProcess

APP = Path(__file__).parent / "apps" / "patterns"
REPO = Path(__file__).resolve().parents[2]


def wait_for_file(path: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


def test_sigkill_during_an_activity_resumes_and_completes(
    sandbox_host: Callable[..., HostProcess], tmp_path: Path
) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    host = sandbox_host(APP, settings={"PATTERNS_MARKER_DIR": str(markers)})
    instance_id = host.start_orchestration("crash_resume", None, "crashy").json()["id"]
    wait_for_file(markers / "slow-runs")  # the slow activity is running now
    old_pid = host.pid
    host.restart(kill=True)
    assert host.pid != old_pid
    (markers / "slow-release").write_text("go")
    status = host.wait_for_instance(instance_id)
    assert status["runtimeStatus"] == "Completed"
    assert status["output"] == ["hello before", "slow go", "hello after"]
    # At-least-once: the interrupted activity ran again after the restart.
    assert int((markers / "slow-runs").read_text()) >= 2


def test_changed_orchestrator_code_is_reported_as_non_determinism(
    sandbox_host: Callable[..., HostProcess], tmp_path: Path
) -> None:
    host = sandbox_host(APP, settings={"PATTERNS_FLIP": "0"})
    instance_id = host.start_orchestration("flip", None, "flipper").json()["id"]
    host.wait_for_instance(
        instance_id,
        until=lambda s: s["runtimeStatus"] == "Running" and _scheduled(host, instance_id),
    )
    host.stop()
    host.settings["PATTERNS_FLIP"] = "1"  # "deploy" different code while the instance runs
    host.restart()
    assert host.raise_event(instance_id, "go", None).status_code == 202
    status = host.wait_for_instance(instance_id)
    assert status["runtimeStatus"] == "Failed"
    assert "Non-deterministic" in status["output"]
    assert "CallActivity 'square'" in status["output"]
    assert "CallActivity 'greet'" in status["output"]


def _scheduled(host: HostProcess, instance_id: str) -> bool:
    status = host.status(instance_id, history=True) or {}
    return any(e["EventType"] == "TaskCompleted" for e in status.get("historyEvents", []))


def test_galleryflow_function_app_loads(
    sandbox_host: Callable[..., HostProcess], tmp_path: Path
) -> None:
    host = sandbox_host(REPO)
    response = requests.get(f"{host.url}/admin/functions", headers=host.admin_headers(), timeout=10)
    assert response.status_code == 200
    body = response.json()
    assert body["taskHub"] == "galleryflow"
    listed = {f["name"]: f["trigger"] for f in body["functions"]}
    assert listed == galleryflow_expected_functions()
    printed = {line.split(":")[0].strip() for line in host.stdout_lines[1:]}
    assert set(listed) == printed


def galleryflow_expected_functions() -> dict[str, str]:
    """EXPECTED of tests/test_function_app.py (tests/ is no package: load that file by path)."""
    path = REPO / "tests" / "test_function_app.py"
    spec = importlib.util.spec_from_file_location("_galleryflow_expected_functions", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return dict(module.EXPECTED)


def test_sim_clock_is_pushed_to_the_arm_emulator_and_survives_restart(
    sandbox_host: Callable[..., HostProcess], tmp_path: Path
) -> None:
    from dateutil.parser import isoparse

    from sandbox.arm.testing import start_arm_emulator

    arm = start_arm_emulator(tmp_path / "arm")
    try:
        host = sandbox_host(
            APP,
            clock_sync_url=f"{arm.url}/_sandbox/clock",
            clock_sync_ca=arm.ca_file,
        )
        instance_id = host.start_orchestration("monitor", {"checks": 0, "until": 3}).json()["id"]
        status = host.wait_for_instance(instance_id)
        finished = isoparse(status["output"]["finished_at"])
        arm_now = isoparse(arm.control("GET", "/_sandbox/clock")["now"])
        assert arm_now >= finished  # the emulator saw every jump of the host clock
        before = isoparse(host.set_clock()["now"])
        host.restart(kill=True)
        assert isoparse(host.set_clock()["now"]) >= before  # sim time is persisted
    finally:
        arm.stop()


def test_clock_scale_lets_time_flow_while_work_runs(
    sandbox_host: Callable[..., HostProcess],
) -> None:
    host = sandbox_host(APP, clock_scale=3600.0)
    first = isoparse_now(host)
    deadline = time.monotonic() + 10
    while isoparse_now(host) - first < timedelta(minutes=30):
        assert time.monotonic() < deadline, "scaled sim time did not move"
        time.sleep(0.05)


def isoparse_now(host: HostProcess) -> datetime:
    from dateutil.parser import isoparse

    return isoparse(host.set_clock()["now"])


def test_real_clock_timer_survives_sigkill(
    sandbox_host: Callable[..., HostProcess],
) -> None:
    host = sandbox_host(APP, clock="real")
    instance_id = host.start_orchestration("short_timer", {"seconds": 2}).json()["id"]
    host.wait_for_instance(instance_id, until=lambda s: s["runtimeStatus"] == "Running")
    host.restart(kill=True)
    status = host.wait_for_instance(instance_id, timeout=30)
    assert status["runtimeStatus"] == "Completed"
    assert status["output"] >= 2.0
