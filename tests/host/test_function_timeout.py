"""host.json functionTimeout (1 s here) ends slow activity invocations with the host's error;
the orchestrator sees a failed activity. Runs on the default host (no --clock flag)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from sandbox.host.function_timeout import format_timespan, parse_function_timeout
from sandbox.host.testing import HostProcess, start_host

APP = Path(__file__).parent / "apps" / "timeout"


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostProcess]:
    process = start_host(APP, tmp_path_factory.mktemp("state"), clock=None)
    yield process
    process.stop()


def guarded(host: HostProcess, name: str, seconds: float) -> dict[str, Any]:
    instance_id = host.start_orchestration("guarded", {"name": name, "seconds": seconds})
    status = host.wait_for_instance(instance_id.json()["id"], timeout=30)
    assert status["runtimeStatus"] == "Completed", status
    return dict(status["output"])


@pytest.mark.parametrize("name", ["sleepy", "sleepy_async"])
def test_activity_over_the_timeout_fails_with_the_hosts_message(
    host: HostProcess, name: str
) -> None:
    outcome = guarded(host, name, 5)
    assert outcome["error"].startswith(
        f"Activity function '{name}' failed: Timeout value of 00:00:01 was exceeded by"
        f" function: Functions.{name}"
    )
    assert 1.0 <= outcome["elapsed"] < 1.5  # ended at the limit, not when the sleep did
    log = host.log_path.read_text()
    assert f"Timeout value of 00:00:01 exceeded by function 'Functions.{name}' (Id: '" in log
    assert "Initiating cancellation." in log


def test_activity_under_the_timeout_succeeds(host: HostProcess) -> None:
    assert guarded(host, "sleepy", 0.2)["ok"] == 0.2


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("00:10:00", 600.0), ("1.00:00:00", 86400.0), ("00:00:01.5", 1.5), ("-1", None)],
)
def test_function_timeout_values(value: str, seconds: float | None) -> None:
    assert parse_function_timeout({"functionTimeout": value}) == seconds


def test_function_timeout_default_and_format() -> None:
    assert parse_function_timeout({}) == 1800.0  # Premium/Dedicated/Flex default: 30 min
    assert format_timespan(600) == "00:10:00"
    assert format_timespan(1.5) == "00:00:01.5000000"
    with pytest.raises(ValueError, match="TimeSpan"):
        parse_function_timeout({"functionTimeout": "10 minutes"})


def test_http_function_over_the_timeout_answers_500(host: HostProcess) -> None:
    started = time.monotonic()
    response = requests.get(f"{host.url}/api/slow?seconds=5", timeout=30)
    assert time.monotonic() - started < 4.0
    assert response.status_code == 500
    assert response.json()["error"] == {
        "code": "FunctionTimeout",
        "message": "Timeout value of 00:00:01 was exceeded by function: Functions.slow_http",
    }
    fast = requests.get(f"{host.url}/api/slow?seconds=0", timeout=30)
    assert (fast.status_code, fast.text) == (200, "done")
