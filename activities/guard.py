"""How every activity reports failure (galleryflow/durable/failures.py is the seam).

Retryable gateway errors (throttling, 5xx, busy 409) are raised so the host's retry policy
runs the activity again, except those carrying a Retry-After: they are returned as
`{"error": {...}}` (with `retryable` and `retry_after_seconds`) and the orchestrator waits
that long on a durable timer before calling again. Every other error is returned as
`{"error": {...}}` so it is not retried and the orchestrator fails the step.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from galleryflow.azure.errors import GatewayError
from galleryflow.durable.failures import RetryableActivityError, encode_error
from galleryflow.settings import SettingsError

log = logging.getLogger("galleryflow.activities")

Payload = dict[str, Any]


def guarded(body: Callable[[Payload], Payload]) -> Callable[[Payload], Payload]:
    @functools.wraps(body)
    def run(payload: Payload) -> Payload:
        try:
            return body(payload)
        except GatewayError as err:
            if err.retryable and err.retry_after_seconds:
                # Azure said when to come back: returned as a value so the orchestrator
                # waits that long on a durable timer (the host's retry interval is fixed).
                log.warning(
                    "%s: %s, retry after %s s", body.__name__, err.code, err.retry_after_seconds
                )
                return {"error": err.to_dict()}
            if err.retryable:
                log.warning("%s: retryable %s: %s", body.__name__, err.code, err.message)
                raise RetryableActivityError(encode_error(err.to_dict())) from None
            log.warning("%s: %s: %s", body.__name__, err.code, err.message)
            return {"error": err.to_dict()}
        except SettingsError as err:
            return {"error": {"code": "BadConfiguration", "message": str(err)}}

    return run


def refuse(code: str, message: str, resource: str = "") -> Payload:
    """An activity's own non-retryable refusal, in the same shape as a gateway error."""
    return {"error": {"kind": "refused", "code": code, "message": message, "resource": resource}}
