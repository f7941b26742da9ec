"""The stack's ARM emulator side: the control API, and ARM reads/writes for assertions."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests

from sandbox.process import SandboxProcess, StackError

if TYPE_CHECKING:
    from sandbox.stack_seed import DemoIds

ARM_TOKEN = "sandbox-token"  # the emulator's default principal (all actions)
ARM_API_VERSION = "2026-03-03"


class ArmSide:
    """Mixed into `Stack`: needs `.arm`, `.ca_file` and `.session`."""

    arm: SandboxProcess
    ca_file: Path
    session: requests.Session

    def arm_control(self, method: str, name: str, body: Any = None) -> Any:
        """Call the emulator's control API (`/_sandbox/<name>`)."""
        response = self.session.request(
            method,
            f"{self.arm.url}/_sandbox/{name}",
            json=body,
            verify=str(self.ca_file),
            timeout=30,
        )
        if response.status_code >= 400:
            raise StackError(f"{method} /_sandbox/{name}: {response.status_code} {response.text}")
        return response.json() if response.content else None

    def arm_get(self, resource_id: str, **params: str) -> dict[str, Any]:
        """GET an ARM resource from the emulator (for assertions on the final state)."""
        response = self.session.get(
            f"{self.arm.url}{resource_id}",
            params={"api-version": ARM_API_VERSION, **params},
            headers={"Authorization": f"Bearer {ARM_TOKEN}"},
            verify=str(self.ca_file),
            timeout=30,
        )
        if response.status_code >= 400:
            raise StackError(f"GET {resource_id}: {response.status_code} {response.text}")
        return dict(response.json())

    def add_fault(self, **spec: Any) -> dict[str, Any]:
        return dict(self.arm_control("POST", "faults", spec))

    def versions(self, ids: DemoIds) -> dict[str, dict[str, Any]]:
        """`{name: version resource}` (with replication status) of the seeded definition."""
        definition_id = self.definition_id(ids)
        listed = self.arm_get(f"{definition_id}/versions").get("value", [])
        return {
            v["name"]: self.arm_get(
                f"{definition_id}/versions/{v['name']}", **{"$expand": "ReplicationStatus"}
            )
            for v in listed
        }

    def vm_power_state(self, vm_id: str) -> str:
        view = self.arm_get(f"{vm_id}/instanceView")
        for status in view.get("statuses", []):
            code = str(status.get("code", ""))
            if code.startswith("PowerState/"):
                return code.split("/", 1)[1]
        return "unknown"

    @staticmethod
    def definition_id(ids: DemoIds) -> str:
        g = ids.gallery
        return (
            f"/subscriptions/{g['subscription_id']}/resourceGroups/{g['resource_group']}"
            f"/providers/Microsoft.Compute/galleries/{g['name']}/images/{ids.definition}"
        )

    def arm_put(self, resource_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """PUT an ARM resource on the emulator (e.g. an older image version to prune)."""
        response = self.session.put(
            f"{self.arm.url}{resource_id}",
            params={"api-version": ARM_API_VERSION},
            headers={"Authorization": f"Bearer {ARM_TOKEN}"},
            json=body,
            verify=str(self.ca_file),
            timeout=30,
        )
        if response.status_code >= 400:
            raise StackError(f"PUT {resource_id}: {response.status_code} {response.text}")
        return dict(response.json())
