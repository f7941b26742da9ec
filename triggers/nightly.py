"""The nightly rebuild: one publish per pipeline of GALLERYFLOW_PIPELINES_FILE.

Schedule: the NCRONTAB in GALLERYFLOW_NIGHTLY_SCHEDULE. Each run gets a date-based version
and the instance id of the idempotency key `nightly-<pipeline>-<YYYYMMDD>` (the night the
invocation runs for, `pipelines.firing_day`), so a timer that fires twice on one day (or a
host restart) starts nothing new. The pipelines file is
checked when the app starts (errors logged at ERROR then) and read again each time the timer
fires; an invalid file then fails that invocation with every problem listed.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from galleryflow.api.ids import definition_key, publish_instance_id
from galleryflow.domain.request import RequestValidationError, parse_publish_request
from galleryflow.durable.names import Orchestration
from galleryflow.identity.audit import with_starter
from galleryflow.identity.principal import system_principal
from galleryflow.pipelines import (
    PipelinesConfig,
    PipelinesConfigError,
    configured_pipelines,
    firing_day,
    load_pipelines,
    nightly_request,
    validate_requests,
)
from triggers import bp
from triggers.runs_store import live_run_for_definition

log = logging.getLogger("galleryflow.nightly")
PIPELINES_SETTING = "GALLERYFLOW_PIPELINES_FILE"


class NightlyConfigError(RuntimeError):
    """The timer fired with an invalid pipelines file (every problem is in the message)."""


def _request_problems(request: dict[str, Any]) -> list[dict[str, str]]:
    try:
        parse_publish_request({**request, "version": {"strategy": "date"}})
    except RequestValidationError as exc:
        return exc.to_dicts()
    return []


def load_checked_pipelines(path: str) -> PipelinesConfig:
    """Load the file and check every pipeline's request with the domain's validation."""
    config = load_pipelines(path)
    validate_requests(config, _request_problems, source=path)
    return config


def log_startup_check() -> None:
    """Check the pipelines file when the app loads, so a bad file shows in the log at once
    (not only when the timer fires hours later). The timer re-reads the file each time, so
    fixing it needs no restart."""
    try:
        configured_pipelines(check=_request_problems)
    except PipelinesConfigError as exc:
        log.error("start-up: nightly rebuild and named pipelines will fail until fixed: %s", exc)


log_startup_check()


async def start_nightly_runs(
    client: df.DurableOrchestrationClient, config: PipelinesConfig, day: date
) -> list[dict[str, str]]:
    """Start (or find already started) one publish per nightly pipeline for `day`."""
    started: list[dict[str, str]] = []
    for pipeline in config.nightly():
        request = parse_publish_request(nightly_request(pipeline, day)).to_dict()
        instance_id = publish_instance_id(request)
        assert instance_id is not None  # nightly requests always carry an idempotency key
        existing = await client.get_status(instance_id)
        if existing and existing.runtime_status is not None:
            started.append(
                {"pipeline": pipeline.name, "instance_id": instance_id, "outcome": "exists"}
            )
            continue
        # One run per image definition: a live run (any starter) makes tonight's a no-op.
        busy = await live_run_for_definition(client, definition_key(request))
        if busy:
            started.append({"pipeline": pipeline.name, "instance_id": busy, "outcome": "busy"})
            continue
        starter = system_principal("nightly timer").to_dict()
        await client.start_new(Orchestration.PUBLISH, instance_id, with_starter(request, starter))
        started.append(
            {"pipeline": pipeline.name, "instance_id": instance_id, "outcome": "started"}
        )
    return started


@bp.timer_trigger(schedule="%GALLERYFLOW_NIGHTLY_SCHEDULE%", arg_name="timer")
@bp.durable_client_input(client_name="client")
async def nightly_rebuild(timer: func.TimerRequest, client: df.DurableOrchestrationClient) -> None:
    try:
        config = configured_pipelines(check=_request_problems)
    except PipelinesConfigError as exc:
        log.error("nightly rebuild: nothing started: %s", exc)
        raise NightlyConfigError(f"nightly rebuild: nothing started: {exc}") from None
    if config is None:
        log.warning("nightly rebuild: %s is not set; nothing to publish", PIPELINES_SETTING)
        return
    # azure.functions' TimerRequest has schedule_status; its abstract base does not declare it.
    day = firing_day(getattr(timer, "schedule_status", None), datetime.now(UTC))
    for item in await start_nightly_runs(client, config, day):
        log.info("nightly %s: %s %s", item["pipeline"], item["outcome"], item["instance_id"])
