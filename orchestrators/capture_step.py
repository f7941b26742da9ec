"""Capture step: deallocate (and generalize only when asked), create the version, and
always put the source VM's power state back. A `cancel` is honoured between these
activities (checkpoints): the one in flight finishes, the VM is restored, and the version,
if created, stays excluded from latest (deleted only with `cleanup_on_failure`)."""

from __future__ import annotations

from typing import Any

from galleryflow.domain.fields import format_utc
from galleryflow.domain.mirrors import mirror_tags
from galleryflow.domain.skip_when_current import request_fingerprint
from galleryflow.domain.version_tags import FINGERPRINT_TAG, PATCH_TAG, version_tags
from galleryflow.durable.names import Activity
from orchestrators.run import Gen, RunBase


class CaptureSteps(RunBase):
    patch_tag: str | None = None  # set by the patch step (patch_step.py)

    def capture(self, plan: dict[str, Any]) -> Gen:
        vm = plan["vm"]
        original = vm["power_state"]
        self.status.at("capture", f"capturing {vm['id'].rsplit('/', 1)[-1]} (VM is {original})")
        self.publish_status()
        state = {"generalized": False}
        try:
            captured = yield from self.deallocate_and_capture(plan, state)
        except Exception:
            yield from self.restore_power(vm, original, state["generalized"])
            raise
        yield from self.restore_power(vm, original, state["generalized"])
        yield from self.emit("captured", {"adopted": bool(captured.get("adopted"))})

    def deallocate_and_capture(self, plan: dict[str, Any], state: dict[str, bool]) -> Gen:
        vm = plan["vm"]
        yield from self.checkpoint()
        if plan.get("adopt"):
            self.status.say(f"version {self.version} was already created by this run: adopting it")
        else:
            if vm["power_state"] != "deallocated":
                yield from self.activity(
                    Activity.SET_VM_POWER_STATE,
                    {"vm_id": vm["id"], "state": "deallocated"},
                    "capture",
                )
            yield from self.checkpoint()
            if self.request.generalize:
                state["generalized"] = True  # from here on the VM may be generalized
                yield from self.activity(Activity.GENERALIZE_VM, {"vm_id": vm["id"]}, "capture")
            yield from self.checkpoint()
        captured = yield from self.activity(
            Activity.CAPTURE,
            {
                "target": self.target,
                "version": self.version,
                "vm_id": vm["id"],
                "target_regions": plan["target_regions"],
                "end_of_life": format_utc(eol) if (eol := self.request.end_of_life) else None,
                "block_deletion_before_end_of_life": (
                    self.request.block_deletion_before_end_of_life
                ),
                "allow_replicated_location_deletion": (
                    self.request.allow_replicated_location_deletion
                ),
                "replication_mode": self.request.replication_mode.value,
                "run_id": self.context.instance_id,
                # the mirrors' tags let rollback and prune find "this image in all galleries"
                "tags": {**self.version_tags(), **mirror_tags(self.request.mirrors)},
            },
            "capture",
        )
        self.created = True
        self.status.say(
            f"version {self.version} {'adopted' if captured.get('adopted') else 'created'}"
        )
        yield from self.checkpoint()  # cancelled meanwhile: the VM is restored, version kept out
        return captured

    def version_tags(self) -> dict[str, str]:
        """The request's tags plus galleryflow's fingerprint and patch summary, within
        Azure's limits (domain/version_tags.py); a tag left out for room is a warning."""
        ours = {FINGERPRINT_TAG: request_fingerprint(self.request.to_dict())}
        if self.patch_tag:
            ours[PATCH_TAG] = self.patch_tag
        tags, left_out = version_tags(self.request.tags, ours)
        for name in left_out:
            self.warnings.append(f"tag {name} left out: the version has no room for it")
        return tags

    def restore_power(self, vm: dict[str, Any], original: str, generalized: bool) -> Gen:
        """Put the source VM back the way we found it (a generalized VM cannot run again).

        Not a try/finally around the capture: a generator closed while suspended must not
        yield again (replay closes unfinished orchestrator generators)."""
        if original == "deallocated":
            return
        if generalized:
            self.warnings.append("source VM was generalized and stays deallocated")
            return
        yield from self.activity(
            Activity.SET_VM_POWER_STATE, {"vm_id": vm["id"], "state": original}, "capture"
        )
