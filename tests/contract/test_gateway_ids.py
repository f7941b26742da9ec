"""VM resource ids are parsed strictly before any call goes to ARM."""

from __future__ import annotations

import pytest

from galleryflow.azure._arm import parse_vm_id
from galleryflow.azure.errors import InvalidRequest

VM = "/subscriptions/sub-1/resourceGroups/rg-build/providers/Microsoft.Compute/virtualMachines/vm-1"


def test_a_vm_id_gives_subscription_group_and_name() -> None:
    assert parse_vm_id(VM) == ("sub-1", "rg-build", "vm-1")
    assert parse_vm_id(VM.lower() + "/") == ("sub-1", "rg-build", "vm-1")


@pytest.mark.parametrize(
    "bad",
    [
        "",
        VM + "\n",
        VM.replace("vm-1", "vm 1"),
        VM + "/extensions/x",
        "x" + VM,
        VM.replace("virtualMachines", "virtualMachineScaleSets"),
    ],
)
def test_anything_else_is_refused_with_the_expected_shape(bad: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        parse_vm_id(bad)
    assert "expected /subscriptions/<sub>/resourceGroups/<rg>" in str(refused.value.message)
