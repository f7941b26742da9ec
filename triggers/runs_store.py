"""Reading runs through the Durable client, as plain JSON dicts the pure API code maps."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import azure.durable_functions as df

from galleryflow.api.ids import INSTANCE_ID, definition_key
from galleryflow.api.lock_outcome import LockOutcome, lock_outcome
from galleryflow.api.mirror_progress import fold_mirrors, mirrors_child_id
from galleryflow.api.runs import RUN_KINDS, run_kind, status_dict
from galleryflow.durable.status import FINISHED, LIVE


async def get_run(
    client: df.DurableOrchestrationClient, run_id: str, *, with_input: bool = False
) -> dict[str, Any] | None:
    """The run's status, or None when there is no such run (or it is not a public run)."""
    if not INSTANCE_ID.match(run_id):
        return None
    status = await client.get_status(run_id, show_input=with_input)
    if not status or status.created_time is None:
        return None
    data = status_dict(status)
    if not run_kind(data.get("name")):
        return None
    child_id = mirrors_child_id(data)
    if child_id is None:
        return data
    child = await client.get_status(child_id)
    return fold_mirrors(data, status_dict(child) if child else None)


async def list_runs(
    client: df.DurableOrchestrationClient, *, live_only: bool = False
) -> list[dict[str, Any]]:
    statuses = await (
        client.get_status_by(runtime_status=LIVE) if live_only else client.get_status_all()
    )
    runs = [status_dict(s) for s in statuses if s]
    by_id = {str(r.get("instanceId")): r for r in runs}
    return [
        fold_mirrors(r, by_id.get(mirrors_child_id(r) or ""))
        for r in runs
        if run_kind(r.get("name"))
    ]


async def live_run_for_definition(
    client: df.DurableOrchestrationClient,
    key: str,
    *,
    kinds: tuple[str, ...] = tuple(RUN_KINDS),
) -> str | None:
    """Id of a live run of `kinds` (by default every run kind: publish, rollback, prune)
    working on the definition `key` (see ids.definition_key). Only runs that report a
    step count: every run kind reports one once its locks are granted, so the run named is
    the lock's holder (a run still waiting for its lock may yet be refused). A fast path
    only: the run's lock is the real guard (galleryflow/api/lock_outcome.py)."""
    for run in await list_runs(client, live_only=True):
        if str(run.get("name", "")).lower() not in kinds:
            continue
        custom = run.get("customStatus")
        if not (isinstance(custom, dict) and custom.get("step")):
            continue
        run_input = input_of(run)
        if run_input is None:
            full = await client.get_status(str(run["instanceId"]), show_input=True)
            run_input = input_of(status_dict(full))
        if run_input is not None and definition_key(run_input) == key:
            return str(run["instanceId"])
    return None


def input_of(run: dict[str, Any]) -> dict[str, Any] | None:
    """A run's input as a dict (the host may hand it back as JSON text), else None."""
    run_input = run.get("input")
    if isinstance(run_input, str):
        try:
            run_input = json.loads(run_input)
        except ValueError:
            return None
    return run_input if isinstance(run_input, dict) else None


async def poll_status(
    client: df.DurableOrchestrationClient,
    run_id: str,
    seconds: float,
    poll: float,
    done: Callable[[dict[str, Any]], bool],
) -> tuple[dict[str, Any], bool]:
    """The run's status, read every `poll` seconds of wall time until `done(status)` holds or
    `seconds` have passed: (the last status read, whether `done` held)."""
    deadline = time.monotonic() + seconds
    while True:
        status = status_dict(await client.get_status(run_id))
        if done(status):
            return status, True
        if time.monotonic() >= deadline:
            return status, False
        await asyncio.sleep(poll)


async def wait_briefly(
    client: df.DurableOrchestrationClient, run_id: str, seconds: float, poll: float = 0.2
) -> dict[str, Any] | None:
    """The run's status once it finished within `seconds` of wall time, else None."""
    status, finished = await poll_status(
        client, run_id, seconds, poll, lambda s: s.get("runtimeStatus") in FINISHED
    )
    return status if finished else None


async def wait_for_lock(
    client: df.DurableOrchestrationClient, run_id: str, seconds: float, poll: float = 0.1
) -> LockOutcome:
    """The run's lock outcome once known within `seconds` of wall time (else not decided)."""
    status, _ = await poll_status(client, run_id, seconds, poll, lambda s: lock_outcome(s).decided)
    return lock_outcome(status)
