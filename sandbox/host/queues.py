"""Queue triggers and queue output bindings against Azure Storage queues (Azurite locally).

Like the Functions queue extension: messages are base64 unless host.json sets
`extensions.queues.messageEncoding` to `none`; a failing message is retried until
`maxDequeueCount` (default 5), then moved to `<queue>-poison`; output queues are created on
first use. Polling is wall-clock (it does not wait for simulated time).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import azure.functions as func
from azure.core.exceptions import ResourceExistsError
from azure.functions.queue import QueueMessage as FuncQueueMessage
from azure.storage.queue import QueueClient, QueueMessage

from sandbox.host import invoke
from sandbox.host.app_loader import FunctionInfo, LoadedApp

log = logging.getLogger("sandbox.host.queues")
POLL_SECONDS = 0.25


class QueueBindings:
    def __init__(self, app: LoadedApp) -> None:
        self.app = app
        queues = app.host_json.get("extensions", {}).get("queues", {})
        self.base64 = str(queues.get("messageEncoding", "base64")).lower() == "base64"
        self.max_dequeue = int(queues.get("maxDequeueCount", 5))
        self._clients: dict[tuple[str, str], QueueClient] = {}

    def client(self, connection_setting: str | None, queue: str) -> QueueClient:
        setting = connection_setting or "AzureWebJobsStorage"
        key = (setting, queue)
        if key not in self._clients:
            connection = self.app.settings.get(setting)
            if not connection:
                raise LookupError(
                    f"queue binding needs app setting {setting} (a storage connection string)"
                )
            client = QueueClient.from_connection_string(connection, queue)
            with contextlib.suppress(ResourceExistsError):
                client.create_queue()
            self._clients[key] = client
        return self._clients[key]

    # ------------------------------------------------------------------ outputs
    def send_outputs(self, call: invoke.Invocation) -> None:
        for binding in call.info.bindings:
            if binding["type"] != "queue" or binding["name"] not in call.outputs:
                continue
            value = call.outputs[binding["name"]].get()
            if value is None:
                continue
            client = self.client(binding.get("connection"), str(binding["queueName"]))
            for item in value if isinstance(value, list) else [value]:
                client.send_message(self._encode(item))

    def _encode(self, item: Any) -> str:
        if isinstance(item, bytes):
            text = item.decode()
        elif isinstance(item, str):
            text = item
        else:
            text = json.dumps(item)
        return base64.b64encode(text.encode()).decode() if self.base64 else text

    # ------------------------------------------------------------------ triggers
    async def poll_forever(
        self,
        info: FunctionInfo,
        run: Callable[[FunctionInfo, func.QueueMessage], Awaitable[None]],
    ) -> None:
        loop = asyncio.get_running_loop()
        queue = str(info.trigger["queueName"])
        try:
            client = await loop.run_in_executor(
                None, self.client, info.trigger.get("connection"), queue
            )
        except LookupError as exc:
            log.warning("The '%s' function is in error: %s", info.name, exc)
            return
        while True:
            try:
                messages = await loop.run_in_executor(None, _receive, client)
            except Exception as exc:  # storage down: keep trying, like the real host
                log.warning("polling queue %s failed: %s", queue, exc)
                messages = []
            for message in messages:
                await self._handle(client, info, message, run)
            if not messages:
                await asyncio.sleep(POLL_SECONDS)

    async def _handle(
        self,
        client: QueueClient,
        info: FunctionInfo,
        message: QueueMessage,
        run: Callable[[FunctionInfo, func.QueueMessage], Awaitable[None]],
    ) -> None:
        loop = asyncio.get_running_loop()
        body = self._decode(message.content)
        ok = False
        if body is not None:
            trigger = FuncQueueMessage(
                id=message.id,
                body=body,
                dequeue_count=message.dequeue_count,
                insertion_time=message.inserted_on,
                expiration_time=message.expires_on,
                pop_receipt=message.pop_receipt,
            )
            try:
                await run(info, trigger)
                ok = True
            except Exception:
                log.exception("queue function %s failed", info.name)
        if ok:
            await loop.run_in_executor(None, client.delete_message, message)
        elif body is None or (message.dequeue_count or 0) >= self.max_dequeue:
            poison = self.client(info.trigger.get("connection"), f"{client.queue_name}-poison")
            await loop.run_in_executor(None, poison.send_message, message.content)
            await loop.run_in_executor(None, client.delete_message, message)
        else:
            await loop.run_in_executor(
                None,
                lambda: client.update_message(
                    message, pop_receipt=message.pop_receipt, visibility_timeout=0
                ),
            )

    def _decode(self, content: Any) -> bytes | None:
        raw = content.encode() if isinstance(content, str) else bytes(content or b"")
        if not self.base64:
            return raw
        try:
            return base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            log.warning("queue message is not base64 (messageEncoding is base64): poisoned")
            return None


def _receive(client: QueueClient) -> list[QueueMessage]:
    return list(client.receive_messages(max_messages=16, visibility_timeout=30))
