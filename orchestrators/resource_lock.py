"""The `resource_lock` entity and how orchestrators hold it (galleryflow/domain/
resource_lock.py decides). Every run kind takes the locks of what it writes first thing,
and releases them on every terminal path; a refusal fails the run with RunInProgress."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import azure.durable_functions as df

from galleryflow.domain.resource_lock import lock_key, operate
from galleryflow.durable.failures import StepFailed
from galleryflow.durable.names import Activity, Entity
from orchestrators import bp
from orchestrators.calls import Gen, call

WHAT = {"definition": "image definition", "vm": "source VM"}


@bp.entity_trigger(context_name="context", entity_name=Entity.RESOURCE_LOCK)
def resource_lock(context: df.DurableEntityContext) -> None:
    state, answer = operate(context.get_state(dict), context.operation_name, context.get_input())
    context.set_state(state)
    context.set_result(answer)


class Locks:
    """The locks one run holds: `yield from locks.acquire(...)`, then `locks.release()`."""

    def __init__(
        self,
        context: df.DurableOrchestrationContext,
        run_kind: str,
        listen: Any = None,
        on_granted: Callable[[], None] | None = None,
    ) -> None:
        self.context = context
        self.run_kind = run_kind
        self.held: list[df.EntityId] = []
        # the run's `cancel` waiter, scheduled with the first lock call (see calls.call)
        self.listen = listen
        self.on_granted = on_granted  # e.g. report the first step once every lock is held

    def acquire(self, resources: list[tuple[str, str]], step: str) -> Gen:
        """Lock each `(kind, resource id)` ("definition" or "vm") in order; on a refusal
        release what was taken and raise RunInProgress naming the holder."""
        for kind, resource in resources:
            entity = df.EntityId(Entity.RESOURCE_LOCK, lock_key(kind, resource))
            answer = yield from self._acquire(entity, resource, step)
            if not answer.get("granted"):
                self.release()
                holder = answer.get("holder")
                holder_kind = answer.get("kind") or "galleryflow"
                raise StepFailed(
                    step,
                    resource,
                    "RunInProgress",
                    f"run {holder} ({holder_kind}) holds this {WHAT.get(kind, kind)}; one run "
                    "at a time: wait for it to finish or cancel it, then try again",
                )
            self.held.append(entity)
        if self.on_granted is not None:
            self.on_granted()

    def _acquire(self, entity: df.EntityId, resource: str, step: str) -> Gen:
        request = {"run_id": self.context.instance_id, "kind": self.run_kind, "resource": resource}
        first = self.context.call_entity(entity, "acquire", request)
        if self.listen is not None:
            yield self.context.task_any([first, self.listen])
            self.listen = None
        answer: dict[str, Any] = yield first
        holder = answer.get("holder")
        if answer.get("granted") or not holder:
            return answer
        # A holder that was terminated or purged never released: free it, then try again.
        found = yield from call(
            self.context, Activity.RUN_LIVENESS, {"run_id": holder}, step=step, resource=resource
        )
        if found.get("live"):
            return answer
        yield self.context.call_entity(entity, "release_stale", {"holder": holder})
        return (yield self.context.call_entity(entity, "acquire", request))

    def release(self) -> None:
        """One-way signals, sent with the episode's other actions. Call it in an episode
        that goes on (before a last activity) or completes: a failing episode's actions may
        not be sent."""
        for entity in self.held:
            self.context.signal_entity(entity, "release", {"run_id": self.context.instance_id})
        self.held = []

    def release_before_failing(self) -> Gen:
        """Release and wait for it: for a run about to raise (its last episode fails)."""
        for entity in self.held:
            yield self.context.call_entity(entity, "release", {"run_id": self.context.instance_id})
        self.held = []


def holding(
    context: df.DurableOrchestrationContext,
    run_kind: str,
    resources: list[tuple[str, str]],
    step: str,
    body: Gen,
    listen: Any = None,
) -> Gen:
    """Run `body` holding the locks of `resources`; released on every terminal path.
    `listen`: the run's `cancel` waiter, scheduled from the first lock call on."""
    locks = Locks(context, run_kind, listen)
    yield from locks.acquire(resources, step)
    try:
        result = yield from body
    except StepFailed:
        yield from locks.release_before_failing()
        raise
    locks.release()
    return result
