"""`GET <scope>/providers/Microsoft.Authorization/permissions` (Permissions - List For
Resource / List For Resource Group, api-version 2022-04-01): the caller's own permissions at
a resource group or a resource in one, one entry per role assignment that covers the scope
(its actions and notActions). Imported by the server next to handlers.py.

Its action is `Microsoft.Authorization/permissions/read` ("Lists all the permissions the
caller has at a given scope", Azure's resource provider operations list).
"""

from __future__ import annotations

from typing import Any

from sandbox.arm import auth
from sandbox.arm.handlers import RG, Ctx, _listing, route
from sandbox.arm.http import Response

PERMISSIONS = (
    r"(?P<scope>" + RG + r"(/providers/[^/]+/.+?)?)/providers/Microsoft\.Authorization/permissions"
)


def _entry(actions: list[str], not_actions: list[str]) -> dict[str, Any]:
    return {
        "actions": list(actions),
        "notActions": list(not_actions),
        "dataActions": [],
        "notDataActions": [],
    }


def permissions_at(principal: dict[str, Any], scope: str) -> list[dict[str, Any]]:
    """The entries `auth.allowed` would combine for `scope`."""
    found = []
    if principal.get("actions"):
        found.append(_entry(principal["actions"], principal.get("not_actions", [])))
    for grant in principal.get("grants", []):
        if auth.covers(grant["scope"], scope):
            found.append(_entry(grant["actions"], grant["not_actions"]))
    return found


@route(PERMISSIONS, "GET", "Microsoft.Authorization/permissions/read")
def list_permissions(ctx: Ctx) -> Response:
    principal = auth.authenticate(ctx.store, ctx.req.headers.get("authorization"))
    return _listing(ctx, permissions_at(principal, ctx.params["scope"]))
