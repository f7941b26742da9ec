"""Transport-neutral request/response objects shared by the ARM and control handlers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sandbox.arm.validation import body_object


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    base_url: str

    def json(self) -> dict[str, Any]:
        return body_object(self.body)


@dataclass
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def payload(self) -> bytes:
        return b"" if self.body is None else json.dumps(self.body).encode()
