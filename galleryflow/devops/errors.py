"""The one error type of DevOps inputs (task headers, PlanUrl, hook secret).

Pure: it says what is wrong and how bad, not which HTTP status answers it. The HTTP
triggers map it (galleryflow.api.errors.from_devops: invalid -> 400, unauthorized -> 401,
disabled -> 403); the DevOps watcher's activity logs it and reports the callback lost.
"""

from __future__ import annotations

from typing import Literal

Kind = Literal["invalid", "unauthorized", "disabled"]


class DevOpsInputError(Exception):
    """A refused DevOps input; `details` are `{"path", "message", "hint"}` dicts."""

    def __init__(
        self, kind: Kind, code: str, message: str, details: list[dict[str, str]] | None = None
    ) -> None:
        super().__init__(message)
        self.kind: Kind = kind
        self.code = code
        self.message = message
        self.details = list(details or [])
