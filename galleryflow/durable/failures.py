"""How failures cross the activity -> orchestrator boundary, and how a failed run is worded.

Activities return non-retryable errors as values (`{"error": {...}}`) so the host's retry
policy does not repeat them; retryable ones are raised as `RetryableActivityError` with the
error dict embedded after `ERROR_MARK`, the host retries the activity, and once the attempts
are spent the orchestrator reads the embedded dict back out of the failure text
(`error_from_failure`) and raises `StepFailed`. docs/errors.md draws the whole picture.
"""

from __future__ import annotations

import json
from typing import Any

ERROR_MARK = "GALLERYFLOW_ERROR:"


class RetryableActivityError(Exception):
    """A transient Azure failure; the message embeds the gateway error for the orchestrator."""


class StepFailed(Exception):
    """A run step failed; str() is the run's failure message from docs/CONTRACTS.md."""

    def __init__(self, step: str, resource: str, code: str, message: str) -> None:
        self.step, self.resource, self.code, self.message = step, resource, code, message
        super().__init__(f"{step} failed on {resource}: {code}: {message}")


def encode_error(error: dict[str, Any]) -> str:
    return ERROR_MARK + json.dumps(error, separators=(",", ":"), sort_keys=True)


def error_from_failure(exc: BaseException) -> dict[str, Any]:
    """The error dict embedded in an activity failure, or a generic one from its text."""
    text = str(exc)
    start = text.find(ERROR_MARK)
    if start >= 0:
        try:
            value, _ = json.JSONDecoder().raw_decode(text[start + len(ERROR_MARK) :])
            if isinstance(value, dict):
                return value
        except ValueError:
            pass
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return {"code": "ActivityFailed", "message": first_line[:500] or type(exc).__name__}


def step_failed(step: str, resource: str, error: dict[str, Any]) -> StepFailed:
    return StepFailed(
        step,
        str(error.get("resource") or resource),
        str(error.get("code") or "Failed"),
        str(error.get("message") or "no message"),
    )
