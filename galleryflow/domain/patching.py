"""Patching the source VM before capture: the request's `patch` field (its field table,
value type) and the pure decisions around a patch run (refusal, outcome, tag summary).

Facts: docs/azure-facts.md Q7 — installPatches runs through the guest agent on a running VM
(so a generalized VM, which cannot start, cannot be patched); `rebootSetting` is required,
`maximumDuration` is ISO 8601 (at most PT4H); the result carries installed/failed/pending
counts, `rebootStatus`, `maintenanceWindowExceeded` and `patches[]`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from galleryflow.domain.fields import Bool, Choice, Field, Int, ListOf, Obj, Str
from galleryflow.domain.version_tags import PATCH_TAG, fit_value

CLASSIFICATIONS = (
    "Critical",
    "Security",
    "Other",  # Linux
    "UpdateRollUp",
    "FeaturePack",
    "ServicePack",
    "Definition",
    "Tools",
    "Updates",  # Windows
)
LINUX_CLASSIFICATIONS = ("Critical", "Security", "Other")
REBOOT_SETTINGS = ("IfRequired", "Never", "Always")
TAG_NAME = PATCH_TAG


class PatchFailurePolicy(StrEnum):
    FAIL = "fail"
    CONTINUE = "continue"


_MASK = Str(
    description="KB number (Windows) or package name mask (Linux, '*' wildcards)",
    pattern=r"^[A-Za-z0-9_.+:*~-]{1,128}$",
    pattern_hint="a KB number like 5034441 or a package mask like openssl*",
)

PATCH_SPEC = Obj(
    description="install OS updates on the source VM before capture (installPatches)",
    fields=(
        Field(
            "classifications",
            ListOf(Choice(CLASSIFICATIONS), "update classifications to install", min_items=1),
            ["Critical", "Security"],
        ),
        Field("include", ListOf(_MASK, "only these KBs / packages", max_items=100), []),
        Field("exclude", ListOf(_MASK, "never these KBs / packages", max_items=100), []),
        Field(
            "reboot",
            Choice(REBOOT_SETTINGS, "IfRequired, Never or Always (installPatches rebootSetting)"),
            "IfRequired",
        ),
        Field(
            "maximum_duration_minutes",
            Int("the patch window (Azure allows up to 4 hours)", minimum=1, maximum=240),
            120,
        ),
        Field(
            "on_failure",
            Choice(
                tuple(p.value for p in PatchFailurePolicy),
                "fail: restore the VM and publish nothing; continue: publish with a warning",
            ),
            PatchFailurePolicy.FAIL.value,
        ),
    ),
)


SKIP_WHEN_CURRENT = Bool(
    "assess first: skip the rebuild (no capture, no new version; the run succeeds with a "
    "`skipped` reason) when the assessment finds nothing to install and the definition's "
    "current version was built from this same request (its galleryflow.fingerprint tag); "
    "needs `patch`; default true for nightly pipeline entries that patch, false otherwise"
)

CUSTOMIZE_SPEC = Obj(
    description="run a script on the source VM after patching (managed run command)",
    fields=(
        Field(
            "script",
            Str(
                description="the script (shell on Linux, PowerShell on Windows)", max_length=16_384
            ),
        ),
        Field(
            "timeout_minutes",
            Int("give up on the script after this long", minimum=1, maximum=90),
            30,
        ),
    ),
)


@dataclass(frozen=True)
class Customize:
    script: str
    timeout_minutes: int = 30

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Customize:
        return cls(data["script"], data["timeout_minutes"])

    def to_dict(self) -> dict[str, Any]:
        return {"script": self.script, "timeout_minutes": self.timeout_minutes}


@dataclass(frozen=True)
class PatchSettings:
    classifications: tuple[str, ...] = ("Critical", "Security")
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    reboot: str = "IfRequired"
    maximum_duration_minutes: int = 120
    on_failure: PatchFailurePolicy = PatchFailurePolicy.FAIL

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PatchSettings:
        return cls(
            tuple(data["classifications"]),
            tuple(data["include"]),
            tuple(data["exclude"]),
            data["reboot"],
            data["maximum_duration_minutes"],
            PatchFailurePolicy(data["on_failure"]),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "classifications": list(self.classifications),
            "include": list(self.include),
            "exclude": list(self.exclude),
            "reboot": self.reboot,
            "maximum_duration_minutes": self.maximum_duration_minutes,
            "on_failure": self.on_failure.value,
        }


def install_parameters(settings: PatchSettings, os_type: str) -> dict[str, Any]:
    """The installPatches body (REST JSON) for a VM of `os_type` (Linux or Windows)."""
    hours, minutes = divmod(settings.maximum_duration_minutes, 60)
    body: dict[str, Any] = {
        "maximumDuration": f"PT{hours}H{minutes}M" if minutes else f"PT{hours}H",
        "rebootSetting": settings.reboot,
    }
    if os_type.lower() == "windows":
        body["windowsParameters"] = {
            "classificationsToInclude": [
                c for c in settings.classifications if c not in ("Other",)
            ],
            "kbNumbersToInclude": list(settings.include),
            "kbNumbersToExclude": list(settings.exclude),
        }
    else:
        body["linuxParameters"] = {
            "classificationsToInclude": [
                c for c in settings.classifications if c in LINUX_CLASSIFICATIONS
            ],
            "packageNameMasksToInclude": list(settings.include),
            "packageNameMasksToExclude": list(settings.exclude),
        }
    return body


def refusal(vm: Mapping[str, Any]) -> str | None:
    """Why the source VM cannot be patched or customized, or None."""
    if vm.get("generalized"):
        return (
            "the source VM is generalized and Azure cannot start it, so its updates cannot be "
            "installed nor scripts run (installPatches and run commands need a running VM); "
            "patch the VM before generalizing it, or remove `patch`/`customize` from the request"
        )
    return None


@dataclass(frozen=True)
class PatchOutcome:
    """The part of an installPatches result the run records."""

    status: str
    installed: int
    failed: int
    pending: int
    reboot_status: str
    window_exceeded: bool
    installed_ids: tuple[str, ...]
    failed_ids: tuple[str, ...]
    error: str | None = None

    @classmethod
    def from_result(cls, result: Mapping[str, Any]) -> PatchOutcome:
        patches = result.get("patches") or []

        def ids(state: str) -> tuple[str, ...]:
            return tuple(
                str(p.get("patchId") or p.get("name"))
                for p in patches
                if p.get("installationState") == state
            )

        error = result.get("error") or {}
        return cls(
            status=str(result.get("status") or "Unknown"),
            installed=int(result.get("installedPatchCount") or 0),
            failed=int(result.get("failedPatchCount") or 0),
            pending=int(result.get("pendingPatchCount") or 0),
            reboot_status=str(result.get("rebootStatus") or "Unknown"),
            window_exceeded=bool(result.get("maintenanceWindowExceeded")),
            installed_ids=ids("Installed"),
            failed_ids=ids("Failed"),
            error=str(error.get("message")) if error.get("message") else None,
        )

    @property
    def failed_run(self) -> bool:
        """A patch run that did not do its job: failed patches or a failed operation."""
        return self.failed > 0 or self.status == "Failed"

    def problem(self) -> str:
        detail = self.error or f"status {self.status}"
        return f"{self.failed} patch(es) failed ({', '.join(self.failed_ids) or detail})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "installed": self.installed,
            "failed": self.failed,
            "pending": self.pending,
            "reboot_status": self.reboot_status,
            "maintenance_window_exceeded": self.window_exceeded,
            "installed_ids": list(self.installed_ids),
            "failed_ids": list(self.failed_ids),
        }

    def tag(self, when: str) -> str:
        """A one-line summary for the version's tags (at most 256 characters)."""
        text = (
            f"{when} {self.status} installed={self.installed} failed={self.failed} "
            f"pending={self.pending} reboot={self.reboot_status}"
        )
        if self.installed_ids:
            text += " ids=" + ",".join(self.installed_ids)
        return fit_value(text)
