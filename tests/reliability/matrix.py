"""The fault matrix (issue #15 item 8): every ARM operation the gateway declares
(galleryflow/azure/actions.DECLARED_ACTIONS) x every fault kind that applies to it, plus
whole-run scenarios. Each cell seeds its own VM and definition, injects its fault on the
emulator, runs a publish with auto-prune, and checks the invariants (invariants.py) on the
emulator's final state."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Any

import galleryflow.azure
from galleryflow.azure.actions import DECLARED_ACTIONS, LRO_POLL

VM = r"/virtualMachines/vm-{name}"
DEF = r"/images/{name}"
# How each declared gateway operation shows up on the wire: (method, path regex). Keys must
# equal DECLARED_ACTIONS (tests/reliability/test_matrix.py): a new gateway operation needs
# a line here, so the matrix can never silently miss it.
WIRE: dict[str, tuple[str, str]] = {
    "galleryflow.azure.vms.get_vm": ("GET", VM + "$"),
    "galleryflow.azure.vms.deallocate_vm": ("POST", VM + "/deallocate$"),
    "galleryflow.azure.vms.start_vm": ("POST", VM + "/start$"),
    "galleryflow.azure.vms.power_off_vm": ("POST", VM + "/powerOff$"),
    "galleryflow.azure.vms.generalize_vm": ("POST", VM + "/generalize$"),
    "galleryflow.azure.gallery.get_gallery": ("GET", r"/galleries/galDemo$"),
    "galleryflow.azure.gallery.get_image_definition": ("GET", DEF + "$"),
    "galleryflow.azure.gallery.get_version": ("GET", DEF + r"/versions/[^/]+$"),
    "galleryflow.azure.gallery.get_replication": ("GET", DEF + r"/versions/[^/]+$"),
    "galleryflow.azure.gallery.list_versions": ("GET", DEF + "/versions$"),
    "galleryflow.azure.inuse.count_image_references": (
        "GET",
        r"/providers/Microsoft.Compute/(virtualMachines|virtualMachineScaleSets|disks)$",
    ),
    "galleryflow.azure.inuse.find_image_references": (
        "GET",
        r"/providers/Microsoft.Compute/(virtualMachines|virtualMachineScaleSets|disks)$",
    ),
    "galleryflow.azure.resource_graph.count_image_references_graph": (
        "POST",
        r"/providers/Microsoft.ResourceGraph/resources$",
    ),
    "galleryflow.azure.usages.get_usages": ("GET", r"/locations/[^/]+/usages$"),
    "galleryflow.azure.version_writes.begin_create_version": ("PUT", DEF + "/versions/"),
    "galleryflow.azure.version_writes.delete_version": ("DELETE", DEF + "/versions/"),
    "galleryflow.azure.version_writes.set_exclude_from_latest": ("PATCH", DEF + "/versions/"),
    "galleryflow.azure.version_writes.set_target_regions": ("PATCH", DEF + "/versions/"),
    "galleryflow.azure.patching.begin_assess_patches": ("POST", VM + "/assessPatches$"),
    "galleryflow.azure.patching.begin_install_patches": ("POST", VM + "/installPatches$"),
    "galleryflow.azure.patching.poll_patch_operation": ("GET", r"/locations/[^/]+/operations/"),
    "galleryflow.azure.run_commands.begin_run_command": ("PUT", VM + "/runCommands/"),
    "galleryflow.azure.run_commands.get_run_command": ("GET", VM + "/runCommands/[^/]+$"),
    "galleryflow.azure.vms.get_disk": ("GET", r"/disks/[^/]+$"),
    "galleryflow.azure.version_updates.restore_safety": ("PATCH", DEF + "/versions/"),
    "galleryflow.azure.version_updates.set_end_of_life": ("PATCH", DEF + "/versions/"),
    "galleryflow.azure.permissions.list_permissions": (
        "GET",
        r"/vm-{name}/providers/Microsoft\.Authorization/permissions$",
    ),
}

# Fault kind -> emulator fault rule (docs/sandbox-arm.md#faults); `lro_failed` only for
# operations that start a long-running operation.
FAULTS: dict[str, dict[str, Any]] = {
    "429": {"kind": "http", "status": 429, "retry_after": 1, "times": 2},
    "500": {"kind": "http", "status": 500, "times": 2},
    "503": {"kind": "http", "status": 503, "times": 2},
    "409": {
        "kind": "http",
        "status": 409,
        "code": "OperationNotAllowed",
        "message": "Another operation on this resource is in progress.",
        "times": 1,
    },
    "reset": {"kind": "reset", "times": 1},
    "slow": {"kind": "delay", "seconds": 3, "times": 1},  # past the stack's 2 s read timeout
    "lro_failed": {"kind": "lro_outcome", "outcome": "Failed", "times": 1},
}
READ_TIMEOUT_SECONDS = 2


@dataclass(frozen=True)
class Cell:
    name: str  # short, [a-z0-9-]: also the VM and definition name
    title: str
    faults: tuple[dict[str, Any], ...] = ()
    options: dict[str, Any] = field(default_factory=dict)


def declared_operations() -> dict[str, frozenset[str]]:
    """DECLARED_ACTIONS with every gateway module imported (they register on import)."""
    for module in pkgutil.iter_modules(galleryflow.azure.__path__):
        importlib.import_module(f"galleryflow.azure.{module.name}")
    return dict(DECLARED_ACTIONS)


def options_for(operation: str) -> dict[str, Any]:
    """What the publish must do so the operation is on its path."""
    if operation.endswith("power_off_vm"):
        return {"power_state": "stopped"}
    if operation.endswith("generalize_vm"):
        return {"generalize": True}
    if ".patching." in operation:
        return {"patch": {}}  # install OS updates before capture (defaults)
    if ".run_commands." in operation:
        return {"patch": {}, "customize": {"script": "echo customized"}}
    if ".resource_graph." in operation:  # the in-use scan asks Resource Graph (app setting)
        return {"settings": {"GALLERYFLOW_INUSE_RESOURCE_GRAPH": "true"}}
    return {}


def cells() -> list[Cell]:
    found: list[Cell] = []
    operations = declared_operations()
    for index, operation in enumerate(sorted(operations)):
        method, path = WIRE[operation]
        # a long-running operation: it polls the operation status, is a version PUT/PATCH,
        # or is named begin_* (the Azure SDK's convention for LROs)
        lro = method != "GET" and (
            LRO_POLL in operations[operation]
            or method in ("PUT", "PATCH")
            or operation.rsplit(".", 1)[-1].startswith("begin_")
        )
        for kind, rule in FAULTS.items():
            if kind == "lro_failed" and not lro:
                continue
            name = f"c{index:02d}-{kind.replace('_', '')}"
            fault = {**rule, "path": path, "method": method}
            found.append(
                Cell(
                    name,
                    f"{operation.rsplit('.', 1)[-1]} x {kind}",
                    (fault,),
                    options_for(operation),
                )
            )
    found += [
        Cell(
            "s-region-failure",
            "a target region fails for good",
            ({"kind": "replication_failure", "region": "eastus"},),
        ),
        Cell(
            "s-region-once",
            "a target region fails once",
            ({"kind": "replication_failure", "region": "eastus", "times": 1},),
        ),
        Cell("s-quota-full", "the gallery quota is full (auto-prune makes room)", (), {"quota": 3}),
        Cell("s-concurrent", "two publishes of one definition at once", (), {"concurrent": 2}),
    ]
    return found


def kill_cells(commits: int, *, mirror: bool = False) -> list[Cell]:
    """SIGKILL of the host right after each history commit of a clean publish (capture,
    promotion and prune included): `commits` is how many a clean publish makes, measured by
    the runner (sandbox/host/crash_point.py). With `mirror`, of a publish with a mirror
    gallery (its `publish_mirrors` child's commits included)."""
    prefix, what = ("m", " of a mirrored publish") if mirror else ("k", "")
    options: dict[str, Any] = {"mirror": True} if mirror else {}
    return [
        Cell(
            f"{prefix}{n:03d}",
            f"SIGKILL after commit {n}/{commits}{what}",
            (),
            {**options, "kill_after": n},
        )
        for n in range(1, commits + 1)
    ]
