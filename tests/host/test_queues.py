"""Queue triggers and queue output bindings against Azurite."""

from __future__ import annotations

import base64
import contextlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from azure.storage.queue import QueueClient

from sandbox.host.testing import HostProcess

APP = Path(__file__).parent / "apps" / "queues"


def receive_one(connection: str, queue: str, timeout: float = 30.0) -> str:
    client = QueueClient.from_connection_string(connection, queue)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            for message in client.receive_messages(max_messages=1):
                client.delete_message(message)
                return str(message.content)
        except Exception:  # the queue may not exist yet
            pass
        time.sleep(0.1)
    raise TimeoutError(f"no message on {queue}")


def send(connection: str, queue: str, payload: Any) -> None:
    client = QueueClient.from_connection_string(connection, queue)
    with contextlib.suppress(Exception):
        client.create_queue()
    client.send_message(base64.b64encode(json.dumps(payload).encode()).decode())


def test_queue_trigger_starts_an_orchestration_whose_activity_writes_a_queue(
    sandbox_host: Callable[..., HostProcess], azurite: Any
) -> None:
    connection = azurite.connection_string
    host = sandbox_host(APP, settings={"STORAGE": connection})
    send(connection, "orders", {"id": "order-1"})
    status = host.wait_for_instance("order-1", until=lambda s: s["runtimeStatus"] == "Completed")
    assert status["output"] == "shipped order-1"
    shipped = json.loads(base64.b64decode(receive_one(connection, "shipped")))
    assert shipped == {"id": "order-1", "status": "shipped"}


def test_failing_queue_message_goes_to_poison_and_http_output_binding(
    sandbox_host: Callable[..., HostProcess], azurite: Any
) -> None:
    connection = azurite.connection_string
    host = sandbox_host(APP, settings={"STORAGE": connection})
    send(connection, "orders", {"id": "order-2", "bad": True})
    poisoned = json.loads(base64.b64decode(receive_one(connection, "orders-poison")))
    assert poisoned == {"id": "order-2", "bad": True}
    assert host.status("order-2") is None
    response = requests.post(f"{host.url}/api/note", data="remember", timeout=10)
    assert response.status_code == 202
    assert base64.b64decode(receive_one(connection, "notes")) == b"remember"
