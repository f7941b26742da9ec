"""Client operations on instances (what the Durable HTTP API and the durable client call):
start, raise an event, terminate, suspend/resume, purge, status, signal an entity. Each one
is a message to the instance (or a row), processed by the engine's next episode.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from sandbox.host import entities
from sandbox.host import history as h
from sandbox.host.app_loader import LoadedApp
from sandbox.host.clock import Clock
from sandbox.host.store import TERMINAL, Instance, Store
from sandbox.host.timeutil import from_iso
from sandbox.host.versioning import Versioning

MAX_INSTANCE_ID_LENGTH = 256


class UnknownOrchestrator(Exception):
    pass


class InstanceExists(Exception):
    pass


class InvalidInstanceId(Exception):
    pass


class ClientOperations:
    """Mixed into the Engine, which owns these attributes."""

    app: LoadedApp
    store: Store
    clock: Clock
    versioning: Versioning
    rejected: set[str]
    notify: Callable[[], None]
    _cache: dict[str, tuple[str, list[dict[str, Any]]]]

    def start(
        self,
        name: str,
        instance_id: str | None,
        input_value: Any,
        parent: tuple[str, str, int] | None = None,
        version: str | None = None,
    ) -> str:
        """Create an instance; refuses (InstanceExists) while one with that id is not finished.
        Its version: `version` if given, else host.json defaultVersion (never the parent's)."""
        if instance_id is not None:
            _check_instance_id(instance_id)
        info = self.app.durable("orchestrationTrigger", name)
        if info is None:
            raise UnknownOrchestrator(
                f"The function '{name}' doesn't exist, is disabled, or is not an orchestrator"
                " function. Additional info: the app's orchestrators are "
                + ", ".join(
                    sorted(
                        f.durable_name or f.name
                        for f in self.app.functions
                        if f.trigger_type == "orchestrationTrigger"
                    )
                )
            )
        instance_id = instance_id or uuid.uuid4().hex
        now = self.clock.now_iso()
        with self.store.tx():
            existing = self.store.get_instance(instance_id)
            if existing is not None and existing.status not in TERMINAL:
                raise InstanceExists(
                    f"An orchestration instance with id '{instance_id}' already exists and is"
                    f" {existing.status}."
                )
            if existing is not None:
                self.store.delete_instance(instance_id)
            self._cache.pop(instance_id, None)
            execution_id = uuid.uuid4().hex
            input_text = None if input_value is None else json.dumps(input_value)
            version = self.versioning.for_new_instance(version)
            self.store.put_instance(
                Instance(
                    instance_id=instance_id,
                    name=info.durable_name or info.name,
                    execution_id=execution_id,
                    status="Pending",
                    input=input_text,
                    output=None,
                    custom_status=None,
                    created_time=now,
                    last_updated=now,
                    parent_instance_id=parent[0] if parent else None,
                    parent_execution_id=parent[1] if parent else None,
                    parent_task_id=parent[2] if parent else None,
                    action_log=[],
                    version=version,
                )
            )
            self.store.add_message(
                instance_id,
                execution_id,
                now,
                h.execution_started(now, info.durable_name or info.name, input_text, version),
            )
        self.notify()
        return instance_id

    def raise_event(self, instance_id: str, name: str, value: Any) -> str:
        """'accepted' | 'not_found' | 'gone'. Events wait in the history until someone waits."""
        return self._send(instance_id, lambda now: h.event_raised(now, name, json.dumps(value)))

    def terminate(self, instance_id: str, reason: str) -> str:
        self.rejected.discard(instance_id)  # a terminate is processed whatever the version
        return self._send(instance_id, lambda now: h.execution_terminated(now, reason))

    def suspend(self, instance_id: str, reason: str, resume: bool = False) -> str:
        marker = h.execution_resumed if resume else h.execution_suspended
        return self._send(instance_id, lambda now: marker(now, reason))

    def _send(self, instance_id: str, event_at: Callable[[str], dict[str, Any]]) -> str:
        """Queue `event_at(now)` for a running instance: 'accepted' | 'not_found' | 'gone'."""
        inst = self.store.get_instance(instance_id)
        if inst is None:
            return "not_found"
        if inst.status in TERMINAL:
            return "gone"
        now = self.clock.now_iso()
        self.store.add_message(instance_id, None, now, event_at(now))
        self.notify()
        return "accepted"

    def purge(self, instance_id: str) -> str:
        """'deleted' | 'not_found' | 'running' (only finished instances are purged)."""
        inst = self.store.get_instance(instance_id)
        if inst is None:
            return "not_found"
        if inst.status not in TERMINAL:
            return "running"
        self.store.delete_instance(instance_id)
        self._cache.pop(instance_id, None)
        return "deleted"

    def purge_by(
        self, created_from: str | None, created_to: str | None, statuses: list[str]
    ) -> int:
        wanted = [s for s in statuses if s in TERMINAL] if statuses else list(TERMINAL)
        found = self.store.query_instances(wanted, created_from, created_to, None)
        for inst in found:
            self.store.delete_instance(inst.instance_id)
            self._cache.pop(inst.instance_id, None)
        return len(found)

    def status(
        self,
        inst: Instance,
        show_input: bool = True,
        show_history: bool = False,
        show_history_output: bool = False,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": inst.name,
            "instanceId": inst.instance_id,
            "runtimeStatus": inst.status,
            "input": _loads(inst.input) if show_input else None,
            "customStatus": _loads(inst.custom_status),
            "output": _loads(inst.output),
            # The extension formats these with whole seconds ("s" + "Z").
            "createdTime": _api_time(inst.created_time),
            "lastUpdatedTime": _api_time(inst.last_updated),
        }
        if show_history:
            events = self.store.load_history(inst.instance_id, inst.execution_id)
            body["historyEvents"] = h.for_status_api(events, show_history_output, show_input)
        return body

    def signal_entity(self, name: str, key: str, op: str, input_value: Any) -> None:
        """Client signal: the input arrives as the request body's JSON (like the extension)."""
        now = self.clock.now_iso()
        entity_id = entities.entity_id_of(name, key)
        input_text = None if input_value is None else str(input_value)
        if input_value is not None and not isinstance(input_value, str):
            input_text = json.dumps(input_value)
        self.store.add_message(
            entity_id, None, now, entities.operation(now, op, input_text, signal=True)
        )
        self.notify()


def _api_time(text: str) -> str:
    return from_iso(text).strftime("%Y-%m-%dT%H:%M:%SZ")


def _check_instance_id(instance_id: str) -> None:
    """The extension's rules for caller-chosen instance ids."""
    if not instance_id:
        raise InvalidInstanceId("instance id must not be empty")
    if entities.is_entity_id(instance_id):
        raise InvalidInstanceId(
            f"instance id '{instance_id}' is reserved: ids starting with '@' name entities"
        )
    if any(c in "/\\#?" or ord(c) < 32 or ord(c) == 127 for c in instance_id):
        raise InvalidInstanceId(
            "Orchestration instance ids must not contain /, \\, #, ?, or control characters."
        )
    if len(instance_id) > MAX_INSTANCE_ID_LENGTH:
        raise InvalidInstanceId(
            f"Instance ID lengths must not exceed {MAX_INSTANCE_ID_LENGTH} characters."
        )


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)
