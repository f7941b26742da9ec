"""The gateway's error tree: every Azure failure becomes one of a few documented kinds.

Activities and orchestrators decide on the kind (retry, wait, fail with a clear message),
never on SDK exception classes. Errors cross the Durable boundary as plain dicts
(`to_dict()` / `GatewayError.from_dict()`).
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Any, ClassVar

from azure.core.exceptions import (
    AzureError,
    HttpResponseError,
    ServiceRequestError,
    ServiceResponseError,
)

# 409 codes that mean "another operation is running on this resource; try again later".
_BUSY_CONFLICT_CODES = frozenset(
    {
        "operationnotallowed",
        "conflictingoperation",
        "anotheroperationinprogress",
        "operationpreempted",
    }
)
# OperationNotAllowed is also ARM's code for conditions that waiting never fixes (a running
# capture source, an end-of-life deletion block, a safety profile). A busy hint wins.
_BUSY_HINTS = ("in progress", "another operation", "try again", "retry")
_PERMANENT_HINTS = (
    "endoflife",
    "blockdeletion",
    "alreadyexists",
    "deallocate",
    "generalized",
    "setittotrue",
)

# AuthorizationFailed: "... perform action 'A' over scope 'S' ...". LinkedAuthorizationFailed:
# "... has permission to perform action 'A' on scope 'S'; however, it does not have
# permission to perform action(s) 'B' on the linked scope(s) 'T' ..." (the last one is missing).
_FORBIDDEN_RE = re.compile(
    r"perform action(?:\(s\))? '(?P<action>[^']+)' (?:over|on)(?: the linked)? "
    r"scope(?:\(s\))? '(?P<scope>[^']+)'",
    re.IGNORECASE,
)


class GatewayError(Exception):
    """An Azure call failed. `kind` names the subclass; `code` is the ARM error code."""

    kind: ClassVar[str] = "error"

    def __init__(
        self,
        code: str,
        message: str,
        *,
        resource: str = "",
        status: int | None = None,
        retry_after_seconds: int | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}" + (f" ({resource})" if resource else ""))
        self.code = code
        self.message = message
        self.resource = resource
        self.status = status
        self.retry_after_seconds = retry_after_seconds

    @property
    def retryable(self) -> bool:
        """True when the same call may succeed later without any change."""
        return False

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "code": self.code,
            "message": self.message,
            "resource": self.resource,
            "status": self.status,
            "retry_after_seconds": self.retry_after_seconds,
            "retryable": self.retryable,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GatewayError:
        """Rebuild the right subclass from `to_dict()` output (unknown kinds -> GatewayError)."""
        target = _KINDS.get(str(data.get("kind", "")), GatewayError)
        common: dict[str, Any] = {
            "resource": data.get("resource") or "",
            "status": data.get("status"),
            "retry_after_seconds": data.get("retry_after_seconds"),
        }
        code, message = str(data.get("code", "")), str(data.get("message", ""))
        if target is Forbidden:
            return Forbidden(
                code, message, action=data.get("action"), scope=data.get("scope"), **common
            )
        return target(code, message, **common)

    def __reduce__(self) -> tuple[Any, ...]:
        # Keeps errors picklable (Durable workers may pickle exceptions).
        return (GatewayError.from_dict, (self.to_dict(),))


class NotFound(GatewayError):
    kind = "not_found"


class Conflict(GatewayError):
    kind = "conflict"

    @property
    def retryable(self) -> bool:
        if self.code.lower() not in _BUSY_CONFLICT_CODES:
            return False
        text = self.message.lower()
        if any(hint in text for hint in _BUSY_HINTS):
            return True
        squashed = "".join(text.split())
        return not any(hint in squashed for hint in _PERMANENT_HINTS)


class _AlwaysRetryable(GatewayError):
    """Throttling and transient failures: the same call may succeed later."""

    @property
    def retryable(self) -> bool:
        return True


class Throttled(_AlwaysRetryable):
    kind = "throttled"


class Forbidden(GatewayError):
    """The identity lacks an RBAC action; `action` and `scope` say which and where."""

    kind = "forbidden"

    def __init__(
        self,
        code: str,
        message: str,
        *,
        action: str | None = None,
        scope: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(code, message, **kwargs)
        self.action = action
        self.scope = scope

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "action": self.action, "scope": self.scope}


class QuotaExceeded(GatewayError):
    kind = "quota_exceeded"


class Transient(_AlwaysRetryable):
    kind = "transient"


class InvalidRequest(GatewayError):
    kind = "invalid_request"


_KINDS: dict[str, type[GatewayError]] = {
    kind.kind: kind
    for kind in (
        GatewayError,
        NotFound,
        Conflict,
        Throttled,
        Forbidden,
        QuotaExceeded,
        Transient,
        InvalidRequest,
    )
}


def _retry_after(exc: HttpResponseError) -> int | None:
    response = exc.response
    if response is None:
        return None
    value = getattr(response, "headers", {}).get("Retry-After")
    try:
        return max(0, int(float(value))) if value is not None else None
    except ValueError:
        return None  # an HTTP-date; azure-core already honoured it


def _is_quota(code: str, message: str) -> bool:
    lowered = code.lower()
    return "quota" in lowered or (
        lowered in {"operationnotallowed", "badrequest"} and "quota" in message.lower()
    )


def translate(exc: AzureError, resource: str = "") -> GatewayError:
    """Map an azure-core exception to the gateway error tree.

    Order matters: the ARM code (quota, authorization) says more than the HTTP status.
    A failed long-running operation arrives with the status of the last poll (often 200)
    and is classified by its code alone.
    """
    if isinstance(exc, ServiceRequestError | ServiceResponseError):
        text = str(exc.message or exc)
        if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text.lower():
            # Retrying never fixes a trust problem: say which setting to check.
            return GatewayError(
                "TlsVerificationFailed",
                "the ARM/Storage endpoint's TLS certificate is not trusted; check "
                "GALLERYFLOW_ARM_CA_BUNDLE (sandbox) or the endpoint setting",
                resource=resource,
            )
        return Transient("ConnectionError", text, resource=resource)
    if not isinstance(exc, HttpResponseError):
        return GatewayError(type(exc).__name__, str(exc.message or exc), resource=resource)

    status = exc.status_code
    # ARM puts the code in the error envelope; Storage in `error_code` (x-ms-error-code).
    code = (
        (exc.error.code if exc.error and exc.error.code else None)
        or getattr(exc, "error_code", None)
        or exc.reason
        or "Unknown"
    )
    code = str(code.value) if isinstance(code, Enum) else str(code)  # Storage uses a str Enum
    message = (exc.error.message if exc.error and exc.error.message else None) or str(exc.message)
    common: dict[str, Any] = {
        "resource": resource,
        "status": status,
        "retry_after_seconds": _retry_after(exc),
    }

    if _is_quota(code, message):
        return QuotaExceeded(code, message, **common)
    if status == 429 or code.lower() in {"toomanyrequests", "throttled"}:
        return Throttled(code, message, **common)
    if status in (401, 403) or code.lower() in {"authorizationfailed", "linkedauthorizationfailed"}:
        matches = list(_FORBIDDEN_RE.finditer(message))
        match = matches[-1] if matches else None
        return Forbidden(
            code,
            message,
            action=match.group("action") if match else None,
            scope=match.group("scope") if match else None,
            **common,
        )
    if status == 404 or code.lower() in {"resourcenotfound", "notfound"}:
        return NotFound(code, message, **common)
    if status == 409:
        return Conflict(code, message, **common)
    if status in (408, 500, 502, 503, 504) or code.lower() in {
        "internalservererror",
        "internalexecutionerror",
        "internaloperationerror",
        "serviceunavailable",
        "gatewaytimeout",
    }:
        return Transient(code, message, **common)
    if status == 400:
        return InvalidRequest(code, message, **common)
    if code.lower() in _BUSY_CONFLICT_CODES:
        return Conflict(code, message, **common)
    return GatewayError(code, message, **common)
