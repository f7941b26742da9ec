"""Bearer tokens -> principals with allowed ARM actions (everywhere or per scope); 401/403 like
ARM; request throttle."""

from __future__ import annotations

import math
import time
import uuid
from fnmatch import fnmatchcase
from typing import Any

from sandbox.arm.errors import (
    AuthenticationFailed,
    AuthorizationFailed,
    ControlError,
    InvalidAuthenticationToken,
    TooManyRequests,
)
from sandbox.arm.store import Store


def authenticate(store: Store, authorization: str | None) -> dict[str, Any]:
    if not authorization:
        raise AuthenticationFailed(
            "Authentication failed. The 'Authorization' header is missing. Send 'Bearer <token>'."
        )
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed(
            "Authentication failed. The 'Authorization' header is not of the form 'Bearer <token>'."
        )
    principal = store.data["principals"].get(token.strip())
    if principal is None:
        raise InvalidAuthenticationToken(
            "The access token is invalid: it is not registered with the emulator. Register it with "
            "POST /_sandbox/principals or use the default token."
        )
    return principal


def _hit(action: str, patterns: list[str]) -> bool:
    return any(fnmatchcase(action.lower(), pattern.lower()) for pattern in patterns)


def covers(grant_scope: str, scope: str) -> bool:
    """A role assignment at `grant_scope` applies to it and everything below it."""
    outer, inner = grant_scope.rstrip("/").lower(), scope.rstrip("/").lower()
    return inner == outer or inner.startswith(outer + "/")


def allowed(principal: dict[str, Any], action: str, scope: str) -> bool:
    """Like Azure RBAC: any assignment (actions minus its not_actions) whose scope covers
    `scope`. Top-level `actions`/`not_actions` are one assignment that covers everything."""
    if _hit(action, principal["actions"]) and not _hit(action, principal.get("not_actions", [])):
        return True
    return any(
        covers(grant["scope"], scope)
        and _hit(action, grant["actions"])
        and not _hit(action, grant["not_actions"])
        for grant in principal.get("grants", [])
    )


def authorize(principal: dict[str, Any], action: str, scope: str) -> None:
    if not allowed(principal, action, scope):
        raise AuthorizationFailed(
            f"The client '{principal['name']}' with object id '{principal['object_id']}' does not "
            f"have authorization to perform action '{action}' over scope '{scope}' or the scope is "
            "invalid. If access was recently granted, please refresh your credentials."
        )


def throttle(store: Store, principal: dict[str, Any]) -> None:
    """Sliding wall-clock window per principal (`rate_limit: {requests, window_seconds}`)."""
    limit = principal.get("rate_limit")
    if not limit:
        return
    window = float(limit["window_seconds"])
    now = time.monotonic()
    hits = [t for t in store.throttle_windows.get(principal["name"], []) if now - t < window]
    if len(hits) >= int(limit["requests"]):
        wait = max(0, math.ceil(window - (now - hits[0])))
        store.throttle_windows[principal["name"]] = hits
        raise TooManyRequests(
            f"The request is being throttled: principal '{principal['name']}' exceeded "
            f"{limit['requests']} requests per {window:g} seconds. Retry after {wait} seconds.",
            headers={
                "Retry-After": str(wait),
                "x-ms-ratelimit-remaining-resource": "Microsoft.Compute/HighCostGet3Min;0",
            },
        )
    hits.append(now)
    store.throttle_windows[principal["name"]] = hits


PRINCIPAL_SHAPE = (
    "Send {'token': str, 'name': str, 'actions'?: [str], 'not_actions'?: [str], "
    "'grants'?: [{'scope': '/subscriptions/<id>[/resourceGroups/<rg>]', 'actions': [str], "
    "'not_actions'?: [str]}], 'rate_limit'?: {...}}: 'actions' apply everywhere, each grant "
    "only at and below its scope."
)


def _patterns(value: Any, field_name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(a, str) for a in value):
        raise ControlError(
            f"Field '{field_name}' must be a list of action patterns like 'Microsoft.Compute/*'."
        )
    return value


def _grants(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise ControlError(f"Field 'grants' must be a list. {PRINCIPAL_SHAPE}")
    grants = []
    for i, grant in enumerate(value):
        if not isinstance(grant, dict):
            raise ControlError(f"grants[{i}] must be an object. {PRINCIPAL_SHAPE}")
        scope = grant.get("scope")
        if not isinstance(scope, str) or not scope.lower().startswith("/subscriptions/"):
            raise ControlError(
                f"grants[{i}].scope must be an ARM scope like '/subscriptions/<id>' or "
                "'/subscriptions/<id>/resourceGroups/<rg>'."
            )
        grants.append(
            {
                "scope": scope.rstrip("/"),
                "actions": _patterns(grant.get("actions"), f"grants[{i}].actions"),
                "not_actions": _patterns(grant.get("not_actions", []), f"grants[{i}].not_actions"),
            }
        )
    return grants


def add_principal(store: Store, spec: Any) -> dict[str, Any]:
    if not isinstance(spec, dict):
        raise ControlError(PRINCIPAL_SHAPE)
    token, name = spec.get("token"), spec.get("name")
    if not isinstance(token, str) or not token or not isinstance(name, str) or not name:
        raise ControlError("Fields 'token' and 'name' are required non-empty strings.")
    if "actions" not in spec and "grants" not in spec:
        raise ControlError(f"Give 'actions', 'grants' or both. {PRINCIPAL_SHAPE}")
    actions = _patterns(spec.get("actions", []), "actions")
    not_actions = _patterns(spec.get("not_actions", []), "not_actions")
    grants = _grants(spec.get("grants", []))
    rate_limit = spec.get("rate_limit")
    if rate_limit is not None and not (
        isinstance(rate_limit, dict)
        and isinstance(rate_limit.get("requests"), int)
        and isinstance(rate_limit.get("window_seconds"), int | float)
        and rate_limit["requests"] > 0
        and rate_limit["window_seconds"] > 0
    ):
        raise ControlError(
            "Field 'rate_limit' must be {'requests': int > 0, 'window_seconds': number > 0}."
        )
    principal = {
        "name": name,
        "object_id": str(spec.get("object_id") or uuid.uuid5(uuid.NAMESPACE_OID, name)),
        "actions": actions,
        "not_actions": not_actions,
        "grants": grants,
        "rate_limit": rate_limit,
    }
    with store.lock:
        store.data["principals"][token] = principal
        store.save()
    return principal
