"""One activity invocation, as the Functions host + Durable extension run it: decode the
input, call the function with its bindings under host.json functionTimeout, send its output
bindings, and turn the outcome into the TaskCompleted/TaskFailed event the orchestrator gets.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from azure.functions import meta
from azure.functions.durable_functions import ActivityTriggerConverter

from sandbox.host import history as h
from sandbox.host import invoke
from sandbox.host.app_loader import FunctionInfo
from sandbox.host.function_timeout import TIMEOUT_EXCEPTION, FunctionTimedOut
from sandbox.host.store import ActivityWork

log = logging.getLogger("sandbox.host.engine")
RPC_EXCEPTION = "Microsoft.Azure.WebJobs.Script.Workers.Rpc.RpcException"


@dataclass
class ActivityCall:
    """How to call: the host's event loop (async functions), the durable client binding's
    JSON, and the timeout in seconds (None: unbounded)."""

    loop: asyncio.AbstractEventLoop | None
    client_json: str
    timeout: float | None


def activity_result(
    work: ActivityWork,
    info: FunctionInfo,
    how: ActivityCall,
    send_outputs: Callable[[invoke.Invocation], None],
    now: Callable[[], str],
) -> dict[str, Any]:
    """Run the activity; the history event that reports how it ended."""
    call: invoke.Invocation | None = None
    try:
        value = ActivityTriggerConverter.decode(
            meta.Datum(work.input, "json"), trigger_metadata=None
        )
        call = invoke.prepare(info, value, how.client_json)
        result = invoke.call(info, call, how.loop, how.timeout)
        send_outputs(call)  # only after the function succeeded
        encoded = ActivityTriggerConverter.encode(result, expected_type=None).value
        return h.task_completed(now(), work.task_id, encoded)
    except FunctionTimedOut as exc:
        log.error("%s", exc.log_line(call.invocation_id if call else str(uuid.uuid4())))
        return h.task_failed(
            now(),
            work.task_id,
            f"Activity function '{work.name}' failed: {exc}",
            serialized_cause(str(exc), TIMEOUT_EXCEPTION, "Microsoft.Azure.WebJobs.Host"),
        )
    except Exception as exc:
        log.info("activity %s (instance %s) failed: %s", work.name, work.instance_id, exc)
        message = f"{type(exc).__name__}: {exc}"  # the Python worker's exception message
        return h.task_failed(
            now(),
            work.task_id,
            f"Activity function '{work.name}' failed: {message}",
            serialized_cause(message),
        )


def serialized_cause(
    message: str, exception: str = RPC_EXCEPTION, assembly: str = "Microsoft.Azure.WebJobs.Script"
) -> str:
    """TaskFailed details: the exception serialized as JSON, as the extension records it."""
    return json.dumps(
        {"$type": f"{exception}, {assembly}", "ClassName": exception, "Message": message}
    )
