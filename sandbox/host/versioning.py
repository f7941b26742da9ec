"""Orchestration versioning as the Durable extension does it (host.json `extensions.durableTask`).

- `defaultVersion`: the version every new orchestration *and sub-orchestration* gets unless the
  caller names one (`client.start_new(..., version=)`, `call_sub_orchestrator(..., version=)`);
  a sub-orchestration does not inherit its parent's version. An instance keeps its version for
  life (continue_as_new included), so after a restart with new app code in-flight instances
  keep theirs while new ones get the new default.
- `versionMatchStrategy` (None | Strict | CurrentOrOlder, default CurrentOrOlder) and
  `versionFailureStrategy` (Reject | Fail, default Reject): which instances this host may run.
  Only checked when `defaultVersion` is set. Reject leaves the instance as it is (it waits for a
  host with a newer defaultVersion); Fail fails it with DTFx's message.

Sources: learn.microsoft.com "Orchestration versioning in Durable Functions" (MicrosoftDocs
azure-docs articles/azure-functions/durable/durable-functions-orchestration-versioning.md),
Azure/azure-functions-durable-python samples-v2/orchestration_versioning, and DurableTask.Core's
TaskOrchestrationDispatcher + VersioningSettings.CompareVersions (Azure/durabletask).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MATCH_STRATEGIES = ("None", "Strict", "CurrentOrOlder")
FAILURE_STRATEGIES = ("Reject", "Fail")
# DurableTask.Core's failure (errorType VersionMismatch) for a version the worker may not run.
MISMATCH_MESSAGE = "Orchestration version did not comply with Worker Versioning"


class VersioningConfigError(ValueError):
    """host.json names a strategy the extension does not know."""


@dataclass(frozen=True)
class Versioning:
    default_version: str | None = None
    match: str = "CurrentOrOlder"
    failure: str = "Reject"

    @classmethod
    def from_host_json(cls, durable: dict[str, Any]) -> Versioning:
        default = durable.get("defaultVersion")
        match = _choice(durable, "versionMatchStrategy", MATCH_STRATEGIES, "CurrentOrOlder")
        failure = _choice(durable, "versionFailureStrategy", FAILURE_STRATEGIES, "Reject")
        return cls(None if default is None else str(default), match, failure)

    def for_new_instance(self, requested: str | None) -> str | None:
        """An explicit version wins; otherwise the host's defaultVersion (never the parent's)."""
        return requested if requested is not None else self.default_version

    def may_run(self, instance_version: str | None) -> bool:
        """Whether this host (its defaultVersion) may run an instance of that version."""
        if self.default_version is None or self.match == "None":
            return True
        if self.match == "Strict":
            return (instance_version or "") == self.default_version
        return compare_versions(instance_version, self.default_version) <= 0

    def describe_mismatch(self, instance_version: str | None) -> str:
        relation = "does not match" if self.match == "Strict" else "is greater than"
        return (
            f"The orchestration version '{instance_version or ''}' {relation} the worker version"
            f" '{self.default_version}' (versionMatchStrategy {self.match}): run it on a host whose"
            " host.json defaultVersion is at least that version"
        )


def compare_versions(left: str | None, right: str | None) -> int:
    """DurableTask.Core's rule: empty equals empty and is older than any version; two
    System.Version strings (2-4 numeric parts) compare numerically; otherwise case-insensitive
    text comparison."""
    left, right = left or "", right or ""
    if not left or not right:
        return (left > "") - (right > "")
    parsed_left, parsed_right = _system_version(left), _system_version(right)
    if parsed_left is not None and parsed_right is not None:
        return (parsed_left > parsed_right) - (parsed_left < parsed_right)
    a, b = left.casefold(), right.casefold()
    return (a > b) - (a < b)


def _system_version(text: str) -> tuple[int, ...] | None:
    parts = text.split(".")
    if not 2 <= len(parts) <= 4 or not all(p.isdigit() for p in parts):
        return None
    return tuple(int(p) for p in parts)


def _choice(durable: dict[str, Any], key: str, allowed: tuple[str, ...], default: str) -> str:
    value = durable.get(key)
    if value is None:
        return default
    for name in allowed:  # the extension parses enum names case-insensitively
        if str(value).lower() == name.lower():
            return name
    raise VersioningConfigError(
        f"host.json extensions.durableTask.{key} is '{value}'; use one of {', '.join(allowed)}"
    )
