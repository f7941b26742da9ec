"""Timing of durable timers, retries and scheduled starts next to running activities.

Every orchestration reports the host's own clock (context.current_utc_datetime) and the
activities report wall-clock time, so a test can check when things really happened.
"""

import threading
import time
from datetime import timedelta

import azure.durable_functions as df
import azure.functions as func
from dateutil.parser import isoparse

app = df.DFApp(http_auth_level=func.AuthLevel.FUNCTION)
_attempts: dict[str, list[float]] = {}
_lock = threading.Lock()


@app.orchestration_trigger(context_name="context")
def race(context: df.DurableOrchestrationContext):
    """task_any([slow activity, timer]): whichever finishes first wins."""
    spec = context.get_input()
    started = context.current_utc_datetime
    work = context.call_activity("slow", spec["activity_seconds"])
    timer = context.create_timer(started + timedelta(seconds=spec["timer_seconds"]))
    winner = yield context.task_any([work, timer])
    if winner == timer:
        outcome = "timer"
    else:
        timer.cancel()
        outcome = "activity"
    elapsed = (context.current_utc_datetime - started).total_seconds()
    return {"winner": outcome, "elapsed": elapsed}


@app.activity_trigger(input_name="seconds")
def slow(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


@app.orchestration_trigger(context_name="context")
def retrying(context: df.DurableOrchestrationContext):
    """Fails twice, then succeeds; the SDK waits first_retry_interval between attempts."""
    spec = context.get_input()
    options = df.RetryOptions(
        first_retry_interval_in_milliseconds=spec["interval_ms"], max_number_of_attempts=3
    )
    attempts = yield context.call_activity_with_retry(
        "flaky", options, {"key": context.instance_id, "fail": 2}
    )
    return {"attempts": attempts}


@app.activity_trigger(input_name="spec")
def flaky(spec: dict) -> list[float]:
    with _lock:
        seen = _attempts.setdefault(spec["key"], [])
        seen.append(time.time())
        if len(seen) <= spec["fail"]:
            raise RuntimeError(f"attempt {len(seen)} fails on purpose")
        return list(seen)


@app.orchestration_trigger(context_name="context")
def scheduled(context: df.DurableOrchestrationContext):
    """Starts its work at a given time (a durable timer up to `start_at`)."""
    start_at = isoparse(context.get_input()["start_at"])
    yield context.create_timer(start_at)
    ran_at = yield context.call_activity("stamp", None)
    return {"ran_at": ran_at, "woke_at": context.current_utc_datetime.isoformat()}


@app.activity_trigger(input_name="unused")
def stamp(unused: None) -> float:
    return time.time()


@app.orchestration_trigger(context_name="context")
def ticks(context: df.DurableOrchestrationContext):
    """`count` durable timers of an hour each, one after the other: nothing else to run."""
    count = context.get_input()["count"]
    started = context.current_utc_datetime
    for _ in range(count):
        yield context.create_timer(context.current_utc_datetime + timedelta(hours=1))
    return {"elapsed_hours": (context.current_utc_datetime - started).total_seconds() / 3600}
