"""Activity calls as the orchestrators make them: with retry, errors turned into StepFailed;
and the orchestration input parsed into the domain's typed request."""

from __future__ import annotations

from collections.abc import Callable, Generator
from datetime import timedelta
from typing import Any, TypeAlias, TypeVar

import azure.durable_functions as df

from galleryflow.domain.problems import RequestValidationError
from galleryflow.durable.failures import StepFailed, error_from_failure, step_failed
from galleryflow.durable.names import Activity
from orchestrators.failures import ACTIVITY_RETRY, retry_after_wait

Context: TypeAlias = df.DurableOrchestrationContext
Gen: TypeAlias = Generator[Any, Any, Any]


def call(
    context: df.DurableOrchestrationContext,
    name: str,
    payload: dict[str, Any],
    *,
    step: str,
    resource: str,
    listen: Any = None,
) -> Generator[Any, Any, dict[str, Any]]:
    """`result = yield from call(...)`: one activity, retried, errors raised as StepFailed.
    An error with a Retry-After is called again after a durable timer of that length.

    `listen`: a `wait_for_external_event` task to schedule alongside (a run's `cancel`
    waiter, so an event raised from now on lands on it); the activity is still awaited."""
    calls_made = 0
    while True:
        calls_made += 1
        try:
            task = context.call_activity_with_retry(name, ACTIVITY_RETRY, payload)
            if listen is not None and calls_made == 1:
                yield context.task_any([task, listen])
            result = yield task
        except Exception as exc:  # the host reports a failed activity as a bare Exception
            raise step_failed(step, resource, error_from_failure(exc)) from None
        if not (isinstance(result, dict) and result.get("error")):
            return result if isinstance(result, dict) else {}
        wait = retry_after_wait(result["error"], calls_made)
        if wait is None:
            raise step_failed(step, resource, result["error"])
        yield context.create_timer(context.current_utc_datetime + timedelta(seconds=wait))


def sub_orchestration(
    context: Context,
    name: str,
    payload: dict[str, Any],
    *,
    step: str,
    resource: str,
    instance_id: str | None = None,
    cancel: Any = None,
) -> Generator[Any, Any, dict[str, Any]]:
    """`result = yield from sub_orchestration(...)`: a child orchestration whose failure is
    raised as StepFailed, with the child's own "<step> failed on <res>: <code>: <msg>".

    `cancel`: the parent's `cancel` waiter. When it completes first, the event is passed on
    to the child (activity `stop_child_run`), which stops at its next safe point; its result
    then says `"cancelled": true`."""
    child = context.call_sub_orchestrator(name, payload, instance_id=instance_id)
    return (
        yield from await_child(
            context, child, step=step, resource=resource, instance_id=instance_id, cancel=cancel
        )
    )


def await_child(
    context: Context,
    child: Any,
    *,
    step: str,
    resource: str,
    instance_id: str | None = None,
    cancel: Any = None,
) -> Generator[Any, Any, dict[str, Any]]:
    """The result of a child task made by `call_sub_orchestrator` (maybe started earlier,
    see `start_child`), with `sub_orchestration`'s failure and cancel handling."""
    try:
        if cancel is not None and instance_id is not None:
            winner = yield context.task_any([cancel, child])
            if winner == cancel:
                yield from call(
                    context,
                    Activity.STOP_CHILD_RUN,
                    {"run_id": instance_id, "how": "cancel", "data": cancel.result},
                    step=step,
                    resource=instance_id,
                )
        result = yield child
    except StepFailed:
        raise
    except Exception as exc:  # the host reports a failed child as a bare Exception
        raise child_failure(exc, step, resource) from None
    return result if isinstance(result, dict) else {}


def start_child(context: Context, name: str, payload: dict[str, Any], instance_id: str) -> Gen:
    """Start a child orchestration without waiting for it; returns its task (await it later
    with `await_child`). The SDK schedules a task only when it is yielded: the child is
    yielded in a race with a timer due now, which fires at once."""
    child = context.call_sub_orchestrator(name, payload, instance_id=instance_id)
    yield context.task_any([child, context.create_timer(context.current_utc_datetime)])
    return child


def child_failure(exc: BaseException, step: str, resource: str) -> StepFailed:
    text = str(exc)
    marker = f"{step} failed on "
    if marker in text:
        rest = text[text.index(marker) + len(marker) :].splitlines()[0]
        res, _, tail = rest.partition(": ")
        code, _, message = tail.partition(": ")
        return StepFailed(step, res, code or "Failed", message.strip() or tail)
    return step_failed(step, resource, error_from_failure(exc))


R = TypeVar("R")


def typed_input(context: df.DurableOrchestrationContext, parse: Callable[[Any], R], step: str) -> R:
    """The input as the domain's request (parsed once, on every replay alike). Triggers
    start runs with validated requests; any other input fails the run at once with
    "<step> failed on $: InvalidRequest: <problems>"."""
    try:
        return parse(context.get_input())
    except RequestValidationError as invalid:
        details = "; ".join(f"{p.path}: {p.message}" for p in invalid.problems)
        failure = StepFailed(step, "$", "InvalidRequest", details)
        context.set_custom_status({"step": "failed", "log": [str(failure)], "error": str(failure)})
        raise failure from None
