"""The identity's own permissions at a resource (Permissions - List For Resource, api-version
2022-04-01: `GET <resource id>/providers/Microsoft.Authorization/permissions`): one entry per
role assignment that applies there, each `{"actions", "not_actions"}`.

The publish reads them before it touches the source VM (activities/preflight.py), so a role
that lacks an action fails the run while the VM is as it was, instead of after a deallocate
it could not undo. Reading them is itself an action, `Microsoft.Authorization/permissions/
read` (Azure's operations list: "Lists all the permissions the caller has at a given scope").
"""

from __future__ import annotations

from typing import Any

from azure.core.rest import HttpRequest

from galleryflow.azure import actions as a
from galleryflow.azure._arm import azure_call
from galleryflow.azure.clients import compute_client

API_VERSION = "2022-04-01"


@a.requires(a.PERMISSIONS_READ)
def list_permissions(resource_id: str) -> list[dict[str, list[str]]]:
    """The permission entries at `resource_id` (a resource group or a resource in one)."""
    subscription = resource_id.split("/")[2] if resource_id.count("/") >= 2 else ""
    client = compute_client(subscription)
    url: str | None = f"{resource_id.rstrip('/')}/providers/Microsoft.Authorization/permissions"
    params: dict[str, Any] | None = {"api-version": API_VERSION}
    found: list[dict[str, list[str]]] = []
    with azure_call(resource_id):
        while url:
            response = client.send_request(HttpRequest("GET", url, params=params))
            response.raise_for_status()
            body = response.json()
            for entry in body.get("value") or []:
                found.append(
                    {
                        "actions": [str(x) for x in entry.get("actions") or []],
                        "not_actions": [str(x) for x in entry.get("notActions") or []],
                    }
                )
            url, params = body.get("nextLink"), None  # nextLink carries its own query
    return found
