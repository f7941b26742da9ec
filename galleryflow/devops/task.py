"""The AzureFunction@2 task's callback headers and the PlanUrl allow-list (pure): nothing is
ever called back on a host outside the list."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from galleryflow.devops.errors import DevOpsInputError
from galleryflow.domain.problems import Problem

DEFAULT_ALLOWED_HOSTS = ("dev.azure.com", "*.visualstudio.com")

# header -> field of TaskContext; the AzureFunction@2 task sends all of them by default.
TASK_HEADERS = {
    "PlanUrl": "plan_url",
    "ProjectId": "project_id",
    "HubName": "hub_name",
    "PlanId": "plan_id",
    "JobId": "job_id",
    "TimelineId": "timeline_id",
    "TaskInstanceId": "task_instance_id",
    "AuthToken": "auth_token",
}


@dataclass(frozen=True)
class TaskContext:
    """Where and how to report back to one agentless task. `auth_token` is a secret."""

    plan_url: str
    project_id: str
    hub_name: str
    plan_id: str
    job_id: str
    timeline_id: str
    task_instance_id: str
    auth_token: str = field(repr=False)

    def to_dict(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in TASK_HEADERS.values()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TaskContext:
        return cls(**{name: str(data[name]) for name in TASK_HEADERS.values()})


def parse_task_headers(headers: Mapping[str, str], allowed_hosts: list[str]) -> TaskContext:
    """Read the callback headers (case-insensitive); 400 listing every missing or bad one."""
    lowered = {k.lower(): v for k, v in headers.items()}
    values: dict[str, str] = {}
    details = []
    for header, name in TASK_HEADERS.items():
        value = (lowered.get(header.lower()) or "").strip()
        if not value:
            details.append(
                Problem(
                    f"header {header}",
                    "missing",
                    "call this route from the AzureFunction@2 task (it sends the header), "
                    "or add it to the task's headers input",
                ).to_dict()
            )
        values[name] = value
    if details:
        raise DevOpsInputError(
            "invalid", "MissingDevOpsHeaders", "The DevOps task headers are incomplete.", details
        )
    check_plan_url(values["plan_url"], allowed_hosts)
    return TaskContext(**values)


def allowed_hosts_from_setting(setting: str | None) -> list[str]:
    if setting is None or not setting.strip():
        return list(DEFAULT_ALLOWED_HOSTS)
    return [part.strip().lower() for part in setting.split(",") if part.strip()]


def host_allowed(host: str, patterns: list[str]) -> bool:
    host = host.lower().rstrip(".")
    return any(fnmatch.fnmatchcase(host, pattern.lower()) for pattern in patterns)


def check_plan_url(plan_url: str, allowed_hosts: list[str]) -> None:
    """PlanUrl comes from the caller: only https URLs on allowed hosts are called back."""
    try:
        parts = urlsplit(plan_url)
        host = parts.hostname or ""
    except ValueError:
        host, parts = "", None
    if parts is None or parts.scheme != "https" or not host:
        raise DevOpsInputError(
            "invalid",
            "PlanUrlNotAllowed",
            "PlanUrl must be an https URL of an Azure DevOps organization.",
            [
                Problem(
                    "header PlanUrl", "not an https URL", "send the collection URI as PlanUrl"
                ).to_dict()
            ],
        )
    if not host_allowed(host, allowed_hosts):
        raise DevOpsInputError(
            "invalid",
            "PlanUrlNotAllowed",
            f"PlanUrl host {host!r} is not on the allow-list; no callback will be made.",
            [
                Problem(
                    "header PlanUrl",
                    "host not allowed",
                    "allowed: "
                    + ", ".join(allowed_hosts)
                    + " (app setting GALLERYFLOW_DEVOPS_ALLOWED_HOSTS)",
                ).to_dict()
            ],
        )
