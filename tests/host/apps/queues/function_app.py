"""Queue trigger -> orchestration -> queue output binding, against Azurite."""

import json

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.queue_trigger(arg_name="msg", queue_name="orders", connection="STORAGE")
@app.durable_client_input(client_name="client")
async def on_order(msg: func.QueueMessage, client: df.DurableOrchestrationClient) -> None:
    order = json.loads(msg.get_body())
    if order.get("bad"):
        raise ValueError("bad order")
    await client.start_new("handle_order", order["id"], order)


@app.orchestration_trigger(context_name="context")
def handle_order(context: df.DurableOrchestrationContext):
    order = context.get_input()
    return (yield context.call_activity("ship", order))


@app.activity_trigger(input_name="order")
@app.queue_output(arg_name="shipped", queue_name="shipped", connection="STORAGE")
def ship(order: dict, shipped: func.Out[str]) -> str:
    shipped.set(json.dumps({"id": order["id"], "status": "shipped"}))
    return f"shipped {order['id']}"


@app.route(route="note", methods=["POST"])
@app.queue_output(arg_name="notes", queue_name="notes", connection="STORAGE")
def note(req: func.HttpRequest, notes: func.Out[str]) -> func.HttpResponse:
    notes.set(req.get_body().decode())
    return func.HttpResponse(status_code=202)
