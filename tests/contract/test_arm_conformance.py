"""Conformance: every official GalleryRP and ComputeRP example (tests/fixtures/arm-examples)
replayed against the emulator with a plain HTTPS client (requests + the emulator's CA).

Per example: preconditions are created through ARM itself where the emulator serves the PUT
(galleries, definitions, versions) and through the control API's short descriptions otherwise
(resource groups, VMs, scale sets, managed images, a policy-violation fault) — never with an
ARM body of the resource read back, so every compared path is one the emulator produced
(`Replayer.seed` subtracts the paths of any ARM body sent to the control API). Then the
example's request is sent and its answer compared (`sandbox.arm.examples.problems`); a
long-running operation is followed to `Succeeded`; and the same request against a missing
resource must answer 404 with the ARM error envelope.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests

from sandbox.arm import examples
from sandbox.arm.examples import Example

SUB = "8d0f1c5e-5a1b-4c2d-9e3f-0000000000c1"
RG = "myResourceGroup"
PLACEHOLDERS = {
    "{subscription-id}": SUB,
    "{subscriptionId}": SUB,
    "{resourceGroup}": RG,
    "{imageName}": "myImage",
    "{vmName}": "myVM",
    "{galleryName}": "mySourceGallery",
    "{imageDefinitionName}": "mySourceImage",
    "{versionName}": "1.0.0",
    "{myNIC}": "myNIC",
}
GALLERY_API = "2026-03-03"
ALL = {e.name: e for e in examples.load_examples()}
# Out of scope, with the reason (at most 2; docs/sandbox-arm.md says the same).
OUT_OF_SCOPE: dict[str, str] = {}
# the request parameter that, replaced by a missing name, must give 404 + the error envelope
NEGATIVE = {
    "Galleries_CreateOrUpdate": "resourceGroupName",
    "Galleries_Get": "galleryName",
    "Galleries_Update": "galleryName",
    "Galleries_ListByResourceGroup": "resourceGroupName",
    "GalleryImages_CreateOrUpdate": "galleryName",
    "GalleryImages_Get": "galleryImageName",
    "GalleryImages_Update": "galleryImageName",
    "GalleryImages_ListByGallery": "galleryName",
    "GalleryImageVersions_CreateOrUpdate": "galleryImageName",
    "GalleryImageVersions_Get": "galleryImageVersionName",
    "GalleryImageVersions_Update": "galleryImageVersionName",
    "GalleryImageVersions_ListByGalleryImage": "galleryImageName",
    "VirtualMachines_Get": "vmName",
    "VirtualMachines_InstanceView": "vmName",
    "VirtualMachines_Deallocate": "vmName",
    "VirtualMachines_PowerOff": "vmName",
    "VirtualMachines_Start": "vmName",
    "VirtualMachines_Generalize": "vmName",
    "VirtualMachines_List": "resourceGroupName",
    "VirtualMachineScaleSets_Get": "vmScaleSetName",
    "VirtualMachineScaleSets_List": "resourceGroupName",
}


class Replayer:
    """A plain HTTPS client of one emulator, with the preconditions the examples need."""

    def __init__(self, emulator: Any) -> None:
        self.emu = emulator
        self.session = requests.Session()
        self.ca = str(emulator.ca_file)
        self.session.headers["Authorization"] = f"Bearer {emulator.token}"
        self.seeded: set[str] = set()

    def arm(self, method: str, path: str, body: Any = None) -> requests.Response:
        return self.send(examples.Request(method, path, {"api-version": GALLERY_API}, body))

    def send(self, request: examples.Request) -> requests.Response:
        return examples.replay(self.session, self.emu.url, self.ca, request)

    def wait(self, response: requests.Response) -> str:
        """Poll the answer's operation to its end (moving simulated time); its final status."""
        url = response.headers["Azure-AsyncOperation"]
        for _ in range(100):
            status = str(self.session.get(url, verify=self.ca, timeout=30).json()["status"])
            if status in ("Succeeded", "Failed", "Canceled"):
                return status
            self.emu.control("POST", "clock", {"advance_seconds": 3600})
        raise AssertionError(f"operation {url} never ended")

    def put(self, path: str, body: Any) -> None:
        answer = self.arm("PUT", path, body)
        assert answer.status_code in (200, 201), answer.text
        assert self.wait(answer) == "Succeeded"

    def seed(self, kind: str, spec: dict[str, Any]) -> Any:
        for field in ("resource", "instance_view"):  # ARM bodies read back do not count
            if field in spec:
                prefix = "properties.instanceView." if field == "instance_view" else ""
                self.seeded |= {prefix + p for p in examples.property_paths(spec[field])}
        return self.emu.control("POST", kind, {"subscription_id": SUB, **spec})

    # -- preconditions ---------------------------------------------------------------------
    def gallery(self, name: str = "myGalleryName") -> str:
        self.seed("resource-groups", {"name": RG, "location": "westus"})
        path = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Compute/galleries"
        self.put(f"{path}/{name}", _request_body("Gallery_Create"))
        return f"{path}/{name}"

    def definition(self, name: str = "myGalleryImageName") -> str:
        path = f"{self.gallery()}/images/{name}"
        self.put(path, _request_body("GalleryImage_Create"))  # Windows, Generalized, V1
        return path

    def managed_image(self) -> None:
        self.seed(
            "managed-images",
            {"resource_group": RG, "name": "myImage", "location": "westus", "os_type": "Windows",
             "hyper_v_generation": "V1", "os_disk_size_gb": 10,
             "data_disks": [{"lun": 1, "size_gb": 10}]},
        )  # fmt: skip

    def flagged(self) -> None:
        """Azure's scan flags the next version (the examples show a reported violation)."""
        self.emu.control("POST", "faults", {"kind": "policy_violation", "times": 1})

    def version(self, name: str = "1.0.0", regions: tuple[str, ...] = ()) -> str:
        path = f"{self.definition()}/versions/{name}"
        self.managed_image()
        self.flagged()
        body = _request_body("GalleryImageVersion_Create")
        targets = body["properties"]["publishingProfile"]["targetRegions"]
        if regions:
            body["properties"]["publishingProfile"]["targetRegions"] = [
                t for t in targets if t["name"] in regions
            ]
        self.put(path, body)
        return path

    def vm(self, name: str, rg: str = "rgcompute", **spec: Any) -> None:
        self.seed(
            "vms",
            {"resource_group": rg, "name": name, "location": "eastus", **spec},
        )

    def scale_set(self, name: str, rg: str = "rgcompute", **spec: Any) -> None:
        self.seed(
            "scale-sets",
            {"resource_group": rg, "name": name, "location": "eastus", **spec},
        )


def _request_body(example: str) -> Any:
    e = ALL[example]
    body_name = examples.OPERATIONS[e.operation_id][2]
    assert body_name is not None
    return examples.substitute(e.parameters[body_name], PLACEHOLDERS)


def _page_size_one(r: Replayer) -> None:
    """The examples show `nextLink`: ARM pages, so two items on pages of one."""
    r.emu.control("POST", "settings", {"page_size": 1})


def _two_galleries(r: Replayer) -> None:
    r.gallery("myGalleryName")
    r.gallery("myOtherGallery")
    _page_size_one(r)


def _two_definitions(r: Replayer) -> None:
    gallery = r.gallery()
    for name in ("myGalleryImageName", "myOtherImage"):
        r.put(f"{gallery}/images/{name}", _request_body("GalleryImage_Create"))
    _page_size_one(r)


def _two_versions(r: Replayer) -> None:
    r.version("1.0.0")
    r.flagged()
    r.put(f"{r.definition()}/versions/1.0.1", _request_body("GalleryImageVersion_Create"))
    _page_size_one(r)


def _source_vm(r: Replayer) -> None:
    r.definition()
    r.vm("myVM", rg=RG, location="westus", os_type="Windows", hyper_v_generation="V1",
         power_state="deallocated", generalized=True, os_disk_size_gb=10,
         data_disks=[{"lun": 1, "size_gb": 10}])  # fmt: skip
    r.flagged()


def _source_version(r: Replayer) -> None:
    """The example copies mySourceGallery/mySourceImage 1.0.0 (placeholders): a version of a
    definition with the same OS type, state and generation, replicated in West US, where
    the copy is created (docs/azure-facts.md#q5; galleryflow's mirror galleries)."""
    r.definition()
    source = f"{r.gallery('mySourceGallery')}/images/mySourceImage"
    r.put(source, _request_body("GalleryImage_Create"))
    r.vm("mySourceVm", rg=RG, location="westus", os_type="Windows", hyper_v_generation="V1",
         power_state="deallocated", generalized=True, os_disk_size_gb=10,
         data_disks=[{"lun": 0, "size_gb": 10}, {"lun": 1, "size_gb": 10}])  # fmt: skip
    vm = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Compute/virtualMachines"
    r.put(
        f"{source}/versions/1.0.0",
        {
            "location": "West US",
            "properties": {
                "publishingProfile": {
                    "targetRegions": [{"name": "West US", "regionalReplicaCount": 1}]
                },
                "storageProfile": {"source": {"virtualMachineId": f"{vm}/mySourceVm"}},
            },
        },
    )
    r.flagged()


def _full_vm(r: Replayer, name: str) -> None:
    """A VM built with every optional relationship the VM_Get example shows."""
    r.vm(name, rg=RG, location="westus", os_type="Windows", tags={"myTag1": "tagValue1"},
         availability_set="my-AvailabilitySet", proximity_placement_group="my-ppg01",
         scale_set="myVmss", extensions=["CustomScriptExtension"], user_data="Example UserData",
         gallery_applications=[
             f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Compute/galleries/"
             f"myGallery1/applications/MyApplication1/versions/1.0"],
         data_disks=[{"lun": 0, "size_gb": 30}, {"lun": 1, "size_gb": 100}])  # fmt: skip


def _vm_named(state: str) -> Callable[[Replayer, Example], None]:
    def setup(r: Replayer, e: Example) -> None:
        r.vm(e.parameters["vmName"], power_state=state)

    return setup


def _two_vms(r: Replayer, e: Example) -> None:
    r.vm("vm1")
    r.vm("vm2")


SETUPS: dict[str, Callable[[Replayer, Example], None]] = {
    "Gallery_Create": lambda r, e: r.seed("resource-groups", {"name": RG, "location": "westus"}),
    "Gallery_Get": lambda r, e: r.gallery(),
    "Gallery_Update": lambda r, e: r.gallery(),
    "Gallery_Delete": lambda r, e: r.gallery(),
    "Gallery_ListByResourceGroup": lambda r, e: _two_galleries(r),
    "Gallery_ListBySubscription": lambda r, e: _two_galleries(r),
    "GalleryImage_Create": lambda r, e: r.gallery(),
    "GalleryImage_Get": lambda r, e: r.definition(),
    "GalleryImage_Update": lambda r, e: r.definition(),
    "GalleryImage_Delete": lambda r, e: r.definition(),
    "GalleryImage_ListByGallery": lambda r, e: _two_definitions(r),
    "GalleryImageVersion_Create": lambda r, e: (r.definition(), r.managed_image(), r.flagged()),
    "GalleryImageVersion_Create_WithShallowReplicationMode": (
        lambda r, e: (r.definition(), r.managed_image(), r.flagged())
    ),
    "GalleryImageVersion_Create_WithVmAsSource": lambda r, e: _source_vm(r),
    "GalleryImageVersion_Create_WithImageVersionAsSource": lambda r, e: _source_version(r),
    "GalleryImageVersion_Get": lambda r, e: r.version(),
    "GalleryImageVersion_Get_WithReplicationStatus": lambda r, e: r.version(),
    "GalleryImageVersion_ListByGalleryImage": lambda r, e: _two_versions(r),
    # the PATCH adds East US (ZRS) to a version replicated to West US only
    "GalleryImageVersion_Update": lambda r, e: r.version(regions=("West US",)),
    "GalleryImageVersion_Update_WithoutSourceId": lambda r, e: r.version(regions=("West US",)),
    "GalleryImageVersion_Delete": lambda r, e: r.version(),
    "VirtualMachine_Get": lambda r, e: _full_vm(r, "myVM"),
    "VirtualMachine_Get_InstanceView": lambda r, e: _full_vm(r, "myVM"),
    "VirtualMachine_Deallocate_MaximumSet_Gen": _vm_named("running"),
    "VirtualMachine_Deallocate_MinimumSet_Gen": _vm_named("running"),
    "VirtualMachine_PowerOff_MaximumSet_Gen": _vm_named("running"),
    "VirtualMachine_PowerOff_MinimumSet_Gen": _vm_named("running"),
    "VirtualMachine_Start_MaximumSet_Gen": _vm_named("deallocated"),
    "VirtualMachine_Start_MinimumSet_Gen": _vm_named("deallocated"),
    "VirtualMachine_Generalize": lambda r, e: r.vm("myVMName", rg=RG, power_state="deallocated"),
    "VirtualMachine_List_MinimumSet_Gen": _two_vms,
    "VirtualMachine_ListAll_MinimumSet_Gen": _two_vms,
    "VirtualMachineScaleSet_Get": lambda r, e: r.scale_set(
        "myVirtualMachineScaleSet",
        rg=RG,
        location="westus",
        tags={"myTag1": "tagValue1"},
        host_group="myHostGroup",
        user_data="Example UserData",
        gallery_applications=[
            f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/"
            "Microsoft.Compute/galleries/myGallery1/applications/app/versions/1.0"
        ],
    ),
    "VirtualMachineScaleSet_List_MinimumSet_Gen": lambda r, e: (r.scale_set("a"), r.scale_set("b")),
    "VirtualMachineScaleSet_ListAll_MinimumSet_Gen": lambda r, e: r.scale_set("a"),
    "Usage_List_MaximumSet_Gen": lambda r, e: _page_size_one(r),
    "Usage_List_MinimumSet_Gen": lambda r, e: None,
}
# Generated (_Gen) examples carry fuzzed placeholder values; these are replaced by real ones
PARAMETER_FIXES = {
    "Usage_List_MaximumSet_Gen": {"location": "westus"},  # was "4_."
    "Usage_List_MinimumSet_Gen": {"location": "westus"},  # was "_--"
}


def _expected_status(e: Example) -> int:
    method = examples.OPERATIONS[e.operation_id][0]
    if e.operation_id == "VirtualMachines_Generalize":
        return 200
    return {"PUT": 201, "DELETE": 202, "POST": 202}.get(method, 200)


def test_every_example_has_a_replay() -> None:
    assert set(ALL) == set(SETUPS) | set(OUT_OF_SCOPE)
    assert len(OUT_OF_SCOPE) <= 2
    assert len(ALL) == 37


@pytest.mark.parametrize("name", sorted(ALL))
def test_example_conforms(arm_emulator: Any, name: str) -> None:
    if name in OUT_OF_SCOPE:
        pytest.skip(OUT_OF_SCOPE[name])
    example = ALL[name]
    replayer = Replayer(arm_emulator)
    SETUPS[name](replayer, example)
    parameters = examples.substitute(example.parameters, PLACEHOLDERS)
    parameters.update(PARAMETER_FIXES.get(name, {}))
    request = examples.request_of(example, parameters)
    answer = replayer.send(request)
    assert answer.status_code == _expected_status(example), answer.text
    assert examples.problems(example, answer, replayer.seeded) == []
    if "Azure-AsyncOperation" in answer.headers:
        assert replayer.wait(answer) == "Succeeded"
    negative = NEGATIVE.get(example.operation_id)
    if negative is not None:
        missing = examples.request_of(example, {**parameters, negative: "doesNotExist"})
        refused = replayer.send(missing)
        assert examples.error_problems(refused, 404) == [], refused.text
