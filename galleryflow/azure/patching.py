"""Guest patching of a VM (installPatches, assessPatches) as operations the orchestrator
waits for with durable timers: `begin_*` starts one and returns a handle (its status URLs)
at once; `poll_patch_operation` looks once and returns the result when it ended.

Facts: docs/azure-facts.md Q7 (long-running, 202 + Location/Azure-AsyncOperation; result
models VirtualMachineInstallPatchesResult / VirtualMachineAssessPatchesResult).
"""

from __future__ import annotations

from typing import Any

from azure.core.polling import PollingMethod
from azure.core.rest import HttpRequest
from azure.mgmt.compute.models import (
    VirtualMachineAssessPatchesResult,
    VirtualMachineInstallPatchesParameters,
    VirtualMachineInstallPatchesResult,
)

from galleryflow.azure import actions as a
from galleryflow.azure._arm import azure_call, parse_vm_id, raw
from galleryflow.azure.clients import compute_client, current_settings
from galleryflow.azure.errors import GatewayError

INSTALL = "installPatches"
ASSESS = "assessPatches"
_RESULT_MODELS = {
    INSTALL: VirtualMachineInstallPatchesResult,
    ASSESS: VirtualMachineAssessPatchesResult,
}


class _Handoff(PollingMethod[Any]):
    """Keeps the operation's status URLs from the 202 and lets the SDK return at once."""

    def __init__(self) -> None:
        self.urls: dict[str, str] = {}

    def initialize(self, client: Any, initial_response: Any, deserialization_callback: Any) -> None:
        headers = initial_response.http_response.headers
        for name in ("Location", "Azure-AsyncOperation"):
            if headers.get(name):
                self.urls[name] = str(headers[name])

    def run(self) -> None:
        return None

    def status(self) -> str:
        return "InProgress"

    def finished(self) -> bool:
        return True

    def resource(self) -> Any:
        return None


def _handle(vm_id: str, kind: str, handoff: _Handoff) -> dict[str, Any]:
    if not handoff.urls:
        raise GatewayError(
            "NoOperation", f"{kind} answered without an operation to poll", resource=vm_id
        )
    return {"vm_id": vm_id, "kind": kind, "urls": handoff.urls}


@a.requires(a.VM_INSTALL_PATCHES)
def begin_install_patches(vm_id: str, parameters: dict[str, Any]) -> dict[str, Any]:
    """Start installPatches (`parameters` is its REST body); returns the operation handle."""
    sub, rg, name = parse_vm_id(vm_id)
    handoff = _Handoff()
    with azure_call(vm_id):
        compute_client(sub).virtual_machines.begin_install_patches(
            rg, name, VirtualMachineInstallPatchesParameters(parameters), polling=handoff
        )
    return _handle(vm_id, INSTALL, handoff)


@a.requires(a.VM_ASSESS_PATCHES)
def begin_assess_patches(vm_id: str) -> dict[str, Any]:
    """Start assessPatches; returns the operation handle."""
    sub, rg, name = parse_vm_id(vm_id)
    handoff = _Handoff()
    with azure_call(vm_id):
        compute_client(sub).virtual_machines.begin_assess_patches(rg, name, polling=handoff)
    return _handle(vm_id, ASSESS, handoff)


@a.requires(a.LRO_POLL)
def poll_patch_operation(handle: dict[str, Any]) -> dict[str, Any]:
    """Look at the operation once: {"done": False} while it runs, else {"done": True,
    "result": the result as REST JSON}. A failed operation raises its error."""
    vm_id, kind = str(handle["vm_id"]), str(handle["kind"])
    sub = parse_vm_id(vm_id)[0]
    urls = handle.get("urls") or {}
    url = str(urls.get("Location") or urls.get("Azure-AsyncOperation") or "")
    endpoint = current_settings().arm_endpoint.rstrip("/")
    if not url.startswith(endpoint + "/") or kind not in _RESULT_MODELS:
        raise GatewayError("InvalidHandle", "not an operation of the ARM endpoint", resource=vm_id)
    client = compute_client(sub)
    with azure_call(vm_id):
        response = client.send_request(HttpRequest("GET", url))
        response.raise_for_status()
    if response.status_code == 202:
        return {"done": False}
    body = response.json() if response.content else {}
    if "Location" not in urls:  # an Azure-AsyncOperation status document
        if body.get("status") in ("InProgress", "Running", None):
            return {"done": False}
        if body.get("status") != "Succeeded":
            error = body.get("error") or {}
            raise GatewayError(
                str(error.get("code") or "OperationFailed"),
                str(error.get("message") or f"{kind} ended {body.get('status')}"),
                resource=vm_id,
            )
        body = (body.get("properties") or {}).get("output") or body
    return {"done": True, "result": raw(_RESULT_MODELS[kind](body))}
