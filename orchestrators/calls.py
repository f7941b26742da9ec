"""Activity calls as the orchestrators make them: with retry, errors turned into StepFailed."""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
from typing import Any

import azure.durable_functions as df

from galleryflow.durable.failures import error_from_failure, step_failed
from orchestrators.failures import ACTIVITY_RETRY, retry_after_wait


def call(
    context: df.DurableOrchestrationContext,
    name: str,
    payload: dict[str, Any],
    *,
    step: str,
    resource: str,
) -> Generator[Any, Any, dict[str, Any]]:
    """`result = yield from call(...)`: one activity, retried, errors raised as StepFailed.
    An error with a Retry-After is called again after a durable timer of that length."""
    calls_made = 0
    while True:
        calls_made += 1
        try:
            result = yield context.call_activity_with_retry(name, ACTIVITY_RETRY, payload)
        except Exception as exc:  # the host reports a failed activity as a bare Exception
            raise step_failed(step, resource, error_from_failure(exc)) from None
        if not (isinstance(result, dict) and result.get("error")):
            return result if isinstance(result, dict) else {}
        wait = retry_after_wait(result["error"], calls_made)
        if wait is None:
            raise step_failed(step, resource, result["error"])
        yield context.create_timer(context.current_utc_datetime + timedelta(seconds=wait))
