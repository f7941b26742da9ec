"""Reading a request body: JSON only, bounded size, an object at the top."""

from __future__ import annotations

import json
from typing import Any

from galleryflow.api.errors import ApiError

MAX_BODY_BYTES = 64 * 1024


def is_json_content_type(content_type: str | None) -> bool:
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def parse_json_object(
    raw: bytes,
    content_type: str | None,
    *,
    required: bool = True,
    max_bytes: int = MAX_BODY_BYTES,
) -> dict[str, Any] | None:
    """The body as a dict, None when it is empty and optional; else an ApiError (413/415/400)."""
    if len(raw) > max_bytes:
        raise ApiError(
            413,
            "PayloadTooLarge",
            f"The body is {len(raw)} bytes; the limit is {max_bytes} bytes.",
        )
    if not raw.strip():
        if required:
            raise ApiError(
                400,
                "EmptyBody",
                "This operation needs a JSON object as its body.",
                [{"path": "$", "message": "the body is empty", "hint": "send a JSON object"}],
            )
        return None
    if not is_json_content_type(content_type):
        raise ApiError(
            415,
            "UnsupportedMediaType",
            f"Content-Type {content_type or '(none)'!r} is not supported; "
            "send the body as application/json.",
        )
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ApiError(
            400,
            "MalformedJson",
            "The body is not valid UTF-8 JSON.",
            [{"path": "$", "message": _short(str(exc)), "hint": "check quoting and commas"}],
        ) from None
    if not isinstance(data, dict):
        raise ApiError(
            400,
            "ValidationFailed",
            "The body must be a JSON object.",
            [
                {
                    "path": "$",
                    "message": f"got a JSON {type(data).__name__}",
                    "hint": "wrap the fields in {...}",
                }
            ],
        )
    return data


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
