"""Service-hook events -> the image pipelines they start (pure).

A pipeline in GALLERYFLOW_PIPELINES_FILE opts in with a `devops` mapping::

    devops:
      events: [build.complete]     # optional; default: every event type handled here
      source: TEST-CI              # optional; build definition / pipeline / release
                                   # environment or definition name, case-insensitive
      results: [succeeded]         # optional; default [succeeded]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

HANDLED_EVENTS = (
    "build.complete",
    "ms.vss-release.deployment-completed-event",
    "ms.vss-pipelines.run-state-changed-event",
    "ms.vss-pipelines.stage-state-changed-event",
)
DEVOPS_MAPPING_FIELDS = {"events", "source", "results"}


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
