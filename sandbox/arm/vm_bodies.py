"""ARM bodies of seeded VMs and scale sets: generated from the control API's short description
(complete enough for the property paths of the ComputeRP examples), or taken from a real ARM
body the caller passes as `resource` / `instance_view`, of which the emulator then owns only
what it manages: ids, provisioning and power state, timestamps and the disks it tracks.
"""

from __future__ import annotations

import base64
import copy
import uuid
from typing import Any

from sandbox.arm import ids
from sandbox.arm.errors import ControlError

MARKETPLACE = {
    "Linux": {
        "publisher": "Canonical",
        "offer": "0001-com-ubuntu-server-jammy",
        "sku": "22_04-lts-gen2",
        "version": "latest",
    },
    "Windows": {
        "publisher": "MicrosoftWindowsServer",
        "offer": "WindowsServer",
        "sku": "2022-datacenter-azure-edition",
        "version": "latest",
    },
}
# known extensions: name -> (publisher, type, typeHandlerVersion)
EXTENSIONS = {
    "CustomScriptExtension": ("Microsoft.Compute", "CustomScriptExtension", "1.10"),
    "CustomScript": ("Microsoft.Azure.Extensions", "CustomScript", "2.1"),
    "AzureMonitorLinuxAgent": ("Microsoft.Azure.Monitor", "AzureMonitorLinuxAgent", "1.33"),
    "AzureMonitorWindowsAgent": ("Microsoft.Azure.Monitor", "AzureMonitorWindowsAgent", "1.31"),
}


def _names(spec: dict[str, Any], field: str) -> list[str]:
    value = spec.get(field) or []
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ControlError(f"Field '{field}' must be a list of non-empty strings.")
    return value


def _optional_str(spec: dict[str, Any], field: str) -> str | None:
    value = spec.get(field)
    if value is not None and (not isinstance(value, str) or not value):
        raise ControlError(f"Field '{field}' must be a non-empty string when given.")
    return value


def _rg_resource(rg_id: str, kind: str, name: str) -> str:
    return f"{rg_id}/providers/{kind}/{name}"


def extension(vm_id: str, location: str, name: str) -> dict[str, Any]:
    publisher, kind, version = EXTENSIONS.get(name, ("Microsoft.Compute", name, "1.0"))
    return {
        "name": name,
        "id": f"{vm_id}/extensions/{name}",
        "type": "Microsoft.Compute/virtualMachines/extensions",
        "location": location,
        "tags": {},
        "properties": {
            "autoUpgradeMinorVersion": True,
            "provisioningState": "Succeeded",
            "publisher": publisher,
            "type": kind,
            "typeHandlerVersion": version,
            "settings": {},
        },
    }


def application_profile(spec: dict[str, Any]) -> dict[str, Any] | None:
    """`gallery_applications`: gallery application version ids, installed in that order."""
    apps = _names(spec, "gallery_applications")
    if not apps:
        return None
    return {
        "galleryApplications": [
            {
                "packageReferenceId": app,
                "order": index + 1,
                "tags": "",
                "configurationReference": "",
                "treatFailureAsDeploymentFailure": False,
                "enableAutomaticUpgrade": False,
            }
            for index, app in enumerate(apps)
        ]
    }


def os_configuration(os_type: str) -> tuple[str, dict[str, Any]]:
    if os_type == "Windows":
        return "windowsConfiguration", {
            "provisionVMAgent": True,
            "enableAutomaticUpdates": True,
            "patchSettings": {"patchMode": "AutomaticByOS", "assessmentMode": "ImageDefault"},
        }
    return "linuxConfiguration", {
        "disablePasswordAuthentication": True,
        "provisionVMAgent": True,
        "patchSettings": {"patchMode": "ImageDefault", "assessmentMode": "ImageDefault"},
    }


def _add_profiles(spec: dict[str, Any], target: dict[str, Any]) -> None:
    """The optional `applicationProfile` and `userData` (`user_data` is plain text; ARM
    carries it base64-encoded) of a VM or a scale set's VM profile."""
    apps = application_profile(spec)
    if apps is not None:
        target["applicationProfile"] = apps
    text = _optional_str(spec, "user_data")
    if text is not None:
        target["userData"] = base64.b64encode(text.encode()).decode()


def generate_vm(
    spec: dict[str, Any],
    vm_id: str,
    location: str,
    os_type: str,
    storage: dict[str, Any],
    now: str,
) -> dict[str, Any]:
    """A VM body with every section an ARM GET shows for a VM built from an image."""
    name = vm_id.rsplit("/", 1)[1]
    rg = ids.parent(vm_id, 4)
    config_name, config = os_configuration(os_type)
    storage = {"imageReference": dict(MARKETPLACE[os_type]), **storage}
    props: dict[str, Any] = {
        "vmId": str(uuid.uuid5(uuid.NAMESPACE_URL, vm_id.lower())),
        "hardwareProfile": {"vmSize": spec.get("vm_size") or "Standard_D2s_v5"},
        "storageProfile": storage,
        "osProfile": {
            "computerName": name[:15] if os_type == "Windows" else name,
            "adminUsername": "azureuser",
            config_name: config,
            "secrets": [],
            "allowExtensionOperations": True,
        },
        "networkProfile": {
            "networkInterfaces": [
                {
                    "id": _rg_resource(rg, "Microsoft.Network/networkInterfaces", f"{name}-nic"),
                    "properties": {"primary": True},
                }
            ]
        },
        "diagnosticsProfile": {
            "bootDiagnostics": {"enabled": True, "storageUri": diagnostics_uri(vm_id)}
        },
        "extensionsTimeBudget": "PT1H30M",
        "timeCreated": now,
    }
    for field, kind in (
        ("availability_set", "Microsoft.Compute/availabilitySets"),
        ("proximity_placement_group", "Microsoft.Compute/proximityPlacementGroups"),
    ):
        value = _optional_str(spec, field)
        if value is not None:
            key = "availabilitySet" if field == "availability_set" else "proximityPlacementGroup"
            props[key] = {"id": _rg_resource(rg, kind, value)}
    _add_profiles(spec, props)
    body: dict[str, Any] = {
        "id": vm_id,
        "name": name,
        "type": "Microsoft.Compute/virtualMachines",
        "location": location,
        "etag": '"1"',
        "properties": props,
    }
    scale_set = _optional_str(spec, "scale_set")
    if scale_set is not None:  # a member of a Flexible scale set
        ss_id = _rg_resource(rg, "Microsoft.Compute/virtualMachineScaleSets", scale_set)
        props["virtualMachineScaleSet"] = {"id": ss_id}
        body["managedBy"] = ss_id
    extensions = _names(spec, "extensions")
    if extensions:
        body["resources"] = [extension(vm_id, location, n) for n in extensions]
    return body


def diagnostics_uri(vm_id: str) -> str:
    account = "".join(ch for ch in ids.parent(vm_id, 4).split("/")[-1].lower() if ch.isalnum())
    return f"https://{(account + 'diag')[:24]}.blob.core.windows.net/"


def adopt_vm(resource: Any, vm_id: str, location: str, now: str) -> dict[str, Any]:
    """A caller's ARM body (as GET returns it), with the emulator's own id, name and type."""
    if not isinstance(resource, dict) or not isinstance(resource.get("properties", {}), dict):
        raise ControlError("Field 'resource' must be an ARM body: {'properties': {...}, ...}.")
    body = copy.deepcopy(resource)
    body.update(
        id=vm_id,
        name=vm_id.rsplit("/", 1)[1],
        type="Microsoft.Compute/virtualMachines",
        location=location,
    )
    props = body.setdefault("properties", {})
    props.setdefault("vmId", str(uuid.uuid5(uuid.NAMESPACE_URL, vm_id.lower())))
    props["timeCreated"] = now
    props.pop("provisioningState", None)
    props.pop("instanceView", None)
    return body


def tracked_disks(resource: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The OS disk and data disks of a caller's body (the emulator tracks their sizes)."""
    storage = resource.get("properties", {}).get("storageProfile") or {}
    os_disk = storage.get("osDisk") or {}
    data = storage.get("dataDisks") or []
    if not isinstance(os_disk, dict) or not isinstance(data, list):
        raise ControlError("'resource.properties.storageProfile' must hold osDisk and dataDisks.")
    return os_disk, [d for d in data if isinstance(d, dict)]


def generate_scale_set(
    spec: dict[str, Any], ss_id: str, location: str, capacity: int, now: str
) -> dict[str, Any]:
    """A Uniform scale set body with the sections an ARM GET shows."""
    name = ss_id.rsplit("/", 1)[1]
    rg = ids.parent(ss_id, 4)
    os_type = spec.get("os_type") or "Linux"
    if not isinstance(os_type, str) or os_type not in MARKETPLACE:  # a list is unhashable
        raise ControlError("Field 'os_type' must be 'Linux' or 'Windows'.")
    image_ref = _optional_str(spec, "image_reference_id")
    config_name, config = os_configuration(os_type)
    vnet = _rg_resource(rg, "Microsoft.Network/virtualNetworks", f"{name}-vnet")
    profile: dict[str, Any] = {
        "storageProfile": {
            "osDisk": {
                "createOption": "FromImage",
                "caching": "ReadWrite",
                "managedDisk": {"storageAccountType": "Premium_LRS"},
                "diskSizeGB": 30,
            },
            "imageReference": {"id": image_ref} if image_ref else dict(MARKETPLACE[os_type]),
            "dataDisks": [],
        },
        "osProfile": {
            "computerNamePrefix": name[:9],
            "adminUsername": "azureuser",
            config_name: config,
        },
        "networkProfile": {
            "networkInterfaceConfigurations": [
                {
                    "name": f"{name}-nic",
                    "properties": {
                        "primary": True,
                        "ipConfigurations": [
                            {
                                "name": f"{name}-ipconfig",
                                "properties": {
                                    "primary": True,
                                    "subnet": {"id": f"{vnet}/subnets/default"},
                                },
                            }
                        ],
                        "networkSecurityGroup": {
                            "id": _rg_resource(
                                rg, "Microsoft.Network/networkSecurityGroups", f"{name}-nsg"
                            )
                        },
                    },
                }
            ]
        },
        "timeCreated": now,
    }
    _add_profiles(spec, profile)
    props: dict[str, Any] = {
        "singlePlacementGroup": False,
        "upgradePolicy": {
            "mode": "Manual",
            "automaticOSUpgradePolicy": {"enableAutomaticOSUpgrade": False},
        },
        "virtualMachineProfile": profile,
        "provisioningState": "Succeeded",
        "overprovision": False,
        "doNotRunExtensionsOnOverprovisionedVMs": False,
        "uniqueId": str(uuid.uuid5(uuid.NAMESPACE_URL, ss_id.lower())),
        "platformFaultDomainCount": 1,
        "orchestrationMode": "Uniform",
        "timeCreated": now,
    }
    host_group = _optional_str(spec, "host_group")
    if host_group is not None:
        props["hostGroup"] = {"id": _rg_resource(rg, "Microsoft.Compute/hostGroups", host_group)}
    return {
        "id": ss_id,
        "name": name,
        "type": "Microsoft.Compute/virtualMachineScaleSets",
        "location": location,
        "etag": '"1"',
        "sku": {
            "name": spec.get("vm_size") or "Standard_D2s_v5",
            "tier": "Standard",
            "capacity": capacity,
        },
        "properties": props,
    }
