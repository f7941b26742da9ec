"""VM-vs-definition compatibility: every mismatch is found, each with its code."""

from __future__ import annotations

from typing import Any

import pytest

from galleryflow.domain.compatibility import MAX_DISK_GB, Mismatch, source_mismatches

LINUX_GEN2_GENERALIZED = {"os_type": "Linux", "os_state": "Generalized", "hyper_v_generation": "V2"}


def vm(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "os_type": "Linux",
        "generalized": True,
        "hyper_v_generation": "V2",
        "disks": [{"name": "os", "size_gb": 30}],
    }
    return {**base, **fields}


def codes(found: list[Mismatch]) -> list[str]:
    return [m.code for m in found]


def test_a_matching_vm_has_no_mismatches() -> None:
    assert source_mismatches(vm(), LINUX_GEN2_GENERALIZED, generalize=False) == []


def test_case_differences_are_not_mismatches() -> None:
    found = source_mismatches(
        vm(os_type="linux", hyper_v_generation="v2"), LINUX_GEN2_GENERALIZED, generalize=False
    )
    assert found == []


def test_os_type_mismatch_names_both_sides() -> None:
    [found] = source_mismatches(vm(os_type="Windows"), LINUX_GEN2_GENERALIZED, generalize=False)
    assert found.code == "OsTypeMismatch"
    assert "Windows" in found.message and "Linux" in found.message


@pytest.mark.parametrize(
    ("os_state", "generalized", "generalize", "expected"),
    [
        ("Generalized", False, False, ["OsStateMismatch"]),
        ("Generalized", False, True, []),  # the run generalizes it
        ("Generalized", True, False, []),
        ("Specialized", False, False, []),
        ("Specialized", True, False, ["OsStateMismatch"]),
        ("Specialized", False, True, ["OsStateMismatch"]),  # would be generalized
    ],
)
def test_os_state(os_state: str, generalized: bool, generalize: bool, expected: list[str]) -> None:
    definition = {**LINUX_GEN2_GENERALIZED, "os_state": os_state}
    found = source_mismatches(vm(generalized=generalized), definition, generalize=generalize)
    assert codes(found) == expected


def test_generalized_definition_tells_how_to_fix_it() -> None:
    [found] = source_mismatches(vm(generalized=False), LINUX_GEN2_GENERALIZED, generalize=False)
    assert "generalize: true" in found.message


def test_hyper_v_generation_mismatch() -> None:
    [found] = source_mismatches(
        vm(hyper_v_generation="V1"), LINUX_GEN2_GENERALIZED, generalize=False
    )
    assert found == Mismatch("HyperVGenerationMismatch", "the VM is V1 but the definition is V2")


def test_every_disk_over_2_tb_is_reported_and_2_tb_itself_fits() -> None:
    disks = [
        {"name": "os", "size_gb": MAX_DISK_GB},
        {"name": "data1", "size_gb": MAX_DISK_GB + 1},
        {"name": "data2", "size_gb": 4095.5},
        {"name": "unknown", "size_gb": None},
    ]
    found = source_mismatches(vm(disks=disks), LINUX_GEN2_GENERALIZED, generalize=False)
    assert codes(found) == ["DiskTooLarge", "DiskTooLarge"]
    assert "data1 is 2049 GB" in found[0].message and "data2" in found[1].message


def test_unknown_fields_are_left_to_arm() -> None:
    bare_vm = {"os_type": None, "generalized": False, "hyper_v_generation": None}
    assert source_mismatches(bare_vm, {"os_state": "Specialized"}, generalize=False) == []


def test_all_mismatches_at_once_in_a_stable_order() -> None:
    bad = vm(
        os_type="Windows",
        generalized=False,
        hyper_v_generation="V1",
        disks=[{"name": "big", "size_gb": 5000}],
    )
    assert codes(source_mismatches(bad, LINUX_GEN2_GENERALIZED, generalize=False)) == [
        "OsTypeMismatch",
        "OsStateMismatch",
        "HyperVGenerationMismatch",
        "DiskTooLarge",
    ]


# --- security type, architecture, features (docs/azure-facts.md#q8) ---------------------


@pytest.mark.parametrize(
    ("vm_type", "feature", "ok"),
    [
        ("Standard", None, True),
        ("Standard", "TrustedLaunchSupported", True),
        ("Standard", "ConfidentialVM", False),
        ("Standard", "TrustedLaunch", False),
        ("TrustedLaunch", None, False),
        ("TrustedLaunch", "TrustedLaunch", True),
        ("TrustedLaunch", "trustedlaunchsupported", True),
        ("TrustedLaunch", "TrustedLaunchAndConfidentialVmSupported", True),
        ("TrustedLaunch", "ConfidentialVmSupported", False),
        ("ConfidentialVM", "ConfidentialVmSupported", True),
        ("ConfidentialVM", "TrustedLaunchSupported", False),
        ("SomethingNew", None, True),  # unknown to galleryflow: ARM decides
    ],
)
def test_security_type_against_the_definition_feature(
    vm_type: str, feature: str | None, ok: bool
) -> None:
    definition = {
        **LINUX_GEN2_GENERALIZED,
        "features": {"SecurityType": feature} if feature else {},
    }
    found = source_mismatches(vm(security_type=vm_type), definition, generalize=False)
    assert codes(found) == ([] if ok else ["SecurityTypeMismatch"])


def test_trusted_launch_without_the_feature_names_both_values_and_the_fix() -> None:
    [found] = source_mismatches(
        vm(security_type="TrustedLaunch"), LINUX_GEN2_GENERALIZED, generalize=False
    )
    assert "security type is TrustedLaunch" in found.message
    assert "no SecurityType feature (Standard)" in found.message
    assert "SecurityType=TrustedLaunchSupported" in found.message


def test_architecture_comes_from_the_os_disk_and_defaults_to_x64() -> None:
    [found] = source_mismatches(vm(architecture="Arm64"), LINUX_GEN2_GENERALIZED, generalize=False)
    assert found.code == "ArchitectureMismatch"
    assert "Arm64" in found.message and "x64" in found.message
    arm_def = {**LINUX_GEN2_GENERALIZED, "architecture": "Arm64"}
    assert source_mismatches(vm(architecture="Arm64"), arm_def, generalize=False) == []
    assert source_mismatches(vm(architecture=None), arm_def, generalize=False) == []


def test_nvme_needs_the_disk_controller_feature() -> None:
    nvme = vm(disk_controller_type="NVMe")
    assert codes(source_mismatches(nvme, LINUX_GEN2_GENERALIZED, generalize=False)) == [
        "DiskControllerMismatch"
    ]
    with_feature = {**LINUX_GEN2_GENERALIZED, "features": {"DiskControllerTypes": "SCSI, NVMe"}}
    assert source_mismatches(nvme, with_feature, generalize=False) == []
