"""Per-subscription, per-region gallery quotas: limits (configurable) and current usage."""

from __future__ import annotations

from typing import Any

from sandbox.arm.errors import ControlError, QuotaExceeded
from sandbox.arm.store import DEFAULT_LIMITS, Store

# limit name -> (store collection, usage name.value, usage name.localizedValue)
USAGES: dict[str, tuple[str, str, str]] = {
    "galleries": ("galleries", "Gallery", "Galleries"),
    "image_definitions": ("images", "GalleryImage", "Gallery Images"),
    "image_versions": ("versions", "GalleryImageVersion", "Gallery Image Versions"),
}


def set_limits(store: Store, spec: Any) -> dict[str, Any]:
    """`{"limits": {...}, "subscription_id"?: str, "region"?: str}`; omitted scope = everywhere."""
    if not isinstance(spec, dict) or not isinstance(spec.get("limits"), dict):
        raise ControlError("Send {'limits': {'galleries': n, ...}, 'subscription_id'?, 'region'?}.")
    limits = spec["limits"]
    for name, value in limits.items():
        if name not in DEFAULT_LIMITS:
            raise ControlError(f"Unknown limit {name!r}; known: {', '.join(DEFAULT_LIMITS)}.")
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ControlError(f"Limit {name!r} must be a non-negative integer.")
    scope = _scope(str(spec.get("subscription_id") or "*"), str(spec.get("region") or "*"))
    with store.lock:
        table = store.data["limits"]
        if scope == "*|*":
            table["default"].update(limits)
        else:
            table["overrides"].setdefault(scope, {}).update(limits)
        store.save()
        return dict(table)


def _scope(sub: str, region: str) -> str:
    return f"{sub.lower()}|{region.replace(' ', '').lower()}"


def limit(store: Store, name: str, sub: str, region: str) -> int:
    table = store.data["limits"]
    for scope in (_scope(sub, region), _scope(sub, "*"), _scope("*", region)):
        if name in table["overrides"].get(scope, {}):
            return int(table["overrides"][scope][name])
    # a state saved before a limit existed falls back to its default
    return int(table["default"].get(name, DEFAULT_LIMITS[name]))


def current(store: Store, name: str, sub: str, region: str) -> int:
    collection = USAGES[name][0]
    prefix = f"/subscriptions/{sub.lower()}/"
    return sum(
        1
        for key, record in store.collection(collection).items()
        if key.startswith(prefix) and record["location"] == region
    )


def check(store: Store, name: str, sub: str, region: str) -> None:
    """Refuse one more resource of kind `name` when the region is at its limit."""
    maximum = limit(store, name, sub, region)
    if current(store, name, sub, region) + 1 > maximum:
        label = USAGES[name][1]
        raise QuotaExceeded(
            f"Operation results in exceeding quota limits of {label}. Maximum allowed: {maximum}, "
            f"current usage: {current(store, name, sub, region)} in region '{region}' of "
            f"subscription '{sub}'. Delete unused resources or raise the limit."
        )


def usages(store: Store, sub: str, region: str) -> list[dict[str, Any]]:
    return [
        {
            "unit": "Count",
            "currentValue": current(store, name, sub, region),
            "limit": limit(store, name, sub, region),
            "name": {"value": value, "localizedValue": localized},
        }
        for name, (_, value, localized) in USAGES.items()
    ]
