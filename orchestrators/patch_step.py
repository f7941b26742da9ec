"""Patch step (request fields `patch`, `customize`): before capture, install OS updates on
the source VM, then run the customize script (managed run command).

Start the VM if needed, assess, install (installPatches) and wait for it on durable timers
(one short activity per look, never one activity for the whole patch window), record the
result (status log, `patched` event, run summary, a version tag), and leave the VM in the
power state it had, so the capture step finds it as the preflight saw it (also after a
`cancel`, which stops the waiting at once: Azure has no way to stop an installPatches
operation, so the guest may finish it while the VM is put back). Failed patches
with `on_failure: fail` end the run before anything is created (docs/pipeline.md
"Patching before capture"; facts: docs/azure-facts.md Q7).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from galleryflow.domain.patching import (
    Customize,
    PatchFailurePolicy,
    PatchOutcome,
    PatchSettings,
    refusal,
)
from galleryflow.domain.skip_when_current import installable, request_fingerprint, skip_reason
from galleryflow.durable.failures import StepFailed
from galleryflow.durable.names import Activity
from orchestrators.polling import next_delay
from orchestrators.run import Gen, RunBase

STEP = "patch"
GRACE_MINUTES = 30  # beyond maximumDuration: the guest agent's reboot and report


class Skip(Exception):
    """skip_when_current: the assessment found nothing to install and nothing changed."""


class PatchSteps(RunBase):
    patch_summary: dict[str, Any] | None = None
    patch_tag: str | None = None  # the version's galleryflow.patch tag
    assessment: dict[str, int] | None = None  # counts of the assessPatches result

    def patch(self, plan: dict[str, Any]) -> Gen:
        """Patch and customize the source VM; returns the reason when skip_when_current
        skips the rebuild (the VM then put back as it was), else None."""
        settings, customize = self.request.patch, self.request.customize
        if settings is None and customize is None:
            return None
        vm = plan["vm"]
        why = refusal(vm)
        if why:
            raise StepFailed(STEP, vm["id"], "PatchNotPossible", why)
        original = vm["power_state"]
        self.status.at(STEP, f"patching {vm['id'].rsplit('/', 1)[-1]} (VM is {original})")
        self.publish_status()
        try:
            yield from self.checkpoint()
            if original != "running":
                self.status.say("starting the source VM to patch it")
                yield from self.activity(
                    Activity.SET_VM_POWER_STATE, {"vm_id": vm["id"], "state": "running"}, STEP
                )
            if settings is not None:
                outcome = yield from self.patch_running(plan, settings)
                yield from self.record(vm, settings, outcome)
            if customize is not None:
                yield from self.customize(vm, customize)
        except Skip as skipped:
            yield from self.put_back(vm, original)
            return str(skipped)
        except Exception:
            yield from self.put_back(vm, original)
            raise
        yield from self.put_back(vm, original)
        return None

    def record(self, vm: dict[str, Any], settings: PatchSettings, outcome: PatchOutcome) -> Gen:
        self.patch_summary = outcome.to_dict()
        yield from self.emit("patched", self.patch_summary)
        if outcome.failed_run:
            if settings.on_failure is PatchFailurePolicy.FAIL:
                raise StepFailed(
                    STEP,
                    vm["id"],
                    "PatchFailed",
                    f"{outcome.problem()}; nothing was published (on_failure: fail)",
                )
            self.warnings.append(f"patching: {outcome.problem()} (on_failure: continue)")
        when = self.context.current_utc_datetime.strftime("%Y-%m-%dT%H:%MZ")
        self.patch_tag = outcome.tag(when)  # the capture tags the version

    def patch_running(self, plan: dict[str, Any], settings: PatchSettings) -> Gen:
        vm = plan["vm"]
        assessed = yield from self.wait_for(vm, {"kind": "assess"}, settings)
        available = len(assessed.get("availablePatches") or [])
        self.assessment = {
            "available": available,
            "critical_and_security": int(assessed.get("criticalAndSecurityPatchCount") or 0),
            "other": int(assessed.get("otherPatchCount") or 0),
        }
        self.status.say(
            f"assessment: {assessed.get('criticalAndSecurityPatchCount', 0)} critical/security "
            f"and {assessed.get('otherPatchCount', 0)} other update(s) available"
        )
        if self.request.skip_when_current:
            to_install = installable(assessed.get("availablePatches") or [], settings)
            self.assessment["to_install"] = len(to_install)
            reason, line = skip_reason(
                to_install=to_install,
                fingerprint=request_fingerprint(self.request.to_dict()),
                current=plan.get("current"),
                adopting=bool(plan.get("adopt")),
            )
            if reason:
                raise Skip(reason)  # the run's last line says it
            self.status.say(line)
        if available == 0:
            self.status.say("nothing to install")
            return PatchOutcome.from_result({"status": "Succeeded", "rebootStatus": "NotNeeded"})
        payload = {"kind": "install", "settings": settings.to_dict(), "os_type": vm.get("os_type")}
        result = yield from self.wait_for(vm, payload, settings)
        outcome = PatchOutcome.from_result(result)
        self.status.say(
            f"patched: {outcome.installed} installed, {outcome.failed} failed, "
            f"{outcome.pending} pending, reboot {outcome.reboot_status}"
        )
        return outcome

    def wait_for(self, vm: dict[str, Any], payload: dict[str, Any], settings: PatchSettings) -> Gen:
        """Start the operation, then look at it after each durable timer until it ends."""
        started = yield from self.activity(
            Activity.START_PATCH_OPERATION, {"vm_id": vm["id"], **payload}, STEP
        )
        minutes = settings.maximum_duration_minutes + GRACE_MINUTES
        deadline = self.context.current_utc_datetime + timedelta(minutes=minutes)
        delay: int | None = None
        while True:
            delay = next_delay(delay)
            yield from self.unless_cancelled(
                self.context.create_timer(
                    self.context.current_utc_datetime + timedelta(seconds=delay)
                )
            )
            look = yield from self.activity(
                Activity.POLL_PATCH_OPERATION, {"handle": started["handle"]}, STEP
            )
            if look.get("done"):
                result: dict[str, Any] = look.get("result") or {}
                return result
            if self.context.current_utc_datetime >= deadline:
                raise StepFailed(
                    STEP,
                    vm["id"],
                    "PatchTimeout",
                    f"{payload['kind']} did not finish within {minutes} minutes",
                )

    def customize(self, vm: dict[str, Any], customize: Customize) -> Gen:
        """The script as a managed run command; a non-zero exit (or a run that did not
        succeed) fails the step, which restores the VM."""
        self.status.say("customize: running the script (managed run command)")
        yield from self.activity(
            Activity.START_RUN_COMMAND,
            {
                "vm_id": vm["id"],
                "script": customize.script,
                "timeout_minutes": customize.timeout_minutes,
                "location": vm["location"],
            },
            STEP,
        )
        deadline = self.context.current_utc_datetime + timedelta(
            minutes=customize.timeout_minutes + GRACE_MINUTES
        )
        delay: int | None = None
        while True:
            look = yield from self.activity(Activity.READ_RUN_COMMAND, {"vm_id": vm["id"]}, STEP)
            if look.get("done"):
                break
            if self.context.current_utc_datetime >= deadline:
                raise StepFailed(STEP, vm["id"], "CustomizeTimeout", "the script did not end")
            delay = next_delay(delay)
            yield from self.unless_cancelled(
                self.context.create_timer(
                    self.context.current_utc_datetime + timedelta(seconds=delay)
                )
            )
        tail = " | ".join(str(look.get("output") or "").strip().splitlines()[-3:])
        self.status.say(f"customize: {look['state']}, exit code {look.get('exit_code')}: {tail}")
        if look["state"] != "Succeeded" or look.get("exit_code") not in (0, None):
            problem = str(look.get("error") or "").strip() or tail
            raise StepFailed(
                STEP,
                vm["id"],
                "CustomizeFailed",
                f"{look['state']}, exit code {look.get('exit_code')}: {problem[-300:]}; "
                "nothing was published",
            )

    def put_back(self, vm: dict[str, Any], original: str) -> Gen:
        """Leave the VM as found (a running VM stays running, also when the run fails)."""
        if original == "running":
            return
        yield from self.activity(
            Activity.SET_VM_POWER_STATE, {"vm_id": vm["id"], "state": original}, STEP
        )
