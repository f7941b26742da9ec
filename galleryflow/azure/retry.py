"""azure-core's retry policy, with a cap on how long a Retry-After may block an activity.

azure-core sleeps whatever Retry-After ARM sends (429s can ask for many minutes) inside the
call, which would hold an activity past its function timeout. Above the cap the policy
stops retrying, the gateway raises `Throttled` with `retry_after_seconds`, and the
orchestrator waits on a durable timer instead (orchestrators/calls.py).
"""

from __future__ import annotations

from typing import Any

from azure.core.pipeline.policies import RetryPolicy

# Longest Retry-After that is slept inside an activity; longer waits are durable timers.
MAX_INLINE_RETRY_AFTER_SECONDS = 30.0


class BoundedRetryAfterPolicy(RetryPolicy):
    """RetryPolicy that hands long Retry-After waits back to the caller."""

    def __init__(self, *, max_retry_after: float = MAX_INLINE_RETRY_AFTER_SECONDS, **kwargs: Any):
        super().__init__(**kwargs)
        self.max_retry_after = max_retry_after

    def is_retry(self, settings: dict[str, Any], response: Any) -> bool:
        retry_after = self.get_retry_after(response)
        if retry_after is not None and retry_after > self.max_retry_after:
            return False
        return super().is_retry(settings, response)
