"""Azure DevOps inputs: the AzureFunction@2 task headers, the PlanUrl allow-list, the
service-hook shared secret, and mapping hook events onto configured image pipelines."""

from __future__ import annotations

import base64
import binascii
import fnmatch
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from galleryflow.api.errors import ApiError, problem

DEFAULT_ALLOWED_HOSTS = ("dev.azure.com", "*.visualstudio.com")
HOOK_SECRET_HEADER = "X-Galleryflow-Hook-Secret"

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
                problem(
                    f"header {header}",
                    "missing",
                    "call this route from the AzureFunction@2 task (it sends the header), "
                    "or add it to the task's headers input",
                )
            )
        values[name] = value
    if details:
        raise ApiError(
            400, "MissingDevOpsHeaders", "The DevOps task headers are incomplete.", details
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
        raise ApiError(
            400,
            "PlanUrlNotAllowed",
            "PlanUrl must be an https URL of an Azure DevOps organization.",
            [problem("header PlanUrl", "not an https URL", "send the collection URI as PlanUrl")],
        )
    if not host_allowed(host, allowed_hosts):
        raise ApiError(
            400,
            "PlanUrlNotAllowed",
            f"PlanUrl host {host!r} is not on the allow-list; no callback will be made.",
            [
                problem(
                    "header PlanUrl",
                    "host not allowed",
                    "allowed: "
                    + ", ".join(allowed_hosts)
                    + " (app setting GALLERYFLOW_DEVOPS_ALLOWED_HOSTS)",
                )
            ],
        )


def secrets_equal(given: str, expected: str) -> bool:
    """Constant-time comparison of a presented secret with the configured one."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def check_hook_secret(headers: Mapping[str, str], expected: str | None) -> None:
    """Accept the shared secret in the X-Galleryflow-Hook-Secret header or as the
    password of HTTP basic auth (any user name); 401 otherwise, 403 when unconfigured."""
    if not expected:
        raise ApiError(
            403,
            "HooksDisabled",
            "Service hooks are disabled: set the app setting GALLERYFLOW_DEVOPS_HOOK_SECRET.",
        )
    lowered = {k.lower(): v for k, v in headers.items()}
    presented = [lowered.get(HOOK_SECRET_HEADER.lower(), "")]
    presented.append(_basic_password(lowered.get("authorization", "")))
    # Compare every candidate so timing does not reveal which one was tried.
    ok = False
    for candidate in presented:
        ok = secrets_equal(candidate or "", expected) or ok
    if not ok:
        raise ApiError(
            401,
            "Unauthorized",
            f"Send the hook secret in the {HOOK_SECRET_HEADER} header or as the basic-auth "
            "password of the service hook subscription.",
        )


def _basic_password(authorization: str) -> str:
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return ""
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return ""
    return decoded.partition(":")[2]
