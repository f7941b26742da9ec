"""How failures cross the activity -> orchestrator boundary, and how a failed run is worded.

Activities return non-retryable errors as values (`{"error": {...}}`) so the host's retry
policy does not repeat them; retryable ones are raised with the error dict embedded after
`ERROR_MARK`, the host retries the activity, and once the attempts are spent the orchestrator
reads the embedded dict back out of the failure text.
"""

from __future__ import annotations

import json
from typing import Any

import azure.durable_functions as df

ERROR_MARK = "GALLERYFLOW_ERROR:"

# Activities are retried by the host (fixed interval in DF 1.x); azure-core already retries
# inside each attempt honouring Retry-After, so a few spaced attempts are enough.
ACTIVITY_RETRY = df.RetryOptions(
    first_retry_interval_in_milliseconds=10_000, max_number_of_attempts=4
)


# Run-level waits for errors that say when to come back (Retry-After): at most this many
# calls in all, each wait capped so a huge Retry-After cannot park a run for hours.
RETRY_AFTER_CALLS = 4
RETRY_AFTER_CAP_SECONDS = 600


def retry_after_wait(error: dict[str, Any], calls_made: int) -> int | None:
    """Seconds to wait before calling again, or None when the error is final."""
    if error.get("retryable") is not True or calls_made >= RETRY_AFTER_CALLS:
        return None
    try:
        seconds = int(error.get("retry_after_seconds") or 0)
    except (TypeError, ValueError):
        return None
    return min(seconds, RETRY_AFTER_CAP_SECONDS) if seconds > 0 else None


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
