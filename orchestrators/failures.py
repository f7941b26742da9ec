"""How the orchestrators retry activities: the host's retry options, and run-level waits
for errors that carry a Retry-After. The error encoding itself and `StepFailed` live in
galleryflow/durable/failures.py (the seam activities share)."""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

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
