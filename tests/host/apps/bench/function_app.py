"""Orchestrations for benchmarks/host_overhead.py: a wide fan-out and a long sequence."""

import azure.durable_functions as df

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def fan_out(context: df.DurableOrchestrationContext):
    count = context.get_input()["count"]
    results = yield context.task_all([context.call_activity("square", i) for i in range(count)])
    return sum(results)


@app.orchestration_trigger(context_name="context")
def sequence(context: df.DurableOrchestrationContext):
    total = 0
    for i in range(context.get_input()["count"]):
        total += yield context.call_activity("square", i)
    return total


@app.activity_trigger(input_name="value")
def square(value: int) -> int:
    return value * value
