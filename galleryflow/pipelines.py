"""The image pipelines config file (JSON or YAML): which publishes the nightly timer and the
DevOps hooks start.

This module only reads and checks the file's shape; each pipeline's `request` is checked by
whoever turns it into a publish (the domain's request validation), see `validate_requests`.

File format (schema_version 1)::

    schema_version: 1
    pipelines:
      - name: ubuntu-golden-nightly     # [a-z0-9-]{1,48}, unique
        nightly: true                   # started by the nightly timer (default true)
        devops: {...}                   # optional mapping used by the DevOps service hook
        request: {...}                  # a publish request (docs/CONTRACTS.md); the nightly
                                        # timer replaces `version` with the date strategy

A nightly entry's request gets `patch: {}` (install Critical and Security updates before
capture) unless it gives `patch` itself (`patch: null` opts out); applied here, when the
file is loaded, so the canonical request always carries the field. Likewise a nightly
entry that patches gets `skip_when_current: true` unless it says otherwise (assess first:
no rebuild when nothing is to install and the entry did not change).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from galleryflow.domain.problems import Problem
from galleryflow.settings import AppSettings

SCHEMA_VERSION = 1
_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,47}")
_PIPELINE_FIELDS = {"name", "nightly", "devops", "request"}


class PipelinesConfigError(ValueError):
    """The pipelines file is missing, unreadable or invalid; `problems` lists every issue."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        lines = [f"{p.path}: {p.message} ({p.hint})" for p in problems]
        super().__init__(f"invalid pipelines file {source}:\n  " + "\n  ".join(lines))


@dataclass(frozen=True)
class Pipeline:
    name: str
    request: dict[str, Any]
    nightly: bool = True
    devops: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PipelinesConfig:
    pipelines: tuple[Pipeline, ...]

    def by_name(self, name: str) -> Pipeline | None:
        return next((p for p in self.pipelines if p.name == name), None)

    def nightly(self) -> list[Pipeline]:
        return [p for p in self.pipelines if p.nightly]


def load_pipelines(path: str | Path) -> PipelinesConfig:
    """Read and check a pipelines file (`.json`, `.yaml`, `.yml`); raise PipelinesConfigError."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise PipelinesConfigError(
            source,
            [Problem("$", f"cannot read the file: {exc.strerror or exc}", _FILE_HINT)],
        ) from None
    return parse_pipelines(text, source=source)


_FILE_HINT = "set GALLERYFLOW_PIPELINES_FILE to a readable JSON or YAML file"
RequestCheck = Callable[[dict[str, Any]], list[dict[str, str]]]


def configured_pipelines(
    settings: AppSettings | None = None, *, check: RequestCheck | None = None
) -> PipelinesConfig | None:
    """The one loader of GALLERYFLOW_PIPELINES_FILE for the triggers: None when the setting
    is not set; PipelinesConfigError when the file is missing, unreadable or invalid (and,
    with `check`, when a pipeline's request fails it, see `validate_requests`). Each trigger
    decides what "none configured" and "invalid" mean to its caller."""
    path = (settings or AppSettings.from_env()).pipelines_file
    if not path:
        return None
    config = load_pipelines(path)
    if check is not None:
        validate_requests(config, check, source=path)
    return config


def parse_pipelines(text: str, *, source: str = "<text>") -> PipelinesConfig:
    """Parse the text of a pipelines file: JSON when the source ends in .json, else YAML."""
    try:
        data = json.loads(text) if source.endswith(".json") else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise PipelinesConfigError(
            source, [Problem("$", f"not valid JSON/YAML: {exc}", "fix the syntax error")]
        ) from None
    problems: list[Problem] = []
    pipelines = _check_document(data, problems)
    if problems:
        raise PipelinesConfigError(source, problems)
    return PipelinesConfig(tuple(pipelines))


def _check_document(data: object, problems: list[Problem]) -> list[Pipeline]:
    if not isinstance(data, dict):
        problems.append(
            Problem("$", "the file must hold a mapping", "start with `schema_version: 1`")
        )
        return []
    for key in sorted(set(data) - {"schema_version", "pipelines"}):
        problems.append(Problem(f"$.{key}", "unknown field", "allowed: schema_version, pipelines"))
    if data.get("schema_version") != SCHEMA_VERSION:
        problems.append(
            Problem(
                "$.schema_version",
                f"must be {SCHEMA_VERSION}, got {data.get('schema_version')!r}",
                f"add `schema_version: {SCHEMA_VERSION}`",
            )
        )
    items = data.get("pipelines")
    if not isinstance(items, list):
        problems.append(
            Problem("$.pipelines", "must be a list", "list pipelines under `pipelines:`")
        )
        return []
    pipelines: list[Pipeline] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        pipeline = _check_pipeline(item, f"$.pipelines[{index}]", problems)
        if pipeline is None:
            continue
        if pipeline.name in seen:
            problems.append(
                Problem(f"$.pipelines[{index}].name", "duplicate name", "names must be unique")
            )
        seen.add(pipeline.name)
        pipelines.append(pipeline)
    return pipelines


def _check_pipeline(item: object, path: str, problems: list[Problem]) -> Pipeline | None:
    if not isinstance(item, dict):
        problems.append(Problem(path, "must be a mapping", "give name and request"))
        return None
    before = len(problems)
    for key in sorted(set(item) - _PIPELINE_FIELDS):
        problems.append(
            Problem(
                f"{path}.{key}", "unknown field", f"allowed: {', '.join(sorted(_PIPELINE_FIELDS))}"
            )
        )
    name = item.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        problems.append(
            Problem(
                f"{path}.name",
                f"invalid pipeline name {name!r}",
                "use 1-48 lowercase letters, digits and dashes, starting with a letter or digit",
            )
        )
    nightly = item.get("nightly", True)
    if not isinstance(nightly, bool):
        problems.append(Problem(f"{path}.nightly", "must be true or false", "omit for true"))
    devops = item.get("devops", {})
    if not isinstance(devops, dict):
        problems.append(Problem(f"{path}.devops", "must be a mapping", "omit it or give a map"))
    request = item.get("request")
    if not isinstance(request, dict):
        problems.append(
            Problem(f"{path}.request", "must be a publish request mapping", "see CONTRACTS.md")
        )
    if len(problems) > before:
        return None
    assert isinstance(name, str) and isinstance(request, dict) and isinstance(devops, dict)
    if nightly and "patch" not in request:
        request = {**request, "patch": {}}  # defaults: domain/patching.py
    if nightly and request.get("patch") is not None and "skip_when_current" not in request:
        request = {**request, "skip_when_current": True}  # domain/skip_when_current.py
    return Pipeline(name=name, request=request, nightly=bool(nightly), devops=devops)


def validate_requests(
    config: PipelinesConfig,
    check: RequestCheck,
    *,
    source: str = "<pipelines>",
) -> None:
    """Run `check` (request dict -> problems) on every pipeline's request; raise on any problem.

    Problems come back with their paths prefixed by the pipeline's position, so one error
    lists everything wrong in the file at once.
    """
    problems: list[Problem] = []
    for index, pipeline in enumerate(config.pipelines):
        for p in check(pipeline.request):
            sub = p.get("path", "$")
            path = f"$.pipelines[{index}].request" + (sub[1:] if sub.startswith("$") else sub)
            problems.append(Problem(path, p.get("message", "invalid"), p.get("hint", "")))
    if problems:
        raise PipelinesConfigError(source, problems)


FIRING_SLACK = timedelta(minutes=5)


def firing_day(schedule_status: Mapping[str, Any] | None, now: datetime) -> date:
    """The (UTC) night a timer invocation runs for.

    Azure hands the function the schedule status recorded *before* this invocation, so its
    `Next` is the occurrence being run (Azure/azure-webjobs-sdk-extensions, TimerListener.cs
    `InvokeJobFunction`: the status is updated after the call); a past-due invocation (the
    app was down at 02:00) then runs for the missed night. A manual run (portal, admin API)
    gets the monitor's status, whose `Next` is still ahead: that, or no status at all, is
    `now`'s day. So: `Next`'s day when it is not later than now (+ 5 min of clock skew)."""
    text = (schedule_status or {}).get("Next") or (schedule_status or {}).get("next")
    moment = _utc(text) if isinstance(text, str) else None
    if moment is not None and moment <= now + FIRING_SLACK:
        return moment.date()
    return now.astimezone(UTC).date()


def _utc(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def nightly_idempotency_key(pipeline: str, day: date) -> str:
    """Same pipeline, same (UTC) day -> same key -> same run: the nightly is idempotent."""
    return f"nightly-{pipeline}-{day:%Y%m%d}"


def nightly_request(pipeline: Pipeline, day: date) -> dict[str, Any]:
    """The publish request the nightly timer sends for `pipeline` on `day`: date-based
    version (`YYYY.MMDD.N`) and the day's idempotency key."""
    return {
        **pipeline.request,
        "version": {"strategy": "date"},
        "idempotency_key": nightly_idempotency_key(pipeline.name, day),
    }
