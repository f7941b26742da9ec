"""Small Durable Functions app exercising the classic patterns on the sandbox host."""

import json
import os
import threading
import time
from datetime import timedelta
from pathlib import Path

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.FUNCTION)
MARKERS = Path(os.environ.get("PATTERNS_MARKER_DIR", "."))


@app.route(route="start/{name}", methods=["POST"])
@app.durable_client_input(client_name="client")
async def http_start(req: func.HttpRequest, client: df.DurableOrchestrationClient):
    body = req.get_body()
    payload = json.loads(body) if body else None
    instance_id = await client.start_new(
        req.route_params["name"], req.params.get("instance_id"), payload
    )
    return client.create_check_status_response(req, instance_id)


@app.route(route="singleton/{instance_id}", methods=["POST"])
@app.durable_client_input(client_name="client")
async def singleton_start(req: func.HttpRequest, client: df.DurableOrchestrationClient):
    instance_id = req.route_params["instance_id"]
    existing = await client.get_status(instance_id)
    running = (df.OrchestrationRuntimeStatus.Running, df.OrchestrationRuntimeStatus.Pending)
    if existing and existing.runtime_status in running:
        return func.HttpResponse(
            json.dumps({"error": "already running", "id": instance_id}), status_code=409
        )
    await client.start_new("human_interaction", instance_id, {"timeout_hours": 24})
    return client.create_check_status_response(req, instance_id)


@app.route(route="wait/{name}", methods=["POST"])
@app.durable_client_input(client_name="client")
async def start_and_wait(req: func.HttpRequest, client: df.DurableOrchestrationClient):
    instance_id = await client.start_new(req.route_params["name"], None, req.get_json())
    return await client.wait_for_completion_or_create_check_status_response(
        req, instance_id, timeout_in_milliseconds=20000, retry_interval_in_milliseconds=50
    )


@app.route(route="manage/{instance_id}/{action}", methods=["POST"])
@app.durable_client_input(client_name="client")
async def manage(req: func.HttpRequest, client: df.DurableOrchestrationClient):
    instance_id, action = req.route_params["instance_id"], req.route_params["action"]
    if action == "terminate":
        await client.terminate(instance_id, "stopped by test")
    elif action == "purge":
        result = await client.purge_instance_history(instance_id)
        return func.HttpResponse(json.dumps({"deleted": result.instances_deleted}))
    elif action == "suspend":
        await client.suspend(instance_id, "paused by test")
    elif action == "resume":
        await client.resume(instance_id, "resumed by test")
    elif action == "raise":
        await client.raise_event(instance_id, req.params["event"], req.get_json())
    elif action == "status":
        status = await client.get_status(instance_id)
        return func.HttpResponse(json.dumps(status.to_json()), mimetype="application/json")
    return func.HttpResponse(status_code=202)


@app.route(route="list", methods=["GET"], auth_level=func.AuthLevel.ADMIN)
@app.durable_client_input(client_name="client")
async def list_instances(req: func.HttpRequest, client: df.DurableOrchestrationClient):
    statuses = await client.get_status_by(runtime_status=[df.OrchestrationRuntimeStatus.Completed])
    return func.HttpResponse(json.dumps(sorted(s.instance_id for s in statuses)))


@app.route(route="hello", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def hello(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(f"hello {req.params.get('name', 'world')}")


# --- orchestrators ------------------------------------------------------------------------
@app.orchestration_trigger(context_name="context")
def chaining(context: df.DurableOrchestrationContext):
    name = context.get_input()["name"]
    first = yield context.call_activity("greet", name)
    second = yield context.call_activity("greet", first)
    third = yield context.call_activity("greet", second)
    return {
        "result": third,
        "uuid": context.new_uuid(),
        "at": context.current_utc_datetime.isoformat(),
    }


@app.orchestration_trigger(context_name="context")
def replay_stable(context: df.DurableOrchestrationContext):
    """new_uuid/current_utc_datetime before, between and after awaits; every episode logs
    what it computed so the test can compare replays with the first episode."""
    first_uuid = context.new_uuid()
    started = context.current_utc_datetime
    _log_episode(context, "start", first_uuid, started)
    yield context.call_activity("greet", "a")
    after_activity = context.current_utc_datetime
    yield context.create_timer(after_activity + timedelta(minutes=10))
    after_timer = context.current_utc_datetime
    yield context.call_activity("greet", "b")
    last_uuid = context.new_uuid()
    _log_episode(context, "end", last_uuid, context.current_utc_datetime)
    return {
        "first_uuid": first_uuid,
        "last_uuid": last_uuid,
        "started": started.isoformat(),
        "after_activity": after_activity.isoformat(),
        "after_timer": after_timer.isoformat(),
    }


def _log_episode(context: df.DurableOrchestrationContext, stage: str, uuid: str, at) -> None:
    line = {"stage": stage, "replaying": context.is_replaying, "uuid": uuid, "at": at.isoformat()}
    with (MARKERS / f"episodes-{context.instance_id}.jsonl").open("a") as log:
        log.write(json.dumps(line) + "\n")


@app.orchestration_trigger(context_name="context")
def fan_out(context: df.DurableOrchestrationContext):
    count = context.get_input()["count"]
    tasks = [context.call_activity("square", i) for i in range(count)]
    results = yield context.task_all(tasks)
    context.set_custom_status({"done": len(results)})
    return sum(results)


@app.orchestration_trigger(context_name="context")
def monitor(context: df.DurableOrchestrationContext):
    state = context.get_input()
    checks = state["checks"] + 1
    yield context.call_activity("greet", f"check {checks}")
    if checks >= state["until"]:
        return {"checks": checks, "finished_at": context.current_utc_datetime.isoformat()}
    yield context.create_timer(context.current_utc_datetime + timedelta(minutes=30))
    context.continue_as_new({"checks": checks, "until": state["until"]})
    return None


@app.orchestration_trigger(context_name="context")
def human_interaction(context: df.DurableOrchestrationContext):
    hours = context.get_input()["timeout_hours"]
    context.set_custom_status({"waiting_for": "approve"})
    deadline = context.current_utc_datetime + timedelta(hours=hours)
    timeout = context.create_timer(deadline)
    approval = context.wait_for_external_event("approve")
    winner = yield context.task_any([approval, timeout])
    if winner == approval:
        timeout.cancel()
        return {"approved": True, "by": approval.result}
    return {"approved": False, "timed_out_at": context.current_utc_datetime.isoformat()}


@app.orchestration_trigger(context_name="context")
def retries(context: df.DurableOrchestrationContext):
    spec = context.get_input()
    options = df.RetryOptions(
        first_retry_interval_in_milliseconds=5000, max_number_of_attempts=spec["max"]
    )
    try:
        result = yield context.call_activity_with_retry("flaky", options, spec)
    except Exception as exc:
        return {"error": str(exc)}
    return {"result": result}


@app.orchestration_trigger(context_name="context")
def parent(context: df.DurableOrchestrationContext):
    regions = context.get_input()["regions"]
    children = [
        context.call_sub_orchestrator("child", {"region": r}, f"{context.instance_id}-{r}")
        for r in regions
    ]
    results = yield context.task_all(children)
    try:
        yield context.call_sub_orchestrator("child", {"region": "bad", "fail": True})
    except Exception as exc:
        return {"children": results, "failure": str(exc)}
    return {"children": results}


@app.orchestration_trigger(context_name="context")
def child(context: df.DurableOrchestrationContext):
    spec = context.get_input()
    if spec.get("fail"):
        raise ValueError(f"region {spec['region']} is broken")
    yield context.create_timer(context.current_utc_datetime + timedelta(hours=1))
    greeting = yield context.call_activity("greet", spec["region"])
    return {"region": spec["region"], "greeting": greeting, "parent": context.parent_instance_id}


@app.orchestration_trigger(context_name="context")
def big_status(context: df.DurableOrchestrationContext):
    context.set_custom_status({"blob": "x" * context.get_input()["size"]})
    yield context.call_activity("greet", "status")
    return "done"


@app.orchestration_trigger(context_name="context")
def flip(context: df.DurableOrchestrationContext):
    """Changes its first call when PATTERNS_FLIP changes: a deployment while running."""
    first = "greet" if os.environ.get("PATTERNS_FLIP", "0") == "0" else "square"
    yield context.call_activity(first, 2)
    yield context.wait_for_external_event("go")
    return "finished"


@app.orchestration_trigger(context_name="context")
def crash_resume(context: df.DurableOrchestrationContext):
    before = yield context.call_activity("greet", "before")
    slow = yield context.call_activity("slow", "go")
    after = yield context.call_activity("greet", "after")
    return [before, slow, after]


# --- activities ---------------------------------------------------------------------------
@app.activity_trigger(input_name="name")
def greet(name: str) -> str:
    return f"hello {name}"


@app.activity_trigger(input_name="value")
def square(value: int) -> int:
    return value * value


@app.activity_trigger(input_name="spec")
def flaky(spec: dict) -> str:
    counter = MARKERS / f"flaky-{spec['key']}"
    attempt = int(counter.read_text()) + 1 if counter.exists() else 1
    counter.write_text(str(attempt))
    if attempt < spec["succeed_on"]:
        raise RuntimeError(f"attempt {attempt} failed")
    return f"succeeded on attempt {attempt}"


@app.activity_trigger(input_name="tag")
def slow(tag: str) -> str:
    """Counts its runs, then waits for the test's release file (at-least-once on restart)."""
    runs = MARKERS / "slow-runs"
    count = int(runs.read_text()) + 1 if runs.exists() else 1
    runs.write_text(str(count))
    deadline = time.monotonic() + 60
    while not (MARKERS / "slow-release").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    return f"slow {tag}"


_IN_FLIGHT_LOCK = threading.Lock()
_IN_FLIGHT: dict[str, int] = {}


@app.activity_trigger(input_name="group")
def tracked(group: str) -> int:
    """Counts how many of its group run at once (peak kept in a file), then waits for the
    test's release file: while blocked, every pool thread it can get stays busy."""
    with _IN_FLIGHT_LOCK:
        _IN_FLIGHT[group] = _IN_FLIGHT.get(group, 0) + 1
        peak_file = MARKERS / f"peak-{group}"
        peak = max(_IN_FLIGHT[group], int(peak_file.read_text()) if peak_file.exists() else 0)
        (MARKERS / f"peak-{group}.tmp").write_text(str(peak))
        os.replace(MARKERS / f"peak-{group}.tmp", peak_file)  # the test never reads half a file
    try:
        deadline = time.monotonic() + 60
        while not (MARKERS / f"release-{group}").exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        return peak
    finally:
        with _IN_FLIGHT_LOCK:
            _IN_FLIGHT[group] -= 1


@app.orchestration_trigger(context_name="context")
def run_tracked(context: df.DurableOrchestrationContext):
    return (yield context.call_activity("tracked", context.get_input()["group"]))


@app.activity_trigger(input_name="instance_id")
@app.durable_client_input(client_name="client")
async def own_status(instance_id: str, client: df.DurableOrchestrationClient) -> str:
    """Activities may take a durable client binding too (same event loop as the worker)."""
    status = await client.get_status(instance_id)
    return str(status.runtime_status.value)


@app.orchestration_trigger(context_name="context")
def introspect(context: df.DurableOrchestrationContext):
    return (yield context.call_activity("own_status", context.instance_id))


@app.timer_trigger(schedule="%PATTERNS_SCHEDULE%", arg_name="timer", run_on_startup=False)
@app.durable_client_input(client_name="client")
async def nightly(timer: func.TimerRequest, client: df.DurableOrchestrationClient) -> None:
    await client.start_new("chaining", "nightly-run", {"name": "timer"})


@app.orchestration_trigger(context_name="context")
def parent_with_retry(context: df.DurableOrchestrationContext):
    options = df.RetryOptions(first_retry_interval_in_milliseconds=60000, max_number_of_attempts=3)
    return (yield context.call_sub_orchestrator_with_retry("flaky_child", options, "sub"))


@app.orchestration_trigger(context_name="context")
def flaky_child(context: df.DurableOrchestrationContext):
    attempt = yield context.call_activity("flaky", {"key": "child", "succeed_on": 2})
    return f"child {attempt}"


@app.entity_trigger(context_name="context")
def counter(context: df.DurableEntityContext) -> None:
    current = context.get_state(lambda: 0)
    if context.operation_name == "add":
        context.set_state(current + context.get_input())
    elif context.operation_name == "get":
        context.set_result(current)
    elif context.operation_name == "fail":
        raise ValueError("counter refuses")


@app.orchestration_trigger(context_name="context")
def entity_user(context: df.DurableOrchestrationContext):
    entity = df.EntityId("counter", context.get_input()["key"])
    context.signal_entity(entity, "add", 5)
    yield context.call_entity(entity, "add", 2)
    value = yield context.call_entity(entity, "get")
    try:
        yield context.call_entity(entity, "fail")
    except Exception as exc:
        return {"value": value, "error": str(exc)}
    return {"value": value, "error": None}


@app.route(route="counter/{key}", methods=["POST", "GET"])
@app.durable_client_input(client_name="client")
async def counter_api(req: func.HttpRequest, client: df.DurableOrchestrationClient):
    entity = df.EntityId("counter", req.route_params["key"])
    if req.method == "POST":
        await client.signal_entity(entity, "add", int(req.params["amount"]))
        return func.HttpResponse(status_code=202)
    state = await client.read_entity_state(entity)
    body = {"exists": state.entity_exists, "state": state.entity_state}
    return func.HttpResponse(json.dumps(body), mimetype="application/json")


@app.orchestration_trigger(context_name="context")
def short_timer(context: df.DurableOrchestrationContext):
    started = context.current_utc_datetime
    seconds = context.get_input()["seconds"]
    yield context.create_timer(started + timedelta(seconds=seconds))
    return (context.current_utc_datetime - started).total_seconds()


@app.timer_trigger(schedule="0 0 0 1 1 *", arg_name="timer", run_on_startup=True)
@app.durable_client_input(client_name="client")
async def on_startup(timer: func.TimerRequest, client: df.DurableOrchestrationClient) -> None:
    existing = await client.get_status("startup-run")
    if not existing:
        await client.start_new("chaining", "startup-run", {"name": "startup"})
