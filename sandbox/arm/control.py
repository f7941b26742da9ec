"""The `/_sandbox/` control API: seed resources, clock, faults, quotas, principals, request log."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from sandbox.arm import auth, clock, faults, galleries, quotas, regions, settings, sources, vms
from sandbox.arm.errors import ControlError, ResourceNotFound
from sandbox.arm.http import Request, Response
from sandbox.arm.store import Store

ControlHandler = Callable[[Store, Request], Any]
_ROUTES: dict[tuple[str, str], ControlHandler] = {}


def control(method: str, path: str) -> Callable[[ControlHandler], ControlHandler]:
    def register(fn: ControlHandler) -> ControlHandler:
        _ROUTES[(method, path)] = fn
        return fn

    return register


def _spec(req: Request) -> dict[str, Any]:
    return req.json()


def _str(spec: dict[str, Any], name: str) -> str:
    value = spec.get(name)
    if not isinstance(value, str) or not value:
        raise ControlError(f"Field '{name}' is required and must be a non-empty string.")
    return value


@control("GET", "health")
def health(store: Store, req: Request) -> Any:
    return {"ok": True}


@control("GET", "clock")
def get_clock(store: Store, req: Request) -> Any:
    return store.clock.to_json()


def _finite(spec: dict[str, Any], name: str, low: float, high: float, meaning: str) -> float:
    value = spec[name]
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or not low <= value <= high:
        raise ControlError(f"'{name}' must be a number from {low:g} to {high:.0f} ({meaning}).")
    return float(value)


@control("POST", "clock")
def post_clock(store: Store, req: Request) -> Any:
    spec = _spec(req)
    known = {"now", "advance_seconds", "scale"}
    if not spec or not set(spec) <= known:
        raise ControlError("Send one of {'now': iso}, {'advance_seconds': n}, {'scale': f}.")
    # check every field before changing anything, so a refused request moves nothing
    target = None
    window = f"{clock.EARLIEST:%Y-%m-%d} and {clock.LATEST:%Y-%m-%d} (UTC)"
    if "now" in spec:
        try:
            target = clock.parse_iso(_str(spec, "now"))
        except ValueError:
            raise ControlError(
                f"'now' must be an ISO-8601 timestamp, got {spec['now']!r}."
            ) from None
        if not clock.EARLIEST <= target <= clock.LATEST:
            raise ControlError(f"'now' must lie between {window}, got {spec['now']!r}.")
    seconds = None
    if "advance_seconds" in spec:
        seconds = _finite(
            spec, "advance_seconds", 0, clock.MAX_ADVANCE_SECONDS, "seconds, at most 100 years"
        )
        start = max(store.clock.now(), target.timestamp() if target else 0.0)
        if start + seconds > clock.LATEST.timestamp():
            raise ControlError(
                f"'advance_seconds' would move the clock past {clock.LATEST:%Y-%m-%d}; the "
                f"simulated time must stay between {window}."
            )
    scale = None
    if "scale" in spec:
        scale = _finite(spec, "scale", 0, clock.MAX_SCALE, "simulated seconds per wall second")
    if target is not None:
        store.clock.move_to(target.timestamp())
    if seconds is not None:
        store.clock.advance(seconds)
    if scale is not None:
        store.clock.set_scale(scale)
    store.save()
    return store.clock.to_json()


@control("POST", "reset")
def reset(store: Store, req: Request) -> Any:
    spec = req.json() if req.body.strip() else {}
    clock = spec.get("clock", "keep")
    if clock not in ("keep", "wall"):
        raise ControlError("'clock' must be 'keep' (default) or 'wall' (fresh frozen clock).")
    store.reset(clock_to_wall=clock == "wall")
    return {"ok": True, "clock": store.clock.to_json()}


@control("GET", "settings")
def get_settings(store: Store, req: Request) -> Any:
    return store.settings


@control("POST", "settings")
def post_settings(store: Store, req: Request) -> Any:
    update = settings.checked(_spec(req))
    store.settings.update(update)
    store.save()
    return store.settings


@control("POST", "resource-groups")
def seed_resource_group(store: Store, req: Request) -> Any:
    spec = _spec(req)
    region = regions.lookup(_str(spec, "location"))
    if region is None:
        raise ControlError(f"Unknown region {spec['location']!r}.")
    record = galleries.ensure_resource_group(
        store, _str(spec, "subscription_id"), _str(spec, "name"), region.name
    )
    store.save()
    return record["body"]


def _with_location(spec: dict[str, Any]) -> dict[str, Any]:
    """A seed with an ARM body (`resource`) may leave its location to that body."""
    resource = spec.get("resource")
    if "location" not in spec and isinstance(resource, dict) and "location" in resource:
        return {**spec, "location": resource["location"]}
    return spec


def _ensure_rg(store: Store, spec: dict[str, Any]) -> None:
    region = regions.lookup(_str(spec, "location"))
    if region is None:
        raise ControlError(f"Unknown region {spec['location']!r}.")
    galleries.ensure_resource_group(
        store, _str(spec, "subscription_id"), _str(spec, "resource_group"), region.name
    )


def _seed_in_group(seed: Callable[[Store, dict[str, Any]], Any]) -> ControlHandler:
    """A seed endpoint that creates the resource group first (`POST /_sandbox/vms` etc.)."""

    def handler(store: Store, req: Request) -> Any:
        spec = _with_location(_spec(req))
        _ensure_rg(store, spec)
        return seed(store, spec)

    return handler


for _path, _seed in (
    ("vms", vms.seed_vm),
    ("scale-sets", vms.seed_scale_set),
    ("managed-images", sources.seed_managed_image),
    ("snapshots", sources.seed_snapshot),
):
    control("POST", _path)(_seed_in_group(_seed))


@control("POST", "galleries")
def seed_gallery(store: Store, req: Request) -> Any:
    spec = _spec(req)
    _ensure_rg(store, spec)
    body: dict[str, Any] = {"location": spec["location"], "tags": spec.get("tags") or {}}
    if spec.get("description"):
        body["properties"] = {"description": spec["description"]}
    record, _ = galleries.put_gallery(
        store, _str(spec, "subscription_id"), _str(spec, "resource_group"), _str(spec, "name"), body
    )
    store.save()
    return record["body"]


@control("POST", "image-definitions")
@control("POST", "images")
def seed_image(store: Store, req: Request) -> Any:
    spec = _spec(req)
    sub, rg, gallery = (
        _str(spec, "subscription_id"),
        _str(spec, "resource_group"),
        _str(spec, "gallery"),
    )
    parent = galleries.get_gallery(store, sub, rg, gallery)
    props: dict[str, Any] = {
        "osType": spec.get("os_type", "Linux"),
        "osState": spec.get("os_state", "Generalized"),
        "hyperVGeneration": spec.get("hyper_v_generation", "V2"),
        "identifier": {
            "publisher": spec.get("publisher", "galleryflow"),
            "offer": spec.get("offer", _str(spec, "name")),
            "sku": spec.get("sku", "default"),
        },
    }
    if spec.get("end_of_life_date"):
        props["endOfLifeDate"] = spec["end_of_life_date"]
    if spec.get("architecture"):
        props["architecture"] = spec["architecture"]
    features = spec.get("features") or {}
    if not isinstance(features, dict):
        raise ControlError("Field 'features' must be an object of {name: value}.")
    if features:
        props["features"] = [{"name": k, "value": str(v)} for k, v in features.items()]
    body = {"location": parent["location"], "properties": props}
    record, _ = galleries.put_image(store, sub, rg, gallery, _str(spec, "name"), body)
    store.save()
    return record["body"]


@control("POST", "quotas")
def post_quotas(store: Store, req: Request) -> Any:
    return quotas.set_limits(store, _spec(req))


@control("GET", "quotas")
def get_quotas(store: Store, req: Request) -> Any:
    return store.data["limits"]


@control("GET", "faults")
def list_faults(store: Store, req: Request) -> Any:
    return {"faults": store.data["faults"]}


@control("POST", "faults")
def post_fault(store: Store, req: Request) -> Any:
    return faults.add_fault(store, _spec(req))


@control("DELETE", "faults")
def clear_faults(store: Store, req: Request) -> Any:
    store.data["faults"] = []
    store.save()
    return {"faults": []}


@control("GET", "principals")
def list_principals(store: Store, req: Request) -> Any:
    # tokens are secrets: list principals by name only
    return {"principals": list(store.data["principals"].values())}


@control("POST", "principals")
def post_principal(store: Store, req: Request) -> Any:
    return auth.add_principal(store, _spec(req))


@control("GET", "requests")
def list_requests(store: Store, req: Request) -> Any:
    since = req.query.get("since", "0")
    if not since.isdigit():
        raise ControlError("'since' must be a non-negative integer (a request sequence number).")
    return {"requests": [r for r in store.requests if r["seq"] > int(since)]}


@control("GET", "state")
def dump_state(store: Store, req: Request) -> Any:
    return {key: value for key, value in store.data.items() if key != "principals"}


def handle(store: Store, req: Request) -> Response:
    name = req.path[len("/_sandbox/") :].strip("/")
    if req.method == "DELETE" and name.startswith("faults/"):
        fault_id = name.split("/", 1)[1]
        before = len(store.data["faults"])
        store.data["faults"] = [f for f in store.data["faults"] if str(f["id"]) != fault_id]
        if len(store.data["faults"]) == before:
            raise ResourceNotFound(f"No fault with id {fault_id!r}.")
        store.save()
        return Response(200, {"faults": store.data["faults"]})
    handler = _ROUTES.get((req.method, name))
    if handler is None:
        known = ", ".join(sorted(f"{m} /_sandbox/{p}" for m, p in _ROUTES))
        raise ResourceNotFound(f"Unknown control endpoint {req.method} {req.path}. Known: {known}.")
    result = handler(store, req)
    store.save()
    return Response(200, result)
