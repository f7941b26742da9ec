"""Every ARM action the gateway performs, declared in one place.

Each gateway function states the actions it needs with `@requires(...)`; a contract test
checks that the union of those declarations equals `ARM_ACTIONS`. The infra engineer builds
the least-privilege custom role from `ARM_ACTIONS`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

VM_READ = "Microsoft.Compute/virtualMachines/read"
VM_DEALLOCATE = "Microsoft.Compute/virtualMachines/deallocate/action"
VM_START = "Microsoft.Compute/virtualMachines/start/action"
VM_POWER_OFF = "Microsoft.Compute/virtualMachines/powerOff/action"
VM_GENERALIZE = "Microsoft.Compute/virtualMachines/generalize/action"
VMSS_READ = "Microsoft.Compute/virtualMachineScaleSets/read"
GALLERY_READ = "Microsoft.Compute/galleries/read"
IMAGE_READ = "Microsoft.Compute/galleries/images/read"
VERSION_READ = "Microsoft.Compute/galleries/images/versions/read"
VERSION_WRITE = "Microsoft.Compute/galleries/images/versions/write"
VERSION_DELETE = "Microsoft.Compute/galleries/images/versions/delete"
USAGES_READ = "Microsoft.Compute/locations/usages/read"

ARM_ACTIONS: frozenset[str] = frozenset(
    {
        VM_READ,
        VM_DEALLOCATE,
        VM_START,
        VM_POWER_OFF,
        VM_GENERALIZE,
        VMSS_READ,
        GALLERY_READ,
        IMAGE_READ,
        VERSION_READ,
        VERSION_WRITE,
        VERSION_DELETE,
        USAGES_READ,
    }
)

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
