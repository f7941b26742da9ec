"""Orchestration versioning: context.version, start_new(version=), sub-orchestration versions."""

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.FUNCTION)


@app.route(route="start/{name}", methods=["POST"])
@app.durable_client_input(client_name="client")
async def http_start(req: func.HttpRequest, client: df.DurableOrchestrationClient):
    """Starts through the real Python client; `?version=` is passed to start_new."""
    instance_id = await client.start_new(
        req.route_params["name"], None, req.get_json(), version=req.params.get("version")
    )
    return client.create_check_status_response(req, instance_id)


@app.orchestration_trigger(context_name="context")
def versioned(context: df.DurableOrchestrationContext):
    """Reports its own version and those its sub-orchestrations get, before and after a wait
    (the host may be restarted with a new defaultVersion meanwhile)."""
    before = yield context.call_sub_orchestrator("report_version")
    if (context.get_input() or {}).get("wait"):
        yield context.wait_for_external_event("continue")
    after = yield context.call_sub_orchestrator("report_version")
    explicit = yield context.call_sub_orchestrator("report_version", version="0.9")
    return {"own": context.version, "before": before, "after": after, "explicit": explicit}


@app.orchestration_trigger(context_name="context")
def report_version(context: df.DurableOrchestrationContext):
    return context.version


@app.orchestration_trigger(context_name="context")
def looping(context: df.DurableOrchestrationContext):
    """continue_as_new keeps the instance's version (the Python SDK's takes none)."""
    left = context.get_input()["left"]
    if left:
        context.continue_as_new({"left": left - 1})
        return None
    return context.version
