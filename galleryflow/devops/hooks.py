"""Service hooks (pure): the shared secret, and events -> the image pipelines they start.

A pipeline in GALLERYFLOW_PIPELINES_FILE opts in with a `devops` mapping::

    devops:
      events: [build.complete]     # optional; default: every event type handled here
      source: TEST-CI              # optional; build definition / pipeline / release
                                   # environment or definition name, case-insensitive
      results: [succeeded]         # optional; default [succeeded]
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from galleryflow.devops.errors import DevOpsInputError

HANDLED_EVENTS = (
    "build.complete",
    "ms.vss-release.deployment-completed-event",
    "ms.vss-pipelines.run-state-changed-event",
    "ms.vss-pipelines.stage-state-changed-event",
)
DEVOPS_MAPPING_FIELDS = {"events", "source", "results"}
HOOK_SECRET_HEADER = "X-Galleryflow-Hook-Secret"


class PipelineLike(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def devops(self) -> dict[str, Any]: ...


P = TypeVar("P", bound=PipelineLike)


@dataclass(frozen=True)
class HookEvent:
    event_type: str
    names: tuple[str, ...]  # what a pipeline's `source` may match
    result: str  # succeeded / failed / canceled / partiallySucceeded / "" while running
    finished: bool


def _get(data: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _strings(*values: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in values if isinstance(v, str | int) and str(v))


def read_event(event: dict[str, Any]) -> HookEvent | None:
    """The facts of a handled event, or None for event types galleryflow ignores."""
    event_type = str(event.get("eventType", ""))
    resource = event.get("resource")
    if event_type not in HANDLED_EVENTS or not isinstance(resource, dict):
        return None
    if event_type == "build.complete":
        return HookEvent(
            event_type,
            _strings(_get(resource, "definition", "name")),
            str(resource.get("result") or ""),
            resource.get("status") == "completed",
        )
    if event_type == "ms.vss-release.deployment-completed-event":
        env = resource.get("environment") or {}
        return HookEvent(
            event_type,
            _strings(
                _get(env, "name"),
                _get(env, "releaseDefinition", "name"),
                _get(resource, "release", "releaseDefinition", "name"),
            ),
            str(_get(env, "status") or ""),
            True,
        )
    run = resource.get("run") or {}
    pipeline_name = _get(resource, "pipeline", "name") or _get(run, "pipeline", "name")
    if event_type == "ms.vss-pipelines.stage-state-changed-event":
        stage = resource.get("stage") or {}
        return HookEvent(
            event_type,
            _strings(pipeline_name, f"{pipeline_name}/{stage.get('name')}"),
            str(stage.get("result") or ""),
            stage.get("state") == "completed",
        )
    return HookEvent(
        event_type,
        _strings(pipeline_name),
        str(run.get("result") or ""),
        run.get("state") == "completed",
    )


def matching_pipelines(event: HookEvent, pipelines: Iterable[P]) -> list[P]:
    if not event.finished:
        return []
    matched = []
    for pipeline in pipelines:
        mapping = pipeline.devops
        if not mapping:
            continue
        events = mapping.get("events") or list(HANDLED_EVENTS)
        results = [str(r).lower() for r in (mapping.get("results") or ["succeeded"])]
        source = mapping.get("source")
        if event.event_type not in events or event.result.lower() not in results:
            continue
        if source and str(source).lower() not in {n.lower() for n in event.names}:
            continue
        matched.append(pipeline)
    return matched


def secrets_equal(given: str, expected: str) -> bool:
    """Constant-time comparison of a presented secret with the configured one."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def check_hook_secret(headers: Mapping[str, str], expected: str | None) -> None:
    """Accept the shared secret in the X-Galleryflow-Hook-Secret header or as the
    password of HTTP basic auth (any user name); 401 otherwise, 403 when unconfigured."""
    if not expected:
        raise DevOpsInputError(
            "disabled",
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
        raise DevOpsInputError(
            "unauthorized",
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
