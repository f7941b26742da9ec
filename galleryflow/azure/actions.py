"""Every ARM action the gateway performs, declared in one place.

Each gateway function states the actions it needs with `@requires(...)`; a contract test
checks that the union of those declarations equals `ARM_ACTIONS`. Each action also states the
scope(s) the gateway performs it at (`ACTION_SCOPES`): the least-privilege custom roles in
infra/ are exactly `actions_at(RESOURCE_GROUP)` (assigned on the gallery's and the source VMs'
resource groups) and `actions_at(SUBSCRIPTION)` (assigned on their subscriptions).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

VM_READ = "Microsoft.Compute/virtualMachines/read"
VM_DEALLOCATE = "Microsoft.Compute/virtualMachines/deallocate/action"
VM_START = "Microsoft.Compute/virtualMachines/start/action"
VM_POWER_OFF = "Microsoft.Compute/virtualMachines/powerOff/action"
VM_GENERALIZE = "Microsoft.Compute/virtualMachines/generalize/action"
VM_INSTALL_PATCHES = "Microsoft.Compute/virtualMachines/installPatches/action"
VM_ASSESS_PATCHES = "Microsoft.Compute/virtualMachines/assessPatches/action"
RUN_COMMAND_WRITE = "Microsoft.Compute/virtualMachines/runCommands/write"
RUN_COMMAND_READ = "Microsoft.Compute/virtualMachines/runCommands/read"
VMSS_READ = "Microsoft.Compute/virtualMachineScaleSets/read"
# The source VM's OS disk: its architecture (x64/Arm64) is only there (preflight); and the
# subscription-wide disk list: an OS disk names the version it was made from (images in use).
DISK_READ = "Microsoft.Compute/disks/read"
# Azure Resource Graph (GALLERYFLOW_INUSE_RESOURCE_GRAPH): the one in-use query, checked at
# each subscription it asks about.
RESOURCE_GRAPH_READ = "Microsoft.ResourceGraph/resources/read"
GALLERY_READ = "Microsoft.Compute/galleries/read"
IMAGE_READ = "Microsoft.Compute/galleries/images/read"
VERSION_READ = "Microsoft.Compute/galleries/images/versions/read"
VERSION_WRITE = "Microsoft.Compute/galleries/images/versions/write"
VERSION_DELETE = "Microsoft.Compute/galleries/images/versions/delete"
USAGES_READ = "Microsoft.Compute/locations/usages/read"
# The identity's own permissions at the source VM and the definition, read by the preflight
# before it touches the VM ("Lists all the permissions the caller has at a given scope").
PERMISSIONS_READ = "Microsoft.Authorization/permissions/read"
# azure-core's pollers GET /subscriptions/<id>/providers/Microsoft.Compute/locations/<region>/
# operations/<id> (and .../operationResults/<id>) until a long-running operation ends.
LRO_POLL = "Microsoft.Compute/locations/operations/read"

# Where an action is performed: inside a resource group (gallery, source VMs) or on paths
# that live outside any resource group (subscription-wide lists, usages, operation status).
RESOURCE_GROUP = "resourceGroup"
SUBSCRIPTION = "subscription"

ACTION_SCOPES: dict[str, frozenset[str]] = {
    VM_READ: frozenset({RESOURCE_GROUP, SUBSCRIPTION}),  # get_vm; list_all (images in use)
    VM_DEALLOCATE: frozenset({RESOURCE_GROUP}),
    VM_START: frozenset({RESOURCE_GROUP}),
    VM_POWER_OFF: frozenset({RESOURCE_GROUP}),
    VM_GENERALIZE: frozenset({RESOURCE_GROUP}),
    VM_INSTALL_PATCHES: frozenset({RESOURCE_GROUP}),
    VM_ASSESS_PATCHES: frozenset({RESOURCE_GROUP}),
    RUN_COMMAND_WRITE: frozenset({RESOURCE_GROUP}),
    RUN_COMMAND_READ: frozenset({RESOURCE_GROUP}),
    VMSS_READ: frozenset({SUBSCRIPTION}),  # list_all (images in use)
    DISK_READ: frozenset({RESOURCE_GROUP, SUBSCRIPTION}),  # source VM's OS disk; list (in use)
    RESOURCE_GRAPH_READ: frozenset({SUBSCRIPTION}),  # the in-use query (when enabled)
    GALLERY_READ: frozenset({RESOURCE_GROUP}),
    IMAGE_READ: frozenset({RESOURCE_GROUP}),
    VERSION_READ: frozenset({RESOURCE_GROUP}),
    VERSION_WRITE: frozenset({RESOURCE_GROUP}),
    VERSION_DELETE: frozenset({RESOURCE_GROUP}),
    USAGES_READ: frozenset({SUBSCRIPTION}),
    PERMISSIONS_READ: frozenset({RESOURCE_GROUP}),
    LRO_POLL: frozenset({SUBSCRIPTION}),
}

ARM_ACTIONS: frozenset[str] = frozenset(ACTION_SCOPES)


def actions_at(scope: str) -> frozenset[str]:
    """The actions the gateway performs at `scope` (RESOURCE_GROUP or SUBSCRIPTION)."""
    if scope not in (RESOURCE_GROUP, SUBSCRIPTION):
        raise ValueError(f"unknown scope {scope!r}: use {RESOURCE_GROUP!r} or {SUBSCRIPTION!r}")
    return frozenset(action for action, scopes in ACTION_SCOPES.items() if scope in scopes)


# "<module>.<function>" -> the actions that function performs.
DECLARED_ACTIONS: dict[str, frozenset[str]] = {}

F = TypeVar("F", bound=Callable[..., object])


def requires(*actions: str) -> Callable[[F], F]:
    """Record the ARM actions a gateway function performs (checked against ARM_ACTIONS)."""
    unknown = set(actions) - ARM_ACTIONS
    if unknown:
        raise ValueError(f"undeclared ARM actions {sorted(unknown)}: add them to ARM_ACTIONS")

    def register(func: F) -> F:
        DECLARED_ACTIONS[f"{func.__module__}.{func.__qualname__}"] = frozenset(actions)
        return func

    return register
