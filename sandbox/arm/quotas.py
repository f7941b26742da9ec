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
    """`{"limits": {...}, "in_use"?: {...}, "subscription_id"?: str, "region"?: str}`; omitted
    scope = everywhere. `in_use` counts resources the emulator does not hold (e.g. 9,950
    versions in other galleries of the subscription): usages and quota checks add them."""
    if not isinstance(spec, dict) or not isinstance(spec.get("limits"), dict):
        raise ControlError(
            "Send {'limits': {'galleries': n, ...}, 'in_use'?: {...}, 'subscription_id'?, "
            "'region'?}."
        )
    limits, in_use = spec["limits"], spec.get("in_use", {})
    if not isinstance(in_use, dict) or set(in_use) - set(USAGES):
        raise ControlError(f"'in_use' takes counts of {', '.join(USAGES)}.")
    for name, value in [*limits.items(), *in_use.items()]:
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
        if in_use:
            table.setdefault("in_use", {}).setdefault(scope, {}).update(in_use)
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
    held = sum(
        1
        for key, record in store.collection(collection).items()
        if key.startswith(prefix) and record["location"] == region
    )
    baseline = store.data["limits"].get("in_use", {})
    for scope in {_scope(sub, region), _scope(sub, "*"), _scope("*", region), "*|*"}:
        held += int(baseline.get(scope, {}).get(name, 0))
    return held


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
