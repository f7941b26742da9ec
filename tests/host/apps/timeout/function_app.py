"""functionTimeout (host.json: 1 s) on activities: sync and async, too slow and fast enough."""

import asyncio
import time

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.FUNCTION)


@app.orchestration_trigger(context_name="context")
def guarded(context: df.DurableOrchestrationContext):
    """Calls `name` and reports how it ended, as the orchestrator sees it."""
    spec = context.get_input()
    started = context.current_utc_datetime
    try:
        result = yield context.call_activity(spec["name"], spec["seconds"])
        outcome = {"ok": result}
    except Exception as exc:  # the failed activity surfaces here
        outcome = {"error": str(exc)}
    outcome["elapsed"] = (context.current_utc_datetime - started).total_seconds()
    return outcome


@app.activity_trigger(input_name="seconds")
def sleepy(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


@app.activity_trigger(input_name="seconds")
async def sleepy_async(seconds: float) -> float:
    await asyncio.sleep(seconds)
    return seconds


@app.route(route="slow", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def slow_http(req: func.HttpRequest) -> func.HttpResponse:
    """functionTimeout applies to every function, HTTP ones included."""
    time.sleep(float(req.params.get("seconds", "0")))
    return func.HttpResponse("done")
