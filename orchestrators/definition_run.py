"""How the runs on one image definition (prune, rollback, change) start and report: the
authenticated starter split off the input, the request parsed once into the domain's type,
the body run holding the definition's `resource_lock`, and the run's one event sent with a
lost notification kept as a warning."""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

import azure.durable_functions as df

from galleryflow.domain.resource_ids import definition_id
from galleryflow.durable.failures import StepFailed
from galleryflow.durable.names import Activity, Event
from galleryflow.identity import audit
from orchestrators.calls import Context, Gen, call, typed_input
from orchestrators.mirror_targets import all_galleries
from orchestrators.resource_lock import holding

RunResult = Generator[Any, Any, dict[str, Any]]


class _Gallery(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


class DefinitionRequest(Protocol):
    @property
    def gallery(self) -> _Gallery: ...

    @property
    def image_definition(self) -> str: ...

    def mirror_scope(self) -> tuple[bool, str | None]: ...


R = TypeVar("R", bound=DefinitionRequest)


@dataclass
class DefinitionRun(Generic[R]):
    """One run on a definition: its typed request, who started it, its audit trail."""

    context: df.DurableOrchestrationContext
    request: R
    started_by: dict[str, Any] | None
    trail: list[dict[str, Any]] = field(default_factory=list)
    # the run's ONE `cancel` waiter, scheduled with the first lock call (as a publish's)
    cancel: Any = None
    applied: list[dict[str, Any]] = field(default_factory=list)  # prune_apply outcomes
    # `include_mirrors`: the image's mirror definitions as targets (orchestrators/mirror_targets)
    mirrors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def target(self) -> dict[str, Any]:
        return {
            "gallery": self.request.gallery.to_dict(),
            "definition": self.request.image_definition,
        }

    def now(self) -> str:
        return self.context.current_utc_datetime.isoformat()

    def audit(self, action: str) -> None:
        self.trail.append(audit.entry(action, self.started_by, self.now()))


def holding_targets(
    context: Context, kind: str, targets: list[dict[str, Any]], body: Gen, listen: Any = None
) -> Gen:
    """Run `body` holding the lock of each target's definition (`{"gallery", "definition"}`,
    in order); `kind` is the run kind and the lock step; `listen`: the run's `cancel`
    waiter, scheduled with the first lock call."""
    resources = [("definition", definition_id(t["gallery"], t["definition"])) for t in targets]
    return (yield from holding(context, kind, resources, kind, body, listen))


def definition_run(
    context: df.DurableOrchestrationContext,
    parse: Callable[[dict[str, Any]], R],
    kind: str,
    body: Callable[[DefinitionRun[R]], Gen],
) -> Gen:
    """A run on one definition: the typed request (an invalid one fails the run at once,
    see `typed_input`), audited as started, then `body(run)` holding the definition's lock.
    `request.mirror_scope()` -> (include_mirrors, version or None): the run also covers the
    image's mirror definitions (`run.mirrors`) and holds their locks too."""
    # The HTTP layer's authenticated starter rides along in the input (galleryflow/identity).
    started_by = audit.split_starter(context.get_input())[1]
    request = typed_input(context, lambda data: parse(audit.split_starter(data)[0]), kind)
    run = DefinitionRun(context, request, started_by)
    run.cancel = context.wait_for_external_event(Event.CANCEL)
    run.audit("started")
    include, version = request.mirror_scope()
    run.mirrors = yield from all_galleries(context, run.target, version, include, kind)
    targets = [run.target, *run.mirrors]
    return (yield from holding_targets(context, kind, targets, body(run), run.cancel))


def emit_event(context: df.DurableOrchestrationContext, kind: str, data: dict[str, Any]) -> Gen:
    """Send the run's `kind` event (event id "<run id>:<kind>"); returns None, or the
    warning to report when it was lost: a lost notification never fails the run."""
    event = {
        "kind": kind,
        "run_id": context.instance_id,
        "event_id": f"{context.instance_id}:{kind}",
        "time": context.current_utc_datetime.isoformat(),
        "data": data,
    }
    try:
        yield from call(context, Activity.EMIT_EVENT, event, step="notify", resource="events queue")
    except StepFailed as lost:
        return f"event {kind} not sent: {lost.code}: {lost.message}"
    return None
