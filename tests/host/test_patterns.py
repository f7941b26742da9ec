"""The classic Durable patterns, run by the real SDK code on the sandbox host (one host/module)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from dateutil.parser import isoparse

from sandbox.host.testing import HostProcess, start_host

APP = Path(__file__).parent / "apps" / "patterns"


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostProcess]:
    markers = tmp_path_factory.mktemp("markers")
    process = start_host(
        APP,
        tmp_path_factory.mktemp("state"),
        settings={"PATTERNS_MARKER_DIR": str(markers), "PATTERNS_SCHEDULE": "0 0 3 * * *"},
    )
    process.markers = markers  # type: ignore[attr-defined]
    yield process
    process.stop()


@pytest.fixture
def held_clock(host: HostProcess) -> Iterator[None]:
    """Keep simulated time still so a waiting orchestration stays waiting."""
    host.set_clock(hold=True)
    yield
    host.set_clock(hold=False)


def start_via_http(host: HostProcess, name: str, payload: dict[str, Any]) -> dict[str, Any]:
    response = requests.post(
        f"{host.url}/api/start/{name}", json=payload, headers=host.function_headers(), timeout=30
    )
    assert response.status_code == 202, response.text
    assert response.headers["Location"] == response.json()["statusQueryGetUri"]
    return dict(response.json())


def test_http_triggers_honour_auth_levels(host: HostProcess) -> None:
    anonymous = requests.get(f"{host.url}/api/hello?name=ann", timeout=10)
    assert (anonymous.status_code, anonymous.text) == (200, "hello ann")
    no_key = requests.post(f"{host.url}/api/start/chaining", json={"name": "x"}, timeout=10)
    assert no_key.status_code == 401
    assert "x-functions-key" in no_key.json()["error"]["message"]
    admin_with_function_key = requests.get(
        f"{host.url}/api/list", headers=host.function_headers(), timeout=10
    )
    assert admin_with_function_key.status_code == 401
    admin = requests.get(f"{host.url}/api/list?code={host.master_key}", timeout=10)
    assert admin.status_code == 200
    assert requests.get(f"{host.url}/api/nowhere", timeout=10).status_code == 404


def test_function_chaining_through_check_status_urls(host: HostProcess) -> None:
    links = start_via_http(host, "chaining", {"name": "ann"})
    status = host.wait_for_instance(links["id"])
    assert status["runtimeStatus"] == "Completed"
    assert status["output"]["result"] == "hello hello hello ann"
    # The check-status URL itself works and carries the system key.
    polled = requests.get(links["statusQueryGetUri"], timeout=10)
    assert polled.status_code == 200 and polled.json()["output"] == status["output"]
    without_key = requests.get(links["statusQueryGetUri"].split("&code=")[0], timeout=10)
    assert without_key.status_code == 401
    # new_uuid/current_utc_datetime are replay-stable: the output equals the last replay's.
    assert isoparse(status["output"]["at"]) == isoparse(status["createdTime"])


def test_new_uuid_and_current_time_are_stable_across_replays(host: HostProcess) -> None:
    instance_id = host.start_orchestration("replay_stable").json()["id"]
    status = host.wait_for_instance(instance_id)
    assert status["runtimeStatus"] == "Completed", status["output"]
    output = status["output"]
    markers: Path = host.markers  # type: ignore[attr-defined]
    lines = (markers / f"episodes-{instance_id}.jsonl").read_text().splitlines()
    episodes = [json.loads(line) for line in lines]
    starts = [e for e in episodes if e["stage"] == "start"]
    # One episode per awaited result (activity, timer, activity) plus the first one.
    assert len(starts) == 4
    assert [e["replaying"] for e in starts] == [False, True, True, True]
    first = starts[0]
    assert all((e["uuid"], e["at"]) == (first["uuid"], first["at"]) for e in starts)
    assert output["first_uuid"] == first["uuid"] and output["started"] == first["at"]
    assert [e["uuid"] for e in episodes if e["stage"] == "end"] == [output["last_uuid"]]
    assert len({output["first_uuid"], output["last_uuid"]}) == 2
    assert all(str(uuid.UUID(output[k])) == output[k] for k in ("first_uuid", "last_uuid"))
    # Time moves with the sim clock between awaits, and only there.
    assert isoparse(output["started"]) == isoparse(status["createdTime"])
    assert isoparse(output["after_activity"]) >= isoparse(output["started"])
    waited = isoparse(output["after_timer"]) - isoparse(output["after_activity"])
    assert waited == timedelta(minutes=10)


def test_fan_out_fan_in_200_activities(host: HostProcess) -> None:
    links = start_via_http(host, "fan_out", {"count": 200})
    status = host.wait_for_instance(links["id"], timeout=120)
    assert status["runtimeStatus"] == "Completed"
    assert status["output"] == sum(i * i for i in range(200))
    assert status["customStatus"] == {"done": 200}


def test_monitor_with_timers_and_continue_as_new(host: HostProcess) -> None:
    links = start_via_http(host, "monitor", {"checks": 0, "until": 4})
    status = host.wait_for_instance(links["id"])
    assert status["runtimeStatus"] == "Completed"
    assert status["output"]["checks"] == 4
    elapsed = isoparse(status["output"]["finished_at"]) - isoparse(status["createdTime"])
    assert elapsed == timedelta(minutes=90)  # three 30-minute timers, skipped in sim time
    history = host.status(links["id"], history=True)["historyEvents"]  # type: ignore[index]
    # continue_as_new resets history: only the last execution is kept.
    assert sum(e["EventType"] == "TaskCompleted" for e in history) == 1


def test_human_interaction_approved_before_timeout(host: HostProcess, held_clock: None) -> None:
    links = start_via_http(host, "human_interaction", {"timeout_hours": 24})
    host.wait_for_instance(links["id"], until=lambda s: s["customStatus"] is not None)
    send = links["sendEventPostUri"].replace("{eventName}", "approve")
    assert requests.post(send, json={"by": "lead"}, timeout=10).status_code == 202
    status = host.wait_for_instance(links["id"])
    assert status["output"] == {"approved": True, "by": {"by": "lead"}}


def test_human_interaction_times_out(host: HostProcess) -> None:
    links = start_via_http(host, "human_interaction", {"timeout_hours": 48})
    status = host.wait_for_instance(links["id"])
    assert status["output"]["approved"] is False
    waited = isoparse(status["output"]["timed_out_at"]) - isoparse(status["createdTime"])
    assert waited == timedelta(hours=48)


def test_event_raised_before_the_orchestrator_waits_is_buffered(
    host: HostProcess, held_clock: None
) -> None:
    response = host.start_orchestration("human_interaction", {"timeout_hours": 1})
    instance_id = response.json()["id"]
    assert host.raise_event(instance_id, "approve", "early").status_code == 202
    status = host.wait_for_instance(instance_id)
    assert status["output"] == {"approved": True, "by": "early"}


def test_retry_succeeds_on_attempt_3(host: HostProcess) -> None:
    links = start_via_http(host, "retries", {"key": "ok", "succeed_on": 3, "max": 5})
    status = host.wait_for_instance(links["id"])
    assert status["output"] == {"result": "succeeded on attempt 3"}
    assert (host.markers / "flaky-ok").read_text() == "3"  # type: ignore[attr-defined]


def test_retry_exhausts_and_surfaces_the_last_failure(host: HostProcess) -> None:
    links = start_via_http(host, "retries", {"key": "never", "succeed_on": 99, "max": 3})
    status = host.wait_for_instance(links["id"])
    assert "attempt 3 failed" in status["output"]["error"]
    reason, details = status["output"]["error"].split("\n", 1)
    assert reason.strip() == "Activity function 'flaky' failed: RuntimeError: attempt 3 failed"
    assert json.loads(details)["Message"] == "RuntimeError: attempt 3 failed"
    assert (host.markers / "flaky-never").read_text() == "3"  # type: ignore[attr-defined]
    history = host.status(links["id"], history=True)["historyEvents"]  # type: ignore[index]
    fired = [e for e in history if e["EventType"] == "TimerFired"]
    assert len(fired) == 3  # a retry timer after every failure, as DTFx does


def test_sub_orchestrations_and_their_failures(host: HostProcess) -> None:
    links = start_via_http(host, "parent", {"regions": ["westeurope", "eastus"]})
    status = host.wait_for_instance(links["id"])
    assert status["runtimeStatus"] == "Completed"
    children = status["output"]["children"]
    assert [c["region"] for c in children] == ["westeurope", "eastus"]
    assert all(c["parent"] == links["id"] for c in children)
    assert "region bad is broken" in status["output"]["failure"]
    child = host.status(f"{links['id']}-eastus")
    assert child is not None and child["runtimeStatus"] == "Completed"


def test_singleton_start_refuses_a_running_instance(host: HostProcess, held_clock: None) -> None:
    url = f"{host.url}/api/singleton/the-one"
    first = requests.post(url, headers=host.function_headers(), timeout=10)
    assert first.status_code == 202
    second = requests.post(url, headers=host.function_headers(), timeout=10)
    assert second.status_code == 409
    # The management API refuses a second start with the same id too.
    again = host.start_orchestration("human_interaction", {"timeout_hours": 1}, "the-one")
    assert again.status_code == 409 and "already exists" in again.json()["error"]["message"]
    manage = f"{host.url}/api/manage/the-one"
    assert requests.post(f"{manage}/terminate", headers=host.function_headers(), timeout=10).ok
    status = host.wait_for_instance("the-one")
    assert (status["runtimeStatus"], status["output"]) == ("Terminated", "stopped by test")


def test_terminate_then_purge(host: HostProcess, held_clock: None) -> None:
    instance_id = host.start_orchestration("human_interaction", {"timeout_hours": 5}).json()["id"]
    manage = f"{host.url}/api/manage/{instance_id}"
    headers = host.function_headers()
    host.wait_for_instance(instance_id, until=lambda s: s["runtimeStatus"] == "Running")
    assert requests.post(f"{manage}/terminate", headers=headers, timeout=10).status_code == 202
    assert host.wait_for_instance(instance_id)["runtimeStatus"] == "Terminated"
    raised = requests.post(
        f"{manage}/raise?event=approve", json={"late": True}, headers=headers, timeout=10
    )
    assert raised.status_code == 500  # the SDK raises on 410 Gone: the function fails
    assert host.raise_event(instance_id, "approve", 1).status_code == 410
    purged = requests.post(f"{manage}/purge", headers=headers, timeout=10)
    assert purged.json() == {"deleted": 1}
    assert host.status(instance_id) is None
    assert host.raise_event(instance_id, "approve", 1).status_code == 404


def test_wait_for_completion_or_check_status_response(host: HostProcess) -> None:
    response = requests.post(
        f"{host.url}/api/wait/chaining",
        json={"name": "bo"},
        headers=host.function_headers(),
        timeout=30,
    )
    assert response.status_code == 200
    assert response.json()["result"] == "hello hello hello bo"


def test_custom_status_over_16_kb_fails_the_instance(host: HostProcess) -> None:
    small = host.start_orchestration("big_status", {"size": 1000}).json()["id"]
    assert host.wait_for_instance(small)["runtimeStatus"] == "Completed"
    big = host.start_orchestration("big_status", {"size": 9000}).json()["id"]
    status = host.wait_for_instance(big)
    assert status["runtimeStatus"] == "Failed"
    assert "16 KB" in status["output"]


def test_custom_status_limit_is_the_extensions_whole_kilobytes(host: HostProcess) -> None:
    # The extension measures compact JSON in UTF-16 and truncates to whole KB before comparing
    # with 16: {"blob":"x..."} is size + 11 characters, so 17 KB (17408 bytes) is the first
    # size that fails.
    under = host.start_orchestration("big_status", {"size": 17408 // 2 - 11 - 1}).json()["id"]
    assert host.wait_for_instance(under)["runtimeStatus"] == "Completed"
    over = host.start_orchestration("big_status", {"size": 17408 // 2 - 11}).json()["id"]
    status = host.wait_for_instance(over)
    assert status["runtimeStatus"] == "Failed"
    assert "must not exceed 16 KB" in status["output"]
    assert "current payload size is 17 KB" in status["output"]


def test_list_instances_and_bad_input(host: HostProcess) -> None:
    done = host.start_orchestration("chaining", {"name": "z"}).json()["id"]
    host.wait_for_instance(done)
    listed = requests.get(f"{host.url}/api/list", headers=host.admin_headers(), timeout=10)
    assert done in listed.json()
    unknown = host.start_orchestration("no_such_orchestrator", {})
    assert unknown.status_code == 400
    assert "no_such_orchestrator" in unknown.json()["error"]["message"]
    bad_json = requests.post(host.webhook("orchestrators/chaining"), data="{not json", timeout=10)
    assert bad_json.status_code == 400 and "JSON" in bad_json.json()["error"]["message"]


def listed_ids(host: HostProcess, **query: str) -> set[str]:
    response = requests.get(host.webhook(f"instances?{urlencode(query)}"), timeout=10)
    assert response.status_code == 200, response.text
    return {s["instanceId"] for s in response.json()}


def test_list_by_status_and_created_time_then_purge_by_query(
    host: HostProcess, held_clock: None
) -> None:
    """Sim time is held, so each instance's createdTime is exactly the clock we read."""
    early_at = host.set_clock()["now"]
    early = host.start_orchestration("chaining", {"name": "e"}, "window-early").json()["id"]
    assert host.wait_for_instance(early)["runtimeStatus"] == "Completed"
    late_at = host.set_clock(advance_seconds=1)["now"]
    late = host.start_orchestration("chaining", {"name": "l"}, "window-late").json()["id"]
    assert host.wait_for_instance(late)["runtimeStatus"] == "Completed"
    held = host.start_orchestration("human_interaction", {"timeout_hours": 5}, "window-held")
    running = held.json()["id"]
    host.wait_for_instance(running, until=lambda s: s["runtimeStatus"] == "Running")
    host.set_clock(advance_seconds=1)

    mine = {"instanceIdPrefix": "window-"}
    assert listed_ids(host, **mine) == {early, late, running}
    assert listed_ids(host, **mine, runtimeStatus="Completed") == {early, late}
    assert listed_ids(host, **mine, runtimeStatus="Running,Pending") == {running}
    assert listed_ids(host, **mine, createdTimeFrom=late_at) == {late, running}
    assert listed_ids(host, **mine, createdTimeTo=early_at) == {early}
    assert listed_ids(host, **mine, createdTimeFrom=early_at, createdTimeTo=early_at) == {early}

    # Purge by query deletes the finished instances created in the window, never a running one.
    window = {"createdTimeFrom": late_at, "createdTimeTo": late_at}
    finished = listed_ids(host, **window, runtimeStatus="Completed,Failed,Terminated")
    assert late in finished and running not in finished and early not in finished
    purged = requests.delete(host.webhook(f"instances?{urlencode(window)}"), timeout=10)
    assert purged.status_code == 200, purged.text
    assert purged.json() == {"instancesDeleted": len(finished)}
    assert host.status(late) is None
    assert host.status(early) is not None and host.status(running) is not None
    assert host.raise_event(running, "approve", "done").status_code == 202
    assert host.wait_for_instance(running)["runtimeStatus"] == "Completed"


def test_list_and_purge_refuse_unknown_status_and_negative_top(host: HostProcess) -> None:
    for query in ("runtimeStatus=Complete", "runtimeStatus=Completed,Bogus", "top=-1", "top=x"):
        response = requests.get(host.webhook(f"instances?{query}"), timeout=10)
        assert response.status_code == 400, query
        assert response.json()["error"]["code"] == "BadQuery"
    unknown = requests.get(host.webhook("instances?runtimeStatus=Complete"), timeout=10)
    message = unknown.json()["error"]["message"]
    assert "'Complete'" in message and "Completed" in message and "Terminated" in message
    negative = requests.get(host.webhook("instances?top=-1"), timeout=10)
    assert "top" in negative.json()["error"]["message"]
    purge = requests.delete(
        host.webhook("instances?createdTimeFrom=2000-01-01T00:00:00Z&runtimeStatus=Done"),
        timeout=10,
    )
    assert purge.status_code == 400 and "'Done'" in purge.json()["error"]["message"]


def test_admin_lists_functions(host: HostProcess) -> None:
    response = requests.get(f"{host.url}/admin/functions", headers=host.admin_headers(), timeout=10)
    names = {f["name"]: f["trigger"] for f in response.json()["functions"]}
    assert names["chaining"] == "orchestrationTrigger"
    assert names["greet"] == "activityTrigger"
    assert names["http_start"] == "httpTrigger"
    denied = requests.get(
        f"{host.url}/admin/functions", headers=host.function_headers(), timeout=10
    )
    assert denied.status_code == 401


def test_activity_with_a_durable_client_binding(host: HostProcess) -> None:
    instance_id = host.start_orchestration("introspect").json()["id"]
    assert host.wait_for_instance(instance_id)["output"] == "Running"


def test_timer_trigger_fires_on_demand_and_on_schedule(host: HostProcess) -> None:
    fire = requests.post(
        f"{host.url}/admin/functions/nightly", json={}, headers=host.admin_headers(), timeout=10
    )
    assert fire.status_code == 202
    first = host.wait_for_instance("nightly-run")
    assert first["output"]["result"] == "hello hello hello timer"
    listed = requests.get(f"{host.url}/admin/functions", headers=host.admin_headers(), timeout=10)
    assert listed.json()["timers"][0]["schedule"] == "0 0 3 * * *"
    host.set_clock(advance_seconds=2 * 86400)  # the 03:00 schedule passes in simulated time
    second = host.wait_for_instance(
        "nightly-run",
        until=lambda s: (
            s["createdTime"] != first["createdTime"] and s["runtimeStatus"] == "Completed"
        ),
    )
    assert second["output"]["result"] == first["output"]["result"]
    bad = requests.post(
        f"{host.url}/admin/functions/chaining", json={}, headers=host.admin_headers(), timeout=10
    )
    assert bad.status_code == 400 and "orchestrationTrigger" in bad.json()["error"]["message"]


def test_sub_orchestration_with_retry(host: HostProcess) -> None:
    instance_id = host.start_orchestration("parent_with_retry").json()["id"]
    status = host.wait_for_instance(instance_id)
    assert status["output"] == "child succeeded on attempt 2"
    history = host.status(instance_id, history=True)["historyEvents"]  # type: ignore[index]
    kinds = [e["EventType"] for e in history]
    assert kinds.count("SubOrchestrationInstanceFailed") == 1
    assert kinds.count("SubOrchestrationInstanceCompleted") == 1
    done = next(e for e in history if e["EventType"] == "SubOrchestrationInstanceCompleted")
    assert (
        done["FunctionName"] == "flaky_child" and done["Result"] == "child succeeded on attempt 2"
    )
    assert "SubOrchestrationInstanceCreated" not in kinds  # merged into the outcome entries


def test_timer_longer_than_six_days_is_split_like_azure_storage(host: HostProcess) -> None:
    instance_id = host.start_orchestration("human_interaction", {"timeout_hours": 240}).json()["id"]
    status = host.wait_for_instance(instance_id)
    waited = isoparse(status["output"]["timed_out_at"]) - isoparse(status["createdTime"])
    assert waited == timedelta(hours=240)
    history = host.status(instance_id, history=True)["historyEvents"]  # type: ignore[index]
    fired = [e for e in history if e["EventType"] == "TimerFired"]
    assert len(fired) == 3  # 3 days + 3 days, then the last 4 days (<= 6) in one timer


def test_entities_signal_call_and_client_access(host: HostProcess) -> None:
    instance_id = host.start_orchestration("entity_user", {"key": "c1"}).json()["id"]
    status = host.wait_for_instance(instance_id)
    assert status["runtimeStatus"] == "Completed", status["output"]
    assert status["output"] == {"value": 7, "error": "counter refuses"}
    url = f"{host.url}/api/counter/c1"
    signalled = requests.post(f"{url}?amount=10", headers=host.function_headers(), timeout=10)
    assert signalled.status_code == 202
    deadline = time.monotonic() + 30
    while True:
        state = requests.get(url, headers=host.function_headers(), timeout=10).json()
        if state["state"] == 17 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert state == {"exists": True, "state": 17}
    unknown = requests.get(f"{host.url}/api/counter/nobody", headers=host.function_headers())
    assert unknown.json() == {"exists": False, "state": None}


def test_unknown_paths_and_methods_answer_json_errors(host: HostProcess) -> None:
    missing = requests.get(f"{host.url}/nothing/here", timeout=10)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "NotFound"
    wrong_method = requests.delete(f"{host.url}/admin/functions", timeout=10)
    assert wrong_method.status_code == 405 and "error" in wrong_method.json()
    route_method = requests.delete(f"{host.url}/api/hello", timeout=10)
    assert route_method.status_code == 405 and "error" in route_method.json()


def test_create_and_wait_on_new_instance(host: HostProcess) -> None:
    url = host.webhook("orchestrators/chaining?timeout=20&pollingInterval=0.05")
    response = requests.post(url, json={"name": "w"}, timeout=30)
    assert response.status_code == 200
    assert response.json()["result"] == "hello hello hello w"


def test_raise_event_needs_json_content(host: HostProcess, held_clock: None) -> None:
    instance_id = host.start_orchestration("human_interaction", {"timeout_hours": 2}).json()["id"]
    url = host.webhook(f"instances/{instance_id}/raiseEvent/approve")
    plain = requests.post(url, data="yes", headers={"Content-Type": "text/plain"}, timeout=10)
    assert plain.status_code == 400 and "application/json" in plain.json()["error"]["message"]
    assert host.raise_event(instance_id, "approve", "yes").status_code == 202
    assert host.wait_for_instance(instance_id)["output"] == {"approved": True, "by": "yes"}


def test_suspend_holds_events_until_resume(host: HostProcess, held_clock: None) -> None:
    instance_id = host.start_orchestration("human_interaction", {"timeout_hours": 3}).json()["id"]
    host.wait_for_instance(instance_id, until=lambda s: s["runtimeStatus"] == "Running")
    manage = f"{host.url}/api/manage/{instance_id}"
    headers = host.function_headers()
    assert requests.post(f"{manage}/suspend", headers=headers, timeout=10).status_code == 202
    host.wait_for_instance(instance_id, until=lambda s: s["runtimeStatus"] == "Suspended")
    assert host.raise_event(instance_id, "approve", "while suspended").status_code == 202
    assert requests.post(f"{manage}/suspend", headers=headers, timeout=10).status_code == 202

    def second_marker(status: dict[str, Any]) -> bool:
        events = (host.status(instance_id, history=True) or {}).get("historyEvents", [])
        return sum(e["EventType"] == "ExecutionSuspended" for e in events) == 2

    host.wait_for_instance(instance_id, until=second_marker)
    history = host.status(instance_id, history=True)["historyEvents"]  # type: ignore[index]
    assert not any(e["EventType"] == "EventRaised" for e in history)
    assert requests.post(f"{manage}/resume", headers=headers, timeout=10).status_code == 202
    status = host.wait_for_instance(instance_id)
    assert status["output"] == {"approved": True, "by": "while suspended"}


def test_invalid_instance_ids_are_refused(host: HostProcess) -> None:
    for bad in ("@counter@x", "a%23b", "x" * 257):
        response = host.start_orchestration("chaining", {"name": "n"}, bad)
        assert response.status_code == 400, bad
        assert response.json()["error"]["code"] == "InvalidInstanceId"


def test_run_on_startup_timer_fires_when_the_host_starts(host: HostProcess) -> None:
    status = host.wait_for_instance("startup-run")
    assert status["output"]["result"] == "hello hello hello startup"


def test_many_orchestrations_side_by_side(host: HostProcess) -> None:
    ids = [
        host.start_orchestration("fan_out", {"count": 10}, f"side-{n}").json()["id"]
        for n in range(20)
    ]
    outputs = {host.wait_for_instance(i)["output"] for i in ids}
    assert outputs == {sum(i * i for i in range(10))}


def test_activities_run_side_by_side_up_to_max_concurrent_activity_functions(
    host: HostProcess,
) -> None:
    limit = json.loads((APP / "host.json").read_text())["extensions"]["durableTask"][
        "maxConcurrentActivityFunctions"
    ]
    markers: Path = host.markers  # type: ignore[attr-defined]
    peak_file, release = markers / "peak-pool", markers / "release-pool"
    ids = [
        host.start_orchestration("run_tracked", {"group": "pool"}, f"pool-{n}").json()["id"]
        for n in range(limit + 6)
    ]
    try:
        # Every activity blocks until released: the pool fills up to its bound and no further.
        deadline = time.monotonic() + 30
        while peak(peak_file) < limit:
            assert time.monotonic() < deadline, f"only {peak(peak_file)} activities ran at once"
            time.sleep(0.05)
    finally:
        release.write_text("go")
    statuses = [host.wait_for_instance(i) for i in ids]
    assert all(s["runtimeStatus"] == "Completed" for s in statuses)
    assert 1 < peak(peak_file) == limit


def peak(peak_file: Path) -> int:
    return int(peak_file.read_text()) if peak_file.exists() else 0
