"""ARM errors: one class per ARM error code, rendered as the ARM error envelope."""

from __future__ import annotations

from typing import Any


class ArmError(Exception):
    """An error answered to the client as `{"error": {"code", "message", "details"?}}`."""

    status = 400
    code = "BadRequest"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        target: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        self.headers = headers or {}
        self.target = target

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.target:
            error["target"] = self.target
        return {"error": error}


class InvalidParameter(ArmError):
    code = "InvalidParameter"


class MissingApiVersionParameter(ArmError):
    code = "MissingApiVersionParameter"


class InvalidRequestContent(ArmError):
    code = "InvalidRequestContent"


class InvalidResourceName(ArmError):
    code = "InvalidResourceName"


class LocationNotAvailableForResourceType(ArmError):
    code = "LocationNotAvailableForResourceType"


class AuthenticationFailed(ArmError):
    status = 401
    code = "AuthenticationFailed"


class InvalidAuthenticationToken(ArmError):
    status = 401
    code = "InvalidAuthenticationToken"


class AuthorizationFailed(ArmError):
    status = 403
    code = "AuthorizationFailed"


class ResourceNotFound(ArmError):
    status = 404
    code = "ResourceNotFound"


class ResourceGroupNotFound(ArmError):
    status = 404
    code = "ResourceGroupNotFound"


class ParentResourceNotFound(ArmError):
    status = 404
    code = "ParentResourceNotFound"


class InvalidResourceType(ArmError):
    status = 404
    code = "InvalidResourceType"


class OperationNotAllowed(ArmError):
    status = 409
    code = "OperationNotAllowed"


class PropertyChangeNotAllowed(ArmError):
    status = 409
    code = "PropertyChangeNotAllowed"


class CannotDeleteResource(ArmError):
    status = 409
    code = "CannotDeleteResource"


class QuotaExceeded(ArmError):
    status = 409
    code = "QuotaExceeded"


class TooManyRequests(ArmError):
    status = 429
    code = "TooManyRequests"


class MethodNotAllowed(ArmError):
    status = 405
    code = "MethodNotAllowed"


class ControlError(ArmError):
    """Bad input to the `/_sandbox/` control API."""

    code = "InvalidControlRequest"
