"""`ops publish` and `ops runs list|show|approve|reject|cancel`."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from galleryflow.cli.client import ApiClient, OperatorError
from galleryflow.cli.options import (
    DEFAULT_INTERVAL,
    DEFAULT_TIMEOUT,
    AsJson,
    By,
    Comment,
    Interval,
    Key,
    RunId,
    Timeout,
    Url,
)
from galleryflow.cli.output import console, follow, print_json, reporting, show_answer
from galleryflow.cli.views import run_view, runs_table
from galleryflow.cli.watch import exit_code


def _read_request(path: Path) -> dict[str, Any]:
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except OSError as exc:
        raise OperatorError(f"cannot read {path}: {exc.strerror}", code="BadRequestFile") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise OperatorError(
            f"{path} is not valid JSON: {exc}",
            code="BadRequestFile",
            hint="the publish request is one JSON object (docs/CONTRACTS.md)",
        ) from None
    if not isinstance(data, dict):
        raise OperatorError(f"{path} must hold one JSON object", code="BadRequestFile")
    return data


def publish(
    request_file: Annotated[Path, typer.Argument(help="publish request JSON file ('-': stdin)")],
    url: Url,
    key: Key = "",
    idempotency_key: Annotated[
        str | None, typer.Option(help="same key -> same run (Idempotency-Key header)")
    ] = None,
    watch: Annotated[bool, typer.Option(help="follow the run until it ends")] = False,
    interval: Interval = DEFAULT_INTERVAL,
    timeout: Timeout = DEFAULT_TIMEOUT,
    as_json: AsJson = False,
) -> None:
    """Start a publish run (POST /api/publish); with --watch, follow it to the end."""
    with reporting(as_json):
        request = _read_request(request_file)
        client = ApiClient(url, key)
        answer = client.publish(request, idempotency_key)
        run_id = str(answer["id"])
        if as_json and not watch:
            print_json(answer)
            return
        if not as_json:
            verb = "joined existing" if answer.get("existing") else "started"
            console().print(f"{verb} publish run {run_id}")
        if not watch:
            console().print(f"follow it: galleryflow runs show {run_id} --watch")
            return
        summary = follow(client, run_id, interval, timeout, as_json)
    raise typer.Exit(exit_code(summary))


def runs_list(
    url: Url,
    key: Key = "",
    definition: Annotated[
        str | None, typer.Option(help="image definition name or resource id")
    ] = None,
    status: Annotated[
        str | None,
        typer.Option(
            help="pending, running, awaiting_approval, succeeded, partially_succeeded, "
            "failed or canceled"
        ),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """List runs, newest first (GET /api/runs)."""
    with reporting(as_json):
        runs = ApiClient(url, key).runs(definition, status).get("runs", [])
        show_answer(runs, as_json, runs_table)


def runs_show(
    run_id: Annotated[str, typer.Argument(metavar="ID", help="run id")],
    url: Url,
    key: Key = "",
    watch: Annotated[bool, typer.Option(help="follow the run live until it ends")] = False,
    interval: Interval = DEFAULT_INTERVAL,
    timeout: Timeout = DEFAULT_TIMEOUT,
    as_json: AsJson = False,
) -> None:
    """Show a run (GET /api/runs/{id}); --watch follows it and exits with its outcome."""
    with reporting(as_json):
        client = ApiClient(url, key)
        if not watch:
            show_answer(client.run(run_id), as_json, run_view)
            return
        summary = follow(client, run_id, interval, timeout, as_json)
    raise typer.Exit(exit_code(summary))


def _send_event(
    event: str, run_id: str, url: str, key: str, by: str | None, comment: str | None, as_json: bool
) -> None:
    with reporting(as_json):
        answer = ApiClient(url, key).run_event(run_id, event, by, comment)
        show_answer(answer, as_json, lambda _: f"sent {event} to run {run_id}")


def _event_command(event: str, doc: str) -> Callable[..., None]:
    """`runs approve|reject|cancel`: send `event` to a run."""

    def command(
        run_id: RunId,
        url: Url,
        key: Key = "",
        by: By = None,
        comment: Comment = None,
        as_json: AsJson = False,
    ) -> None:
        _send_event(event, run_id, url, key, by, comment, as_json)

    command.__name__, command.__doc__ = f"runs_{event}", doc
    return command


runs_approve = _event_command("approve", "Approve the next wave of a run that waits for approval.")
runs_reject = _event_command(
    "reject", "Reject a run that waits for approval (it fails; the version stays out of latest)."
)
runs_cancel = _event_command("cancel", "Cancel a live run.")
