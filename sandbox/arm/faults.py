"""Scriptable, seeded fault rules: HTTP errors, replication failures, slow regions, LRO outcomes."""

from __future__ import annotations

import random
import re
from typing import Any

from sandbox.arm import regions
from sandbox.arm.errors import ControlError
from sandbox.arm.store import Store

KINDS = (
    "http",
    "replication_failure",
    "slow_region",
    "lro_outcome",
    "policy_violation",
    "reset",
    "delay",
)
# Faults of the connection itself (server.py applies them): `reset` drops the request
# unanswered (TCP RST, nothing done), `delay` does it and answers `seconds` later (wall).
WIRE_KINDS = ("reset", "delay")
# GalleryRP's PolicyViolationCategory values
VIOLATION_CATEGORIES = ("Other", "ImageFlaggedUnsafe", "CopyrightValidation", "IpTheft")

_DEFAULT_CODES = {
    400: "BadRequest",
    409: "OperationNotAllowed",
    429: "TooManyRequests",
    500: "InternalServerError",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}


def _check_regex(spec: dict[str, Any], name: str) -> None:
    value = spec.get(name)
    if value is None:
        return
    if not isinstance(value, str):
        raise ControlError(f"Fault field '{name}' must be a regular expression string.")
    try:
        re.compile(value)
    except re.error as exc:
        raise ControlError(
            f"Fault field '{name}' is not a valid regular expression: {exc}."
        ) from None


def _check_region(spec: dict[str, Any]) -> str:
    name = spec.get("region")
    if not isinstance(name, str) or regions.lookup(name) is None:
        raise ControlError(
            f"Fault field 'region' must name a known region (e.g. 'westeurope'), got {name!r}."
        )
    return regions.normalize(name)


def add_fault(store: Store, spec: Any) -> dict[str, Any]:
    """Validate a rule and append it; returns the stored rule with its id."""
    if not isinstance(spec, dict):
        raise ControlError("A fault must be a JSON object; see docs/sandbox-arm.md#faults.")
    kind = spec.get("kind", "http")
    if kind not in KINDS:
        raise ControlError(f"Fault 'kind' must be one of {', '.join(KINDS)}, got {kind!r}.")
    rule: dict[str, Any] = {"kind": kind, "hits": 0}
    times = spec.get("times")
    if times is not None and (not isinstance(times, int) or isinstance(times, bool) or times < 1):
        raise ControlError("Fault field 'times' must be a positive integer (omit it for 'always').")
    rule["times"] = times
    probability = spec.get("probability", 1.0)
    if not isinstance(probability, int | float) or not 0 < probability <= 1:
        raise ControlError("Fault field 'probability' must be a number in (0, 1].")
    rule["probability"] = float(probability)
    for name in ("path", "version"):
        _check_regex(spec, name)
    if kind in ("http", "lro_outcome", *WIRE_KINDS):
        method = spec.get("method")
        if method is not None and not isinstance(method, str):
            raise ControlError("Fault field 'method' must be an HTTP method like 'PUT'.")
        rule.update(
            method=method.upper() if method else None,
            path=spec.get("path"),
            principal=spec.get("principal"),
        )
    if kind == "http":
        status = spec.get("status")
        if not isinstance(status, int) or not 400 <= status <= 599:
            raise ControlError("An http fault needs 'status' between 400 and 599.")
        retry_after = spec.get("retry_after")
        if retry_after is not None and (not isinstance(retry_after, int) or retry_after < 0):
            raise ControlError(
                "Fault field 'retry_after' must be a non-negative integer (seconds)."
            )
        headers = spec.get("headers", {})
        if not isinstance(headers, dict):
            raise ControlError("Fault field 'headers' must be an object of header -> value.")
        rule.update(
            status=status,
            code=str(spec.get("code") or _DEFAULT_CODES.get(status, "InjectedFault")),
            message=str(spec.get("message") or f"Injected fault: HTTP {status}."),
            retry_after=retry_after,
            headers={str(k): str(v) for k, v in headers.items()},
        )
    elif kind == "lro_outcome":
        outcome = spec.get("outcome", "Failed")
        if outcome not in ("Failed", "Canceled"):
            raise ControlError("An lro_outcome fault needs 'outcome': 'Failed' or 'Canceled'.")
        rule.update(
            outcome=outcome,
            code=str(
                spec.get("code")
                or ("OperationCanceled" if outcome == "Canceled" else "InternalOperationError")
            ),
            message=str(spec.get("message") or f"Injected fault: the operation ended {outcome}."),
        )
    elif kind == "reset":
        pass  # nothing but where it applies (method, path) and how often
    elif kind == "delay":
        seconds = spec.get("seconds", 5)
        if (
            not isinstance(seconds, int | float)
            or isinstance(seconds, bool)
            or not 0 < seconds <= 60
        ):
            raise ControlError("A delay fault needs 'seconds' in (0, 60] (wall-clock seconds).")
        rule["seconds"] = float(seconds)
    elif kind == "replication_failure":
        rule.update(
            region=_check_region(spec),
            version=spec.get("version"),
            details=str(
                spec.get("details") or "Injected fault: replication to this region failed."
            ),
        )
    elif kind == "policy_violation":
        category = spec.get("category", "ImageFlaggedUnsafe")
        if category not in VIOLATION_CATEGORIES:
            raise ControlError(
                f"A policy_violation fault needs 'category' in {', '.join(VIOLATION_CATEGORIES)}."
            )
        rule.update(
            version=spec.get("version"),
            category=category,
            details=str(spec.get("details") or "Injected fault: the image was flagged."),
        )
    else:
        factor = spec.get("factor", 10)
        if not isinstance(factor, int | float) or factor <= 0:
            raise ControlError(
                "A slow_region fault needs a positive 'factor' (duration multiplier)."
            )
        rule.update(region=_check_region(spec), factor=float(factor))
    with store.lock:
        rule["id"] = store.data["next_fault_id"]
        store.data["next_fault_id"] += 1
        store.data["faults"].append(rule)
        store.save()
    return rule


def _fires(store: Store, rule: dict[str, Any]) -> bool:
    """Consume one use of `rule` if it fires now (seeded coin for probability < 1)."""
    if rule["times"] is not None and rule["hits"] >= rule["times"]:
        return False
    if rule["probability"] < 1.0:
        coin = random.Random(f"{store.data['seed']}:{rule['id']}:{rule.get('tries', 0)}")
        rule["tries"] = rule.get("tries", 0) + 1
        if coin.random() >= rule["probability"]:
            return False
    rule["hits"] += 1
    return True


def _matches(rule: dict[str, Any], method: str, path: str, principal: str | None) -> bool:
    if rule.get("method") and rule["method"] != method:
        return False
    if rule.get("path") and not re.search(rule["path"], path, re.IGNORECASE):
        return False
    return not (rule.get("principal") and rule["principal"] != principal)


def _take(
    store: Store, kind: str, method: str, path: str, principal: str | None
) -> dict[str, Any] | None:
    """The first rule of `kind` that matches the request and fires (firing counts it)."""
    for rule in store.data["faults"]:
        if rule["kind"] == kind and _matches(rule, method, path, principal) and _fires(store, rule):
            return rule
    return None


def take_http_fault(
    store: Store, method: str, path: str, principal: str | None
) -> dict[str, Any] | None:
    return _take(store, "http", method, path, principal)


def take_wire_fault(store: Store, method: str, path: str) -> dict[str, Any] | None:
    """A `reset` or `delay` rule that fires for this request (server.py applies it)."""
    for kind in WIRE_KINDS:
        rule = _take(store, kind, method, path, None)
        if rule is not None:
            return rule
    return None


def take_lro_outcome(store: Store, method: str, path: str) -> dict[str, Any] | None:
    return _take(store, "lro_outcome", method, path, None)


def take_replication_failure(store: Store, region: str, version_id: str) -> str | None:
    for rule in store.data["faults"]:
        if rule["kind"] != "replication_failure" or rule["region"] != region:
            continue
        if rule.get("version") and not re.search(rule["version"], version_id, re.IGNORECASE):
            continue
        if _fires(store, rule):
            return str(rule["details"])
    return None


def slow_factor(store: Store, region: str) -> float:
    factor = 1.0
    for rule in store.data["faults"]:
        if rule["kind"] == "slow_region" and rule["region"] == region:
            factor *= rule["factor"]
    return factor


def take_policy_violations(store: Store, version_id: str) -> list[dict[str, str]]:
    """The violations Azure's scan reports for a new version (`policy_violation` faults)."""
    found = []
    for rule in store.data["faults"]:
        if rule["kind"] != "policy_violation":
            continue
        if rule.get("version") and not re.search(rule["version"], version_id, re.IGNORECASE):
            continue
        if _fires(store, rule):
            found.append({"category": rule["category"], "details": rule["details"]})
    return found
