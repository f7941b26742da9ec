"""Mirror galleries in the domain (galleryflow/domain/mirrors.py, failure_rule.py): request
rules, the preflight's definition checks, the tags rollback and prune read, the failure rule."""

from __future__ import annotations

from typing import Any

import pytest

from galleryflow.domain.failure_rule import mirror_outcome
from galleryflow.domain.mirrors import (
    MirrorFailurePolicy,
    home_region_problem,
    mirror_mismatches,
    mirror_tags,
    targets_from_tags,
)
from galleryflow.domain.request import RequestValidationError, parse_publish_request

SUB = "00000000-0000-0000-0000-0000000000d0"
OTHER = "11111111-0000-4000-8000-000000000001"
BASE: dict[str, Any] = {
    "source_vm_id": f"/subscriptions/{SUB}/resourceGroups/rg-build/providers/"
    "Microsoft.Compute/virtualMachines/vm",
    "gallery": {"resource_group": "rg-images", "name": "galProd"},
    "image_definition": "ubuntu",
    "target_regions": [{"name": "westeurope"}, {"name": "northeurope"}],
    "production": False,
}
MIRROR = {
    "gallery": {"subscription_id": OTHER, "resource_group": "rg-dr", "name": "galDr"},
    "target_regions": [{"name": "North Europe"}],
}


def _problems(**fields: Any) -> list[dict[str, str]]:
    with pytest.raises(RequestValidationError) as raised:
        parse_publish_request({**BASE, **fields})
    return raised.value.to_dicts()


def test_a_mirror_is_canonical_with_the_primarys_defaults() -> None:
    request = parse_publish_request({**BASE, "mirrors": [MIRROR]})
    (mirror,) = request.mirrors
    assert mirror.image_definition == "ubuntu"
    assert mirror.target_regions[0].name == "northeurope"
    assert mirror.rollout.mode.value == "canary"
    assert mirror.on_failure is MirrorFailurePolicy.WARN
    assert parse_publish_request(request.to_dict()) == request
    same_sub = parse_publish_request(
        {**BASE, "mirrors": [{**MIRROR, "gallery": {"resource_group": "rg-dr", "name": "g"}}]}
    )
    assert same_sub.mirrors[0].gallery.subscription_id == SUB  # the primary gallery's
    for_mirror = request.for_mirror(mirror)
    assert for_mirror.definition_id == mirror.definition_id and for_mirror.mirrors == ()


def test_mirror_problems_name_their_paths() -> None:
    own = {"gallery": BASE["gallery"], "target_regions": [{"name": "northeurope"}]}
    twice = [MIRROR, MIRROR]
    waves = {**MIRROR, "rollout": {"mode": "waves", "waves": [["eastus"]]}}
    assert _problems(mirrors=[own])[0]["path"] == "$.mirrors[0]"
    assert "same image definition as mirror 0" in _problems(mirrors=twice)[0]["message"]
    assert _problems(mirrors=[waves])[0]["path"] == "$.mirrors[0].rollout.waves[0][0]"
    bad_region = {**MIRROR, "target_regions": [{"name": "westeurop"}]}
    assert _problems(mirrors=[bad_region])[0]["path"] == "$.mirrors[0].target_regions[0].name"
    shallow = _problems(mirrors=[MIRROR], replication_mode="Shallow")
    assert any("cannot be mirrored" in p["message"] for p in shallow)
    tags = {f"t{i}": "x" for i in range(45)}  # the most a request may have
    dr2 = {**MIRROR, "image_definition": "other"}
    assert any("50 tags" in p["message"] for p in _problems(mirrors=[MIRROR, dr2], tags=tags))


DEFINITION = {
    "os_type": "Linux",
    "os_state": "Specialized",
    "hyper_v_generation": "V2",
    "features": {"SecurityType": "TrustedLaunchSupported"},
}
VM = {"os_type": "Linux", "security_type": "TrustedLaunch", "architecture": "x64"}


def test_mirror_definition_must_match_the_primary_and_take_the_source() -> None:
    assert mirror_mismatches(VM, DEFINITION, dict(DEFINITION)) == []
    found = mirror_mismatches(
        VM,
        DEFINITION,
        {**DEFINITION, "os_state": "Generalized", "architecture": "Arm64", "features": {}},
    )
    assert [m.code for m in found] == [
        "OsStateMismatch",
        "SecurityTypeMismatch",  # TrustedLaunch needs a SecurityType feature that takes it
        "ArchitectureMismatch",
    ]
    assert found[1].message.startswith("mirror definition: ")
    assert home_region_problem("North Europe", ["westeurope", "northeurope"]) is None
    problem = home_region_problem("eastus", ["westeurope"])
    assert problem is not None and "add eastus to the primary's target_regions" in problem


def test_tags_name_each_mirror_and_read_back_once() -> None:
    request = parse_publish_request({**BASE, "mirrors": [MIRROR]})
    tags = mirror_tags(request.mirrors)
    assert tags == {"galleryflow.mirror.1": request.mirrors[0].definition_id}
    found = targets_from_tags([tags, {**tags, "team": "x"}, {"galleryflow.mirror.1": "junk"}])
    assert found == [
        {
            "gallery": {"subscription_id": OTHER, "resource_group": "rg-dr", "name": "galDr"},
            "definition": "ubuntu",
        }
    ]


def test_a_failed_mirror_is_a_warning_and_fails_the_run_only_when_asked() -> None:
    definition = (
        f"/subscriptions/{OTHER}/resourceGroups/rg/providers/Microsoft.Compute"
        "/galleries/galDr/images/u"
    )
    warn = mirror_outcome(0, definition, MirrorFailurePolicy.WARN, "ReplicationFailed", "boom")
    assert warn.warning.startswith("mirror 1 (galDr/images/u) failed, the primary stays live")
    assert not warn.fail_run
    assert mirror_outcome(0, definition, MirrorFailurePolicy.FAIL, "X", "y").fail_run
