"""Before a publish touches its source VM: does galleryflow's role allow everything the run
will do to the VM and the image definition? (The preflight calls this; it changes nothing.)

A lacking action refuses the run while the VM is as it was (docs/pipeline.md "The failure
rule": a deallocate that the run cannot undo would otherwise strand the VM). Only actions at
the VM and the definition are checked: subscription-wide ones (operation status, usages, the
in-use scan) are not visible at a resource. When the permissions cannot be read, the run goes
on with a warning and the step that lacks an action fails as before.
"""

from __future__ import annotations

from galleryflow.azure import actions as a
from galleryflow.azure.errors import GatewayError
from galleryflow.azure.permissions import list_permissions
from galleryflow.domain.permissions import missing
from galleryflow.domain.request import PublishRequest

# What the capture and promotion write on the definition (deletes are for prune and
# cleanup only: their failure never strands the VM).
DEFINITION_ACTIONS = frozenset({a.VERSION_READ, a.VERSION_WRITE})


def vm_actions(request: PublishRequest, power_state: str) -> set[str]:
    """What a publish does to its source VM: stop it for the capture and bring it back as it
    was, plus the optional steps."""
    patch, customize = request.patch is not None, request.customize is not None
    needed = {a.VM_READ, a.VM_DEALLOCATE}
    if power_state != "deallocated" or patch or customize:
        needed.add(a.VM_START)  # back to running; patches and run commands need it running
    if power_state == "stopped":
        needed.add(a.VM_POWER_OFF)
    if request.generalize:
        needed.add(a.VM_GENERALIZE)
    if patch:
        needed |= {a.VM_ASSESS_PATCHES, a.VM_INSTALL_PATCHES}
    if customize:
        needed |= {a.RUN_COMMAND_WRITE, a.RUN_COMMAND_READ}
    return needed


def role_problems(
    request: PublishRequest, power_state: str, definition_id: str
) -> tuple[str | None, str | None]:
    """(why the run must not start, or None; a warning, or None). Each mirror definition
    needs the definition's actions too (the copy, its rollout and prune write there)."""
    lacking: list[str] = []
    try:
        for scope, needed in (
            (request.source_vm_id, vm_actions(request, power_state)),
            (definition_id, DEFINITION_ACTIONS),
            *((m.definition_id, DEFINITION_ACTIONS) for m in request.mirrors),
        ):
            entries = list_permissions(scope)
            lacking += [f"{action} on {scope}" for action in missing(needed, entries)]
    except GatewayError as exc:
        return None, f"galleryflow's role was not checked ({exc.code}: {exc.message})"
    if not lacking:
        return None, None
    return (
        "galleryflow's identity lacks " + "; ".join(lacking) + ": add the actions to its role "
        "(infra/ defines it) and publish again; the source VM was not touched",
        None,
    )
