"""Durable entities: operations queue up as messages to `@name@key`; a batch runs the app's
entity function (the SDK's `Entity.create` handle) over the stored state, and each
`call_entity` gets its response as an EventRaised named after the request id (what the SDK
waits for). Signals are one-way."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sandbox.host import history as h
from sandbox.host.app_loader import LoadedApp
from sandbox.host.store import Message, Store

ENTITY_OPERATION = -100  # our own message type; never written to an orchestration history


def is_entity_id(instance_id: str) -> bool:
    return instance_id.startswith("@")


def split_entity_id(entity_id: str) -> tuple[str, str]:
    name, _, key = entity_id[1:].partition("@")
    return name, key


def entity_id_of(name: str, key: str) -> str:
    return f"@{name.lower()}@{key}"


def operation(
    ts: str,
    op: str,
    input_text: str | None,
    signal: bool,
    parent: tuple[str, str] | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    """`input_text` is the serialized input (df_dumps text), as the actions carry it."""
    return {
        "EventType": ENTITY_OPERATION,
        "Timestamp": ts,
        "op": op,
        "input": input_text,
        "signal": signal,
        "parent": parent[0] if parent else None,
        "parentExecution": parent[1] if parent else None,
        "id": request_id or str(uuid.uuid4()),
    }


def request_id(instance_id: str, execution_id: str, task_id: int) -> str:
    """Deterministic per call, so a replayed EventSent names the same request."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{instance_id}/{execution_id}/{task_id}"))


def run_batch(
    app: LoadedApp, store: Store, entity_id: str, messages: list[Message], now: str
) -> None:
    """Run every pending operation of one entity, store the new state, answer the callers."""
    name, key = split_entity_id(entity_id)
    info = app.durable("entityTrigger", name)
    ops = [m.event for m in messages if m.event.get("EventType") == ENTITY_OPERATION]
    exists, state = store.get_entity(entity_id)
    results: list[dict[str, Any]]
    if info is None:
        problem = f"The function '{name}' doesn't exist, is disabled, or is not an entity function."
        results = [{"isError": True, "result": json.dumps(problem)} for _ in ops]
    else:
        context = {
            "self": {"name": name, "key": key},
            "exists": exists,
            "state": state,
            "batch": [
                {"name": op["op"], "input": json.dumps(op["input"]), "signal": op["signal"]}
                for op in ops
            ],
        }
        response = json.loads(info.func(json.dumps(context)))
        results = response.get("results", [])
        exists = bool(response.get("entityExists"))
        state = response.get("entityState") if exists else None
    with store.tx():
        store.put_entity(entity_id, exists, state)
        store.delete_messages([m.id for m in messages])
        for op, result in zip(ops, results, strict=False):
            if op["signal"] or not op["parent"]:
                continue
            answer: dict[str, Any] = {"result": result.get("result")}
            if result.get("isError"):
                answer["exceptionType"] = "Exception"
            store.add_message(
                op["parent"],
                op["parentExecution"],
                now,
                h.event_raised(now, op["id"], json.dumps(answer)),
            )


def read_state(store: Store, entity_id: str) -> tuple[bool, Any]:
    exists, state = store.get_entity(entity_id)
    return exists, (None if state is None else json.loads(state))
