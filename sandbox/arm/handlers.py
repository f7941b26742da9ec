"""ARM routing: URL + method -> action, authorization, resource call, HTTP status and headers."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sandbox.arm import (
    auth,
    disks,
    faults,
    galleries,
    ids,
    operations,
    quotas,
    regions,
    resource_graph,
    sources,
    versions,
    vms,
)
from sandbox.arm.errors import (
    ArmError,
    InvalidResourceType,
    MethodNotAllowed,
    MissingApiVersionParameter,
    ResourceNotFound,
)
from sandbox.arm.http import Request, Response
from sandbox.arm.store import Store

SUB = r"/subscriptions/(?P<sub>[^/]+)"
RG = SUB + r"/resourceGroups/(?P<rg>[^/]+)"
PROV = r"/providers/Microsoft\.Compute"
GAL = RG + PROV + r"/galleries/(?P<gallery>[^/]+)"
IMG = GAL + r"/images/(?P<image>[^/]+)"
VM = RG + PROV + r"/virtualMachines/(?P<vm>[^/]+)"
LOC = SUB + PROV + r"/locations/(?P<loc>[^/]+)"


@dataclass
class Ctx:
    store: Store
    req: Request
    api_version: str
    params: dict[str, str]


Handler = Callable[[Ctx], Response]


@dataclass
class Route:
    pattern: re.Pattern[str]
    methods: dict[str, tuple[str | None, Handler]]  # method -> (ARM action or None, handler)


ROUTES: list[Route] = []


def route(path: str, method: str, action: str | None) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        pattern = re.compile(f"^{path}/?$", re.IGNORECASE)
        for existing in ROUTES:
            if existing.pattern.pattern == pattern.pattern:
                existing.methods[method] = (action, fn)
                return fn
        ROUTES.append(Route(pattern, {method: (action, fn)}))
        return fn

    return register


def _ok(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(status, body, headers or {})


def _listing(ctx: Ctx, items: list[Any]) -> Response:
    """A list answer, paged like ARM: `nextLink` carries a `$skiptoken` to the next page."""
    size = int(ctx.store.settings["page_size"])
    token = ctx.req.query.get("$skiptoken", "0")
    if not token.isdigit():
        raise ArmError(
            f"Invalid $skiptoken '{token}': follow nextLink as given.", code="InvalidParameter"
        )
    start = int(token)
    body: dict[str, Any] = {"value": items[start : start + size]}
    if start + size < len(items):
        query = urlencode({"api-version": ctx.api_version, "$skiptoken": start + size})
        body["nextLink"] = f"{ctx.req.base_url}{ctx.req.path}?{query}"
    return _ok(body)


def _lro_headers(ctx: Ctx, op: dict[str, Any]) -> dict[str, str]:
    headers = operations.urls(ctx.req.base_url, ctx.params["sub"], op, ctx.api_version)
    headers["Retry-After"] = str(int(ctx.store.settings["retry_after_seconds"]))
    return headers


def _simple_op(ctx: Ctx, target: str, location: str) -> dict[str, Any]:
    return operations.start_operation(
        ctx.store, "simple", target, location, ctx.req.method, ctx.req.path
    )


def _put_answer(ctx: Ctx, record: dict[str, Any], created: bool) -> Response:
    """A gallery or definition PUT: the resource as it is now, and an operation to poll."""
    op = _simple_op(ctx, ids.key(record["body"]["id"]), record["location"])
    galleries.begin_operation(record, op, "Creating" if created else "Updating")
    return _ok(record["body"], 201 if created else 200, _lro_headers(ctx, op))


def _patch_answer(ctx: Ctx, record: dict[str, Any]) -> Response:
    """A gallery or definition PATCH: 200 with `Updating` and an Azure-AsyncOperation to poll
    (as recorded from Azure, even when nothing changed)."""
    op = _simple_op(ctx, ids.key(record["body"]["id"]), record["location"])
    galleries.begin_operation(record, op, "Updating")
    return _ok(record["body"], 200, _async_header(ctx, op))


def _async_header(ctx: Ctx, op: dict[str, Any]) -> dict[str, str]:
    headers = _lro_headers(ctx, op)
    del headers["Location"]  # the SDK polls Azure-AsyncOperation, then GETs the resource
    return headers


def _delete_answer(
    ctx: Ctx, collection: str, resource_id: str, delete: Callable[[], bool]
) -> Response:
    """204 when there is nothing to delete, else 202 with an operation to poll. `delete`
    removes the resource (or raises why it cannot) and says whether it was there."""
    key = ids.key(resource_id)
    record = ctx.store.collection(collection).get(key)
    if record is None or not delete():
        return _ok(None, 204)
    op = _simple_op(ctx, key, record["location"])
    return _ok(None, 202, _lro_headers(ctx, op))


# -- resource groups ----------------------------------------------------------------------------
@route(
    SUB + r"/resourcegroups/(?P<rg>[^/]+)",
    "GET",
    "Microsoft.Resources/subscriptions/resourceGroups/read",
)
def get_resource_group(ctx: Ctx) -> Response:
    record = ctx.store.collection("resource_groups").get(
        ids.key(ids.rg_id(ctx.params["sub"], ctx.params["rg"]))
    )
    if record is None:
        raise ResourceNotFound(
            f"Resource group '{ctx.params['rg']}' could not be found.", code="ResourceGroupNotFound"
        )
    return _ok(record["body"])


@route(
    SUB + r"/resourcegroups/(?P<rg>[^/]+)",
    "PUT",
    "Microsoft.Resources/subscriptions/resourceGroups/write",
)
def put_resource_group(ctx: Ctx) -> Response:
    location = galleries.location_of(ctx.req.json())
    key = ids.key(ids.rg_id(ctx.params["sub"], ctx.params["rg"]))
    created = key not in ctx.store.collection("resource_groups")
    record = galleries.ensure_resource_group(
        ctx.store, ctx.params["sub"], ctx.params["rg"], location
    )
    return _ok(record["body"], 201 if created else 200)


# -- virtual machines ---------------------------------------------------------------------------
def _vm_id(ctx: Ctx) -> str:
    return ids.vm_id(ctx.params["sub"], ctx.params["rg"], ctx.params["vm"])


@route(SUB + PROV + r"/virtualMachines", "GET", "Microsoft.Compute/virtualMachines/read")
def list_all_vms(ctx: Ctx) -> Response:
    return _list_vms(ctx, f"/subscriptions/{ctx.params['sub']}/".lower())


def _rg_prefix(ctx: Ctx) -> str:
    """The store-key prefix of a resource group's resources; a missing group is 404
    ResourceGroupNotFound, as ARM answers a list in it."""
    galleries.require_resource_group(ctx.store, ctx.params["sub"], ctx.params["rg"])
    return ids.key(ids.rg_id(ctx.params["sub"], ctx.params["rg"])) + "/"


@route(RG + PROV + r"/virtualMachines", "GET", "Microsoft.Compute/virtualMachines/read")
def list_vms(ctx: Ctx) -> Response:
    return _list_vms(ctx, _rg_prefix(ctx))


def _list_vms(ctx: Ctx, prefix: str) -> Response:
    records = [r for k, r in sorted(ctx.store.collection("vms").items()) if k.startswith(prefix)]
    for record in records:
        vms.settle(ctx.store, record)
    return _listing(ctx, [vms.render_vm(ctx.store, r) for r in records])


@route(VM, "GET", "Microsoft.Compute/virtualMachines/read")
def get_vm(ctx: Ctx) -> Response:
    record = vms.get_vm(ctx.store, _vm_id(ctx))
    expand = ctx.req.query.get("$expand", "").lower()
    return _ok(
        vms.render_vm(
            ctx.store,
            record,
            instance_view=expand == "instanceview",
            user_data=expand == "userdata",
        )
    )


@route(VM + r"/instanceView", "GET", "Microsoft.Compute/virtualMachines/read")
def get_vm_instance_view(ctx: Ctx) -> Response:
    return _ok(vms.build_instance_view(ctx.store, vms.get_vm(ctx.store, _vm_id(ctx))))


def _vm_action(action: str) -> Handler:
    def handle(ctx: Ctx) -> Response:
        op = vms.begin_action(ctx.store, _vm_id(ctx), action, ctx.req.method, ctx.req.path)
        return _ok(None, 202, _lro_headers(ctx, op))

    return handle


for _action in vms.ACTIONS:
    route(VM + f"/{_action}", "POST", f"Microsoft.Compute/virtualMachines/{_action}/action")(
        _vm_action(_action)
    )


@route(SUB + PROV + r"/disks", "GET", "Microsoft.Compute/disks/read")
def list_all_disks(ctx: Ctx) -> Response:
    prefix = f"/subscriptions/{ctx.params['sub']}/".lower()
    return _listing(ctx, disks.list_disks(ctx.store, prefix))


@route(RG + PROV + r"/disks", "GET", "Microsoft.Compute/disks/read")
def list_disks(ctx: Ctx) -> Response:
    return _listing(ctx, disks.list_disks(ctx.store, _rg_prefix(ctx)))


@route(RG + PROV + r"/disks/(?P<disk>[^/]+)", "GET", "Microsoft.Compute/disks/read")
def get_disk(ctx: Ctx) -> Response:
    return _ok(disks.get_disk(ctx.store, ctx.params["sub"], ctx.params["rg"], ctx.params["disk"]))


@route(VM + r"/generalize", "POST", "Microsoft.Compute/virtualMachines/generalize/action")
def generalize_vm(ctx: Ctx) -> Response:
    vms.generalize(ctx.store, _vm_id(ctx))
    return _ok(None)


# -- scale sets ---------------------------------------------------------------------------------
def _list_scale_sets(ctx: Ctx, prefix: str) -> Response:
    items = ctx.store.collection("scale_sets").items()
    return _listing(ctx, [r["body"] for k, r in sorted(items) if k.startswith(prefix)])


@route(
    SUB + PROV + r"/virtualMachineScaleSets",
    "GET",
    "Microsoft.Compute/virtualMachineScaleSets/read",
)
def list_all_scale_sets(ctx: Ctx) -> Response:
    return _list_scale_sets(ctx, f"/subscriptions/{ctx.params['sub']}/".lower())


@route(
    RG + PROV + r"/virtualMachineScaleSets", "GET", "Microsoft.Compute/virtualMachineScaleSets/read"
)
def list_scale_sets(ctx: Ctx) -> Response:
    return _list_scale_sets(ctx, _rg_prefix(ctx))


@route(
    RG + PROV + r"/virtualMachineScaleSets/(?P<vmss>[^/]+)",
    "GET",
    "Microsoft.Compute/virtualMachineScaleSets/read",
)
def get_scale_set(ctx: Ctx) -> Response:
    rid = ids.scale_set_id(ctx.params["sub"], ctx.params["rg"], ctx.params["vmss"])
    record = ctx.store.collection("scale_sets").get(ids.key(rid))
    if record is None:
        raise ResourceNotFound(
            f"The Resource 'Microsoft.Compute/virtualMachineScaleSets/{ctx.params['vmss']}' under "
            f"resource group '{ctx.params['rg']}' was not found."
        )
    return _ok(record["body"])


# -- managed images and snapshots (version sources; seeded only) ------------------------------
@route(RG + PROV + r"/images/(?P<name>[^/]+)", "GET", "Microsoft.Compute/images/read")
def get_managed_image(ctx: Ctx) -> Response:
    p = ctx.params
    return _ok(sources.get(ctx.store, "managed_images", p["sub"], p["rg"], p["name"]))


@route(RG + PROV + r"/snapshots/(?P<name>[^/]+)", "GET", "Microsoft.Compute/snapshots/read")
def get_snapshot(ctx: Ctx) -> Response:
    p = ctx.params
    return _ok(sources.get(ctx.store, "snapshots", p["sub"], p["rg"], p["name"]))


# -- galleries ----------------------------------------------------------------------------------
def _g(ctx: Ctx) -> tuple[str, str, str]:
    return ctx.params["sub"], ctx.params["rg"], ctx.params["gallery"]


@route(SUB + PROV + r"/galleries", "GET", "Microsoft.Compute/galleries/read")
def list_all_galleries(ctx: Ctx) -> Response:
    return _listing(
        ctx, galleries.list_galleries(ctx.store, f"/subscriptions/{ctx.params['sub']}/".lower())
    )


@route(RG + PROV + r"/galleries", "GET", "Microsoft.Compute/galleries/read")
def list_galleries(ctx: Ctx) -> Response:
    return _listing(ctx, galleries.list_galleries(ctx.store, _rg_prefix(ctx)))


@route(GAL, "GET", "Microsoft.Compute/galleries/read")
def get_gallery(ctx: Ctx) -> Response:
    return _ok(galleries.get_gallery(ctx.store, *_g(ctx))["body"])


@route(GAL, "PUT", "Microsoft.Compute/galleries/write")
def put_gallery(ctx: Ctx) -> Response:
    record, created = galleries.put_gallery(ctx.store, *_g(ctx), ctx.req.json())
    return _put_answer(ctx, record, created)


@route(GAL, "PATCH", "Microsoft.Compute/galleries/write")
def patch_gallery(ctx: Ctx) -> Response:
    return _patch_answer(ctx, galleries.patch_gallery(ctx.store, *_g(ctx), ctx.req.json()))


@route(GAL, "DELETE", "Microsoft.Compute/galleries/delete")
def delete_gallery(ctx: Ctx) -> Response:
    return _delete_answer(
        ctx,
        "galleries",
        ids.gallery_id(*_g(ctx)),
        lambda: galleries.delete_gallery(ctx.store, *_g(ctx)),
    )


# -- image definitions --------------------------------------------------------------------------
def _i(ctx: Ctx) -> tuple[str, str, str, str]:
    return ctx.params["sub"], ctx.params["rg"], ctx.params["gallery"], ctx.params["image"]


@route(GAL + r"/images", "GET", "Microsoft.Compute/galleries/images/read")
def list_images(ctx: Ctx) -> Response:
    galleries.get_gallery(ctx.store, *_g(ctx))
    return _listing(ctx, galleries.list_images(ctx.store, ids.key(ids.gallery_id(*_g(ctx)))))


@route(IMG, "GET", "Microsoft.Compute/galleries/images/read")
def get_image(ctx: Ctx) -> Response:
    return _ok(galleries.get_image(ctx.store, *_i(ctx))["body"])


@route(IMG, "PUT", "Microsoft.Compute/galleries/images/write")
def put_image(ctx: Ctx) -> Response:
    record, created = galleries.put_image(ctx.store, *_i(ctx), ctx.req.json())
    return _put_answer(ctx, record, created)


@route(IMG, "PATCH", "Microsoft.Compute/galleries/images/write")
def patch_image(ctx: Ctx) -> Response:
    return _patch_answer(ctx, galleries.patch_image(ctx.store, *_i(ctx), ctx.req.json()))


@route(IMG, "DELETE", "Microsoft.Compute/galleries/images/delete")
def delete_image(ctx: Ctx) -> Response:
    return _delete_answer(
        ctx, "images", ids.image_id(*_i(ctx)), lambda: galleries.delete_image(ctx.store, *_i(ctx))
    )


# -- image versions -----------------------------------------------------------------------------
def _v(ctx: Ctx) -> tuple[str, str, str, str, str]:
    return (*_i(ctx), ctx.params["version"])


VER = IMG + r"/versions/(?P<version>[^/]+)"


def _expand(ctx: Ctx) -> bool:
    return "replicationstatus" in ctx.req.query.get("$expand", "").lower()


@route(IMG + r"/versions", "GET", "Microsoft.Compute/galleries/images/versions/read")
def list_versions(ctx: Ctx) -> Response:
    galleries.get_image(ctx.store, *_i(ctx))
    records = versions.list_versions(ctx.store, ids.key(ids.image_id(*_i(ctx))))
    return _listing(ctx, [versions.render(ctx.store, r) for r in records])


@route(VER, "GET", "Microsoft.Compute/galleries/images/versions/read")
def get_version(ctx: Ctx) -> Response:
    record = versions.get_version(ctx.store, *_v(ctx))
    return _ok(versions.render(ctx.store, record, expand=_expand(ctx)))


@route(VER, "PUT", "Microsoft.Compute/galleries/images/versions/write")
def put_version(ctx: Ctx) -> Response:
    record, created, op = versions.put_version(
        ctx.store,
        *_v(ctx),
        ctx.req.json(),
        ctx.req.method,
        ctx.req.path,
        authorization=ctx.req.headers.get("authorization"),
    )
    headers = _async_header(ctx, op)
    return _ok(versions.render(ctx.store, record), 201 if created else 200, headers)


@route(VER, "PATCH", "Microsoft.Compute/galleries/images/versions/write")
def patch_version(ctx: Ctx) -> Response:
    record = versions.get_version(ctx.store, *_v(ctx))
    body = ctx.req.json()
    props = body.get("properties") or {}
    if not isinstance(props, dict):
        raise ArmError("Property 'properties' must be an object.", code="InvalidParameter")
    versions.apply_update(ctx.store, record, props, tags=body.get("tags"))
    # like Azure (recorded traffic): 200 with an operation to poll, which follows replication
    op = operations.start_operation(
        ctx.store, "version", record["key"], record["location"], ctx.req.method, ctx.req.path
    )
    answer = versions.render(ctx.store, record)
    if answer["properties"]["provisioningState"] == "Succeeded":
        answer["properties"]["provisioningState"] = "Updating"  # the answer, as in Azure
    return _ok(answer, 200, _async_header(ctx, op))


@route(VER, "DELETE", "Microsoft.Compute/galleries/images/versions/delete")
def delete_version(ctx: Ctx) -> Response:
    return _delete_answer(
        ctx,
        "versions",
        ids.version_id(*_v(ctx)),
        lambda: versions.delete_version(ctx.store, *_v(ctx)),
    )


# -- usages and operations ----------------------------------------------------------------------
@route(LOC + r"/usages", "GET", "Microsoft.Compute/locations/usages/read")
def list_usages(ctx: Ctx) -> Response:
    region = regions.lookup(ctx.params["loc"])
    if region is None:
        raise ArmError(
            f"The location '{ctx.params['loc']}' is not a known Azure region. "
            "Use e.g. 'westeurope'.",
            code="InvalidParameter",
        )
    return _listing(ctx, quotas.usages(ctx.store, ctx.params["sub"], region.name))


# operation kind -> how a status poll advances it (modules with their own routes add theirs)
OPERATION_KINDS: dict[str, Callable[[Store, dict[str, Any]], None]] = {}


def _operation(ctx: Ctx) -> tuple[dict[str, Any], str, dict[str, Any] | None]:
    op = ctx.store.collection("operations").get(ctx.params["op"])
    if op is None:
        raise ResourceNotFound(
            f"Operation '{ctx.params['op']}' was not found.", code="OperationNotFound"
        )
    if op["final"] is None:
        if op["kind"] == "vm":
            vms.vm_operation_status(ctx.store, op)
        elif op["kind"] == "version":
            versions.version_operation_status(ctx.store, op)
        elif op["kind"] in OPERATION_KINDS:
            OPERATION_KINDS[op["kind"]](ctx.store, op)
        else:
            operations.simple_operation_status(ctx.store, op)
    final = op["final"]
    if final is None:
        return op, "InProgress", None
    return op, final["status"], final["error"]


# Status polls are authorized like Azure does: a principal without this action gets 403
# AuthorizationFailed on the poll (the operation itself still runs).
OPERATION_READ = "Microsoft.Compute/locations/operations/read"


@route(LOC + r"/operations/(?P<op>[^/]+)", "GET", OPERATION_READ)
def get_operation(ctx: Ctx) -> Response:
    op, status, error = _operation(ctx)
    headers = (
        {}
        if status in operations.TERMINAL
        else {"Retry-After": str(int(ctx.store.settings["retry_after_seconds"]))}
    )
    return _ok(operations.render(op, status, error), 200, headers)


@route(LOC + r"/operationResults/(?P<op>[^/]+)", "GET", OPERATION_READ)
def get_operation_result(ctx: Ctx) -> Response:
    op, status, error = _operation(ctx)
    if status not in operations.TERMINAL:
        headers = operations.urls(ctx.req.base_url, ctx.params["sub"], op, ctx.api_version)
        headers["Retry-After"] = str(int(ctx.store.settings["retry_after_seconds"]))
        del headers["Azure-AsyncOperation"]
        return _ok(None, 202, headers)
    if status != "Succeeded":
        return _ok({"error": error}, 400 if status == "Failed" else 409)
    return _ok(op.get("result"), 200)


# -- dispatch -----------------------------------------------------------------------------------
def resolve(method: str, path: str) -> tuple[str | None, Handler, dict[str, str]]:
    for candidate in ROUTES:
        match = candidate.pattern.match(path)
        if match:
            if method not in candidate.methods:
                allowed = ", ".join(sorted(candidate.methods))
                raise MethodNotAllowed(
                    f"The requested resource does not support http method '{method}'. "
                    f"Allowed: {allowed}."
                )
            action, handler = candidate.methods[method]
            return action, handler, match.groupdict()
    raise InvalidResourceType(
        f"The resource path '{path}' is not served by the emulator. It emulates resource groups, "
        "virtual machines, scale sets, managed disks, galleries, image definitions, image "
        "versions, usages and galleryflow's one Resource Graph query (see docs/sandbox-arm.md)."
    )


# -- Azure Resource Graph: galleryflow's one in-use query (resource_graph.py) ------------------
@route(r"/providers/Microsoft\.ResourceGraph/resources", "POST", resource_graph.ACTION)
def graph_query(ctx: Ctx) -> Response:
    return _ok(resource_graph.query(ctx.store, ctx.req.json()))


def _authorize(principal: dict[str, Any], action: str, req: Request) -> None:
    if action == resource_graph.ACTION:  # a tenant-level path: checked per subscription asked
        for sub in resource_graph.subscriptions(req.json()):
            auth.authorize(principal, action, f"/subscriptions/{sub}")
        return
    scope = re.sub(
        r"/(deallocate|start|powerOff|generalize|instanceView|installPatches|assessPatches"
        r"|runCommands(/[^/]+)?)$",
        "",
        req.path,
        flags=re.I,
    )
    auth.authorize(principal, action, scope)


def handle(store: Store, req: Request, log: dict[str, Any]) -> Response:
    """Serve one ARM request; `log` is filled with principal, action and api-version."""
    principal = auth.authenticate(store, req.headers.get("authorization"))
    log["principal"] = principal["name"]
    api_version = req.query.get("api-version")
    log["api_version"] = api_version
    if not api_version:
        raise MissingApiVersionParameter(
            "The api-version query parameter (?api-version=) is required for all requests."
        )
    action, handler, params = resolve(req.method, req.path)
    log["action"] = action
    auth.throttle(store, principal)
    rule = faults.take_http_fault(store, req.method, req.path, principal["name"])
    if rule is not None:
        log["fault"] = rule["id"]
        headers = dict(rule["headers"])
        if rule["retry_after"] is not None:
            headers["Retry-After"] = str(rule["retry_after"])
        if rule["status"] == 429:
            headers.setdefault(
                "x-ms-ratelimit-remaining-resource", "Microsoft.Compute/HighCostGet3Min;0"
            )
        raise ArmError(rule["message"], status=rule["status"], code=rule["code"], headers=headers)
    if action is not None:
        _authorize(principal, action, req)
    response = handler(Ctx(store, req, api_version, params))
    if action == "Microsoft.Compute/galleries/images/versions/write":
        versions.log_write(log, response.body)
    return response
