"""Activity calls as the orchestrators make them: with retry, errors turned into StepFailed."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import azure.durable_functions as df

from orchestrators.failures import ACTIVITY_RETRY, error_from_failure, step_failed


def call(
    context: df.DurableOrchestrationContext,
    name: str,
    payload: dict[str, Any],
    *,
    step: str,
    resource: str,
) -> Generator[Any, Any, dict[str, Any]]:
    """`result = yield from call(...)`: one activity, retried, errors raised as StepFailed."""
    try:
        result = yield context.call_activity_with_retry(name, ACTIVITY_RETRY, payload)
    except Exception as exc:  # the host reports a failed activity as a bare Exception
        raise step_failed(step, resource, error_from_failure(exc)) from None
    if isinstance(result, dict) and result.get("error"):
        raise step_failed(step, resource, result["error"])
    return result if isinstance(result, dict) else {}
