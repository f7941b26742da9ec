"""Every ARM action the gateway performs is declared once, in ARM_ACTIONS."""

from __future__ import annotations

import importlib
import inspect

import pytest

from galleryflow.azure import actions, compute

GATEWAY_MODULES = ("vms", "gallery", "usages", "inuse")


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
