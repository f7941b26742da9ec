"""Checked fields of the control API's seed descriptions (VMs, scale sets, sources): each
refusal is a 400 InvalidControlRequest naming the field and what to send."""

from __future__ import annotations

from typing import Any

from sandbox.arm.errors import ControlError


def text(spec: dict[str, Any], name: str, default: str | None = None) -> str:
    value = spec.get(name, default)
    if not isinstance(value, str) or not value:
        raise ControlError(f"Field '{name}' is required and must be a non-empty string.")
    return value


def size_gb(spec: dict[str, Any], name: str, default: int) -> int:
    value = spec.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ControlError(f"Field '{name}' must be a positive integer (GB).")
    return value


def choice(spec: dict[str, Any], name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = text(spec, name, default)
    if value not in allowed:
        raise ControlError(f"Field '{name}' must be one of {', '.join(allowed)}.")
    return value
