"""Typed access to request JSON that answers 400 with the exact property path on bad input."""

from __future__ import annotations

from typing import Any

from sandbox.arm.clock import parse_iso
from sandbox.arm.errors import InvalidParameter, InvalidRequestContent

_TYPE_NAMES = {
    dict: "an object",
    list: "an array",
    str: "a string",
    bool: "a boolean",
    int: "an integer",
}


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    for kind, name in _TYPE_NAMES.items():
        if isinstance(value, kind):
            return name
    return "a number" if isinstance(value, float) else type(value).__name__


def field(obj: dict[str, Any], key: str, kind: type, path: str, *, required: bool = False) -> Any:
    """`obj[key]` checked to be of `kind`; None when absent and not required."""
    value = obj.get(key)
    where = f"{path}.{key}" if path else key
    if value is None:
        if required:
            raise InvalidParameter(
                f"Required property '{where}' is missing. Add it to the request body.",
                target=where,
            )
        return None
    ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
    if not ok:
        raise InvalidParameter(
            f"Property '{where}' must be {_TYPE_NAMES.get(kind, kind.__name__)}, "
            f"got {_type_name(value)}.",
            target=where,
        )
    return value


INT32_MAX = 2**31 - 1


def int32(obj: dict[str, Any], key: str, path: str) -> int | None:
    """An integer property that must fit Azure's 32-bit int (a larger one is a 400, not a
    quota question)."""
    value: int | None = field(obj, key, int, path)
    if value is not None and not -INT32_MAX - 1 <= value <= INT32_MAX:
        where = f"{path}.{key}" if path else key
        raise InvalidParameter(
            f"Property '{where}' is {value}, which does not fit a 32-bit integer. Use a value "
            f"up to {INT32_MAX}.",
            target=where,
        )
    return value


def enum(obj: dict[str, Any], key: str, allowed: list[str], path: str, **kw: Any) -> str | None:
    """A string property restricted to `allowed` (case-insensitive match, canonical result)."""
    value = field(obj, key, str, path, **kw)
    if value is None:
        return None
    for option in allowed:
        if option.lower() == value.lower():
            return option
    where = f"{path}.{key}" if path else key
    raise InvalidParameter(
        f"Property '{where}' has the invalid value '{value}'. "
        f"Allowed values: {', '.join(allowed)}.",
        target=where,
    )


def timestamp(obj: dict[str, Any], key: str, path: str) -> str | None:
    value = field(obj, key, str, path)
    if value is None:
        return None
    try:
        parse_iso(value)
    except ValueError:
        where = f"{path}.{key}" if path else key
        raise InvalidParameter(
            f"Property '{where}' must be an ISO-8601 date-time like 2027-06-01T00:00:00Z, "
            f"got '{value}'.",
            target=where,
        ) from None
    return value


def body_object(raw: bytes) -> dict[str, Any]:
    """The request body as a JSON object (400 InvalidRequestContent otherwise)."""
    import json

    if not raw.strip():
        raise InvalidRequestContent("The request body is empty; send a JSON object.")
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise InvalidRequestContent(f"The request body is not valid JSON: {exc}.") from None
    if not isinstance(data, dict):
        raise InvalidRequestContent(
            f"The request body must be a JSON object, got {_type_name(data)}."
        )
    return data
