"""HTTP client for the Azure DevOps plan events and timeline feed of one agentless task.

Transient failures (connection errors, 408, 429, 5xx) are retried with backoff; anything
else is permanent. Redirects are never followed (a 3xx is a permanent, loudly logged
failure). The AuthToken is sent as a bearer token and never logged or raised.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from galleryflow.devops.task import TaskContext

logger = logging.getLogger(__name__)

API_VERSION = "2.0-preview.1"
TRANSIENT_STATUS = frozenset({408, 429, 500, 502, 503, 504})


class CallbackError(Exception):
    """A callback that could not be delivered; the message names the call, never the token."""

    def __init__(self, message: str, *, status: int | None, transient: bool) -> None:
        super().__init__(message)
        self.status = status
        self.transient = transient


@dataclass
class DevOpsClient:
    ca_bundle: str | None = None
    attempts: int = 4
    backoff_seconds: float = 1.0
    timeout_seconds: float = 10.0
    sleep: Callable[[float], None] = time.sleep

    def _plan_base(self, task: TaskContext) -> str:
        # PlanUrl is the collection URI and ends in '/'; join with exactly one '/'.
        return (
            f"{task.plan_url.rstrip('/')}/{quote(task.project_id)}/_apis/distributedtask/hubs/"
            f"{quote(task.hub_name)}/plans/{quote(task.plan_id)}"
        )

    def events_url(self, task: TaskContext) -> str:
        return f"{self._plan_base(task)}/events?api-version={API_VERSION}"

    def feed_url(self, task: TaskContext) -> str:
        return (
            f"{self._plan_base(task)}/timelines/{quote(task.timeline_id)}/records/"
            f"{quote(task.job_id)}/feed?api-version={API_VERSION}"
        )

    def task_completed(self, task: TaskContext, succeeded: bool) -> None:
        body = {
            "name": "TaskCompleted",
            "taskId": task.task_instance_id,
            "jobId": task.job_id,
            "result": "succeeded" if succeeded else "failed",
        }
        self._post(task, self.events_url(task), body, "TaskCompleted")

    def feed(self, task: TaskContext, lines: list[str]) -> None:
        if lines:
            self._post(task, self.feed_url(task), {"value": lines, "count": len(lines)}, "feed")

    def _post(self, task: TaskContext, url: str, body: dict[str, Any], what: str) -> None:
        headers = {"Authorization": f"Bearer {task.auth_token}", "Content-Type": "application/json"}
        verify: str | bool = self.ca_bundle or True
        last: CallbackError | None = None
        for attempt in range(1, self.attempts + 1):
            try:
                # Never follow a redirect: its target is outside the allow-list check.
                response = requests.post(
                    url,
                    json=body,
                    headers=headers,
                    timeout=self.timeout_seconds,
                    verify=verify,
                    allow_redirects=False,
                )
            except requests.RequestException as exc:
                last = CallbackError(
                    f"{what} to plan {task.plan_id}: {type(exc).__name__}",
                    status=None,
                    transient=True,
                )
            else:
                if response.status_code < 300:
                    return
                if response.status_code < 400:
                    raise self._redirected(task, what, response)
                last = CallbackError(
                    f"{what} to plan {task.plan_id}: HTTP {response.status_code}",
                    status=response.status_code,
                    transient=response.status_code in TRANSIENT_STATUS,
                )
            if not last.transient or attempt == self.attempts:
                break
            logger.warning(
                "DevOps %s failed (attempt %d/%d), retrying", last, attempt, self.attempts
            )
            self.sleep(self.backoff_seconds * 2 ** (attempt - 1))
        assert last is not None
        raise last

    @staticmethod
    def _redirected(task: TaskContext, what: str, response: requests.Response) -> CallbackError:
        """A 3xx is permanent: the call was not delivered and is not repeated elsewhere."""
        target = urlsplit(response.headers.get("Location", "")).hostname or "an unnamed place"
        logger.error(
            "DevOps %s to plan %s was redirected (HTTP %d) to %s; not followed, the callback "
            "is lost: check the PlanUrl and GALLERYFLOW_DEVOPS_ALLOWED_HOSTS",
            what,
            task.plan_id,
            response.status_code,
            target,
        )
        return CallbackError(
            f"{what} to plan {task.plan_id}: HTTP {response.status_code} redirect not followed",
            status=response.status_code,
            transient=False,
        )
