"""Every ARM action the gateway performs is declared once, in ARM_ACTIONS."""

from __future__ import annotations

import importlib
import inspect

import pytest

from galleryflow.azure import actions, compute

GATEWAY_MODULES = (
    "vms",
    "gallery",
    "version_writes",
    "version_updates",
    "usages",
    "inuse",
    "patching",
    "run_commands",
    "permissions",
)


def test_union_of_declared_actions_equals_arm_actions():
    for name in GATEWAY_MODULES:
        importlib.import_module(f"galleryflow.azure.{name}")
    declared = frozenset().union(*actions.DECLARED_ACTIONS.values())
    assert declared == actions.ARM_ACTIONS


def test_every_public_compute_function_declares_its_actions():
    public = [
        f"{obj.__module__}.{obj.__qualname__}"
        for name, obj in vars(compute).items()
        if inspect.isfunction(obj) and not name.endswith("_to_dict")
    ]
    assert public, "compute exports no functions"
    missing = [name for name in public if name not in actions.DECLARED_ACTIONS]
    assert missing == []


def test_undeclared_action_is_refused_at_import_time():
    with pytest.raises(ValueError, match="add them to ARM_ACTIONS"):
        actions.requires("Microsoft.Compute/virtualMachines/delete")


def _polls_a_long_running_operation(func: object) -> bool:
    # `begin_*(...).result()` waits through azure-core's poller; `polling=False` does not poll.
    # An operation handle polled by hand (patching.poll_patch_operation) reads its status too.
    source = inspect.getsource(inspect.unwrap(func))  # type: ignore[arg-type]
    waits = "begin_" in source and ".result()" in source and "polling=False" not in source
    return waits or ("send_request(" in source and "operation" in func.__name__)  # type: ignore[attr-defined]


def test_functions_that_wait_for_an_lro_declare_the_operation_status_read():
    for name in GATEWAY_MODULES:
        importlib.import_module(f"galleryflow.azure.{name}")
    functions = {f"{f.__module__}.{f.__qualname__}": f for f in _gateway_functions()}
    polling = {name for name, func in functions.items() if _polls_a_long_running_operation(func)}
    assert polling, "expected deallocate/start/powerOff/delete to wait for their operations"
    declaring = {n for n, acts in actions.DECLARED_ACTIONS.items() if actions.LRO_POLL in acts}
    assert declaring == polling


def test_every_action_states_the_scopes_it_is_performed_at():
    assert set(actions.ACTION_SCOPES) == actions.ARM_ACTIONS
    scopes = {actions.RESOURCE_GROUP, actions.SUBSCRIPTION}
    assert all(s and s <= scopes for s in actions.ACTION_SCOPES.values())
    assert actions.actions_at(actions.SUBSCRIPTION) >= {actions.LRO_POLL, actions.USAGES_READ}
    assert actions.LRO_POLL not in actions.actions_at(actions.RESOURCE_GROUP)
    assert (
        actions.actions_at(actions.RESOURCE_GROUP) | actions.actions_at(actions.SUBSCRIPTION)
        == actions.ARM_ACTIONS
    )
    with pytest.raises(ValueError, match="unknown scope"):
        actions.actions_at("tenant")


def _gateway_functions() -> list:
    found = []
    for name in GATEWAY_MODULES:
        module = importlib.import_module(f"galleryflow.azure.{name}")
        found += [
            obj
            for obj in vars(module).values()
            if inspect.isfunction(obj) and obj.__module__ == module.__name__
        ]
    return found
