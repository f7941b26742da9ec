"""ARM routes for guest patching and managed run commands, and their control endpoint
(`POST /_sandbox/vm-patches`). Imported by the server next to handlers.py."""

from __future__ import annotations

from typing import Any

from sandbox.arm import control, patches
from sandbox.arm.handlers import OPERATION_KINDS, VM, Ctx, _async_header, _lro_headers, _ok, route
from sandbox.arm.http import Request, Response
from sandbox.arm.ids import vm_id as _build_vm_id
from sandbox.arm.store import Store

OPERATION_KINDS["patch"] = patches.patch_operation_status
RUN_COMMANDS = "Microsoft.Compute/virtualMachines/runCommands"


def _vm(ctx: Ctx) -> str:
    return _build_vm_id(ctx.params["sub"], ctx.params["rg"], ctx.params["vm"])


def _body(ctx: Ctx) -> dict[str, Any]:
    body = ctx.req.json() if ctx.req.body else {}
    return body if isinstance(body, dict) else {}


def _patch_action(kind: str) -> Any:
    def handle(ctx: Ctx) -> Response:
        op = patches.begin_patch_operation(
            ctx.store, _vm(ctx), kind, _body(ctx), ctx.req.method, ctx.req.path
        )
        return _ok(None, 202, _lro_headers(ctx, op))

    return handle


for _kind in ("assessPatches", "installPatches"):
    route(VM + f"/{_kind}", "POST", f"Microsoft.Compute/virtualMachines/{_kind}/action")(
        _patch_action(_kind)
    )


@route(VM + r"/runCommands/(?P<name>[^/]+)", "PUT", f"{RUN_COMMANDS}/write")
def put_run_command(ctx: Ctx) -> Response:
    resource, op, created = patches.put_run_command(
        ctx.store, _vm(ctx), ctx.params["name"], _body(ctx), ctx.req.method, ctx.req.path
    )
    return _ok(resource, 201 if created else 200, _async_header(ctx, op))


@route(VM + r"/runCommands/(?P<name>[^/]+)", "GET", f"{RUN_COMMANDS}/read")
def get_run_command(ctx: Ctx) -> Response:
    expand = ctx.req.query.get("$expand", "").lower() == "instanceview"
    return _ok(patches.get_run_command(ctx.store, _vm(ctx), ctx.params["name"], expand))


@control.control("POST", "vm-patches")
def seed_vm_patches(store: Store, req: Request) -> Any:
    return patches.seed_patches(store, req.json())
