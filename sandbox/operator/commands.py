"""`python -m sandbox ops ...`: operate galleryflow through its HTTP API.

Every command takes --url (GALLERYFLOW_URL, the Function App base URL) and --key
(GALLERYFLOW_KEY, a function key; sent as the x-functions-key header, never printed) and
--json for machine-readable output. Exit status: 0 ok / run succeeded, 1 error or run
failed/canceled, 2 run partially succeeded, 3 still running when the watch deadline passed.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from sandbox.operator.client import ApiClient, OperatorError
from sandbox.operator.views import (
    error_view,
    prune_view,
    rollback_view,
    run_view,
    runs_table,
    versions_view,
)
from sandbox.operator.watch import EXIT_STILL_RUNNING, WatchDeadline, exit_code, watch_run

OPS_HELP = (
    "Operate galleryflow through its HTTP API.\n\n"
    "Every command takes --url (env GALLERYFLOW_URL, the Function App base URL), "
    "--key (env GALLERYFLOW_KEY, a function key, never printed) and --json.\n\n"
    "Exit status: 0 ok or run succeeded, 1 error or run failed/canceled, "
    "2 run partially succeeded, 3 still running at the watch deadline."
)

ops_app = typer.Typer(no_args_is_help=True, add_completion=False, help=OPS_HELP)
runs_app = typer.Typer(
    no_args_is_help=True, add_completion=False, help="List, watch and steer runs."
)
ops_app.add_typer(runs_app, name="runs")

Url = Annotated[
    str,
    typer.Option(
        envvar="GALLERYFLOW_URL",
        help="Function App base URL, e.g. https://<app>.azurewebsites.net",
        show_default=False,
    ),
]
Key = Annotated[
    str,
    typer.Option(
        envvar="GALLERYFLOW_KEY",
        help="function key (sent as x-functions-key; never printed)",
        show_default=False,
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="print JSON instead of tables")]
Interval = Annotated[float, typer.Option(help="seconds between polls of the run", min=0)]
Timeout = Annotated[
    float, typer.Option(help="stop watching after this many seconds (exit 3)", min=0)
]
GalleryRg = Annotated[str, typer.Option("--gallery-rg", help="the gallery's resource group")]
Gallery = Annotated[str, typer.Option("--gallery", help="gallery name")]
Definition = Annotated[str, typer.Option("--definition", help="image definition name")]
Subscription = Annotated[
    str | None,
    typer.Option("--subscription", help="gallery subscription (default: the app's)"),
]

DEFAULT_INTERVAL = 2.0
DEFAULT_TIMEOUT = 24 * 3600.0


# ---- output ------------------------------------------------------------------------------


def _console() -> Console:
    return Console(highlight=False)


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, sort_keys=False))


@contextmanager
def _reporting(as_json: bool) -> Iterator[None]:
    """Turn every expected failure into a readable message (or JSON) and an exit status."""
    try:
        yield
    except OperatorError as error:
        if as_json:
            _print_json(error.to_dict())
        else:
            Console(stderr=True, highlight=False).print(error_view(error), end="")
        raise typer.Exit(1) from None
    except WatchDeadline as stop:
        if as_json:
            _print_json(stop.summary)
        else:
            Console(stderr=True, highlight=False).print(f"[yellow]{stop}[/]")
        raise typer.Exit(EXIT_STILL_RUNNING) from None
    except KeyboardInterrupt:
        Console(stderr=True).print("stopped watching; the run goes on")
        raise typer.Exit(130) from None


def _follow(
    client: ApiClient, run_id: str, interval: float, timeout: float, as_json: bool
) -> dict[str, Any]:
    summary = watch_run(
        client, run_id, interval=interval, timeout=timeout, console=None if as_json else _console()
    )
    if as_json:
        _print_json(summary)
    return summary


def _wait_quietly(
    client: ApiClient, run_id: str, interval: float, timeout: float
) -> dict[str, Any]:
    return watch_run(client, run_id, interval=interval, timeout=timeout, console=None)


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


def _gallery(resource_group: str, name: str, subscription: str | None) -> dict[str, str]:
    gallery = {"resource_group": resource_group, "name": name}
    if subscription:
        gallery["subscription_id"] = subscription
    return gallery


# ---- publish -----------------------------------------------------------------------------


@ops_app.command()
def publish(
    request_file: Annotated[Path, typer.Argument(help="publish request JSON file ('-': stdin)")],
    url: Url,
    key: Key,
    idempotency_key: Annotated[
        str | None, typer.Option(help="same key -> same run (Idempotency-Key header)")
    ] = None,
    watch: Annotated[bool, typer.Option(help="follow the run until it ends")] = False,
    interval: Interval = DEFAULT_INTERVAL,
    timeout: Timeout = DEFAULT_TIMEOUT,
    as_json: AsJson = False,
) -> None:
    """Start a publish run (POST /api/publish); with --watch, follow it to the end."""
    with _reporting(as_json):
        request = _read_request(request_file)
        client = ApiClient(url, key)
        answer = client.publish(request, idempotency_key)
        run_id = str(answer["id"])
        if not watch:
            if as_json:
                _print_json(answer)
            else:
                verb = "joined existing" if answer.get("existing") else "started"
                _console().print(f"{verb} publish run {run_id}")
                _console().print(f"follow it: python -m sandbox ops runs show {run_id} --watch")
            return
        if not as_json:
            verb = "joined existing" if answer.get("existing") else "started"
            _console().print(f"{verb} publish run {run_id}")
        summary = _follow(client, run_id, interval, timeout, as_json)
    raise typer.Exit(exit_code(summary))


# ---- runs --------------------------------------------------------------------------------


@runs_app.command("list")
def runs_list(
    url: Url,
    key: Key,
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
    with _reporting(as_json):
        runs = ApiClient(url, key).runs(definition, status).get("runs", [])
        if as_json:
            _print_json(runs)
        else:
            _console().print(runs_table(runs))


@runs_app.command("show")
def runs_show(
    run_id: Annotated[str, typer.Argument(metavar="ID", help="run id")],
    url: Url,
    key: Key,
    watch: Annotated[bool, typer.Option(help="follow the run live until it ends")] = False,
    interval: Interval = DEFAULT_INTERVAL,
    timeout: Timeout = DEFAULT_TIMEOUT,
    as_json: AsJson = False,
) -> None:
    """Show a run (GET /api/runs/{id}); --watch follows it and exits with its outcome."""
    with _reporting(as_json):
        client = ApiClient(url, key)
        if not watch:
            summary = client.run(run_id)
            if as_json:
                _print_json(summary)
            else:
                _console().print(run_view(summary))
            return
        summary = _follow(client, run_id, interval, timeout, as_json)
    raise typer.Exit(exit_code(summary))


def _send_event(
    event: str, run_id: str, url: str, key: str, by: str | None, comment: str | None, as_json: bool
) -> None:
    with _reporting(as_json):
        answer = ApiClient(url, key).run_event(run_id, event, by, comment)
        if as_json:
            _print_json(answer)
        else:
            _console().print(f"sent {event} to run {run_id}")


By = Annotated[str | None, typer.Option(help="who decides (shown in the run's log)")]
Comment = Annotated[str | None, typer.Option(help="why")]
RunId = Annotated[str, typer.Argument(metavar="ID", help="run id")]


@runs_app.command("approve")
def runs_approve(
    run_id: RunId,
    url: Url,
    key: Key,
    by: By = None,
    comment: Comment = None,
    as_json: AsJson = False,
) -> None:
    """Approve the next wave of a run that waits for approval."""
    _send_event("approve", run_id, url, key, by, comment, as_json)


@runs_app.command("reject")
def runs_reject(
    run_id: RunId,
    url: Url,
    key: Key,
    by: By = None,
    comment: Comment = None,
    as_json: AsJson = False,
) -> None:
    """Reject a run that waits for approval (it fails; the version stays out of latest)."""
    _send_event("reject", run_id, url, key, by, comment, as_json)


@runs_app.command("cancel")
def runs_cancel(
    run_id: RunId,
    url: Url,
    key: Key,
    by: By = None,
    comment: Comment = None,
    as_json: AsJson = False,
) -> None:
    """Cancel a live run."""
    _send_event("cancel", run_id, url, key, by, comment, as_json)


# ---- rollback, prune, versions -----------------------------------------------------------


@ops_app.command()
def rollback(
    gallery_rg: GalleryRg,
    gallery: Gallery,
    definition: Definition,
    version: Annotated[str, typer.Option(help="the bad version to take out of latest")],
    url: Url,
    key: Key,
    region: Annotated[
        list[str] | None, typer.Option(help="only in this region (repeat); default: everywhere")
    ] = None,
    subscription: Subscription = None,
    interval: Interval = DEFAULT_INTERVAL,
    timeout: Timeout = DEFAULT_TIMEOUT,
    as_json: AsJson = False,
) -> None:
    """Exclude a version from latest (POST /api/rollback); shows latest before and after."""
    with _reporting(as_json):
        client = ApiClient(url, key)
        answer = client.rollback(
            {
                "gallery": _gallery(gallery_rg, gallery, subscription),
                "image_definition": definition,
                "version": version,
                "regions": list(region) if region else None,
            }
        )
        summary = _wait_quietly(client, str(answer["id"]), interval, timeout)
        if as_json:
            _print_json(summary)
        else:
            _show_rollback(summary)
    raise typer.Exit(exit_code(summary))


def _show_rollback(summary: dict[str, Any]) -> None:
    console = _console()
    if summary.get("state") == "succeeded":
        console.print(rollback_view(summary.get("result") or {}))
        return
    message = str((summary.get("error") or {}).get("message") or "the rollback failed")
    if "RollbackRefused: " in message:
        reasons = message.split("RollbackRefused: ", 1)[1].split("; ")
        console.print(f"[bold red]rollback refused[/]: nothing was changed (run {summary['id']})")
        for reason in reasons:
            console.print(f"  - {reason}", markup=False)
        console.print(
            "[yellow]hint: publish or keep another good version in those regions first[/]"
        )
    else:
        console.print(f"[bold red]rollback {summary.get('state')}[/] (run {summary['id']})")
        console.print(message, markup=False)


@ops_app.command()
def prune(
    gallery_rg: GalleryRg,
    gallery: Gallery,
    definition: Definition,
    url: Url,
    key: Key,
    apply: Annotated[bool, typer.Option(help="carry out the plan (default: dry run)")] = False,
    keep_last: Annotated[int | None, typer.Option(help="always keep the newest N")] = None,
    keep_newer_than_days: Annotated[
        int | None, typer.Option(help="keep versions younger than this")
    ] = None,
    min_good_versions: Annotated[
        int | None, typer.Option(help="never fewer good, fully replicated versions")
    ] = None,
    shrink_old_to_one_region: Annotated[
        bool | None,
        typer.Option(
            "--shrink-old-to-one-region/--no-shrink-old-to-one-region",
            help="shrink old kept versions to their first region instead of deleting",
        ),
    ] = None,
    quota_headroom: Annotated[
        int | None, typer.Option(help="free version slots to keep per region")
    ] = None,
    subscription: Subscription = None,
    interval: Interval = DEFAULT_INTERVAL,
    timeout: Timeout = DEFAULT_TIMEOUT,
    as_json: AsJson = False,
) -> None:
    """Plan retention for a definition (POST /api/prune); deletes only with --apply."""
    retention = {
        name: value
        for name, value in (
            ("keep_last", keep_last),
            ("keep_newer_than_days", keep_newer_than_days),
            ("min_good_versions", min_good_versions),
            ("shrink_old_to_one_region", shrink_old_to_one_region),
            ("quota_headroom", quota_headroom),
        )
        if value is not None
    }
    with _reporting(as_json):
        client = ApiClient(url, key)
        answer = client.prune(
            {
                "gallery": _gallery(gallery_rg, gallery, subscription),
                "image_definition": definition,
                "retention": retention,
                "apply": apply,
            }
        )
        summary = _wait_quietly(client, str(answer["id"]), interval, timeout)
        if as_json:
            _print_json(summary)
        elif summary.get("state") == "succeeded":
            _console().print(prune_view(summary.get("result") or {}))
        else:
            _console().print(run_view(summary))
    raise typer.Exit(exit_code(summary))


@ops_app.command()
def versions(
    gallery_rg: GalleryRg,
    gallery: Gallery,
    definition: Definition,
    url: Url,
    key: Key,
    subscription: Subscription = None,
    as_json: AsJson = False,
) -> None:
    """Versions of a definition: regions, replication, exclude flags, in use, latest."""
    with _reporting(as_json):
        answer = ApiClient(url, key).versions(gallery, definition, gallery_rg, subscription)
        if as_json:
            _print_json(answer)
        else:
            _console().print(versions_view(answer))
