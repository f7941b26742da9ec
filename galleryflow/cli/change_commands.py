"""`ops add-regions`, `ops remove-regions`, `ops set-replicas`, `ops end-of-life`,
`ops undo-rollback`: change an existing image version (the version-change routes,
docs/api.md "Version changes"). Each starts a run and follows it to the end."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from galleryflow.cli.client import ApiClient
from galleryflow.cli.options import (
    DEFAULT_INTERVAL,
    DEFAULT_TIMEOUT,
    AsJson,
    Definition,
    Gallery,
    GalleryRg,
    Interval,
    Key,
    Subscription,
    Timeout,
    Url,
)
from galleryflow.cli.output import console, print_json, reporting
from galleryflow.cli.views import run_view
from galleryflow.cli.watch import exit_code, watch_run

# The version-change routes (the API's table is galleryflow/api/changes.py; the installed
# command imports nothing of the app, tests/cli/test_operator_cli.py keeps the two equal).
ROUTES = {
    "add_regions": "versions/add-regions",
    "remove_regions": "versions/remove-regions",
    "set_replicas": "versions/replicas",
    "set_end_of_life": "versions/end-of-life",
    "undo_rollback": "rollback/undo",
}

Version = Annotated[str, typer.Option(help="the image version to change, e.g. 1.2.3")]
Regions = Annotated[list[str], typer.Option("--region", help="a region (repeat the option)")]
Production = Annotated[
    bool,
    typer.Option("--production/--no-production", help="production image: at least 3 replicas"),
]


def _run(
    kind: str,
    body: dict[str, Any],
    target: tuple[str, str, str, str, str | None],
    client_args: tuple[str, str],
    interval: float,
    timeout: float,
    as_json: bool,
) -> None:
    rg, gallery, definition, version, subscription = target
    gallery_ref: dict[str, str] = {"resource_group": rg, "name": gallery}
    if subscription:
        gallery_ref["subscription_id"] = subscription
    request = {"gallery": gallery_ref, "image_definition": definition, "version": version, **body}
    with reporting(as_json):
        client = ApiClient(*client_args)
        answer = client.call("POST", ROUTES[kind], request)
        summary = watch_run(
            client, str(answer["id"]), interval=interval, timeout=timeout, console=None
        )
        if as_json:
            print_json(summary)
        elif summary.get("state") == "succeeded":
            console().print(change_view(summary.get("result") or {}))
        else:
            console().print(run_view(summary))
    raise typer.Exit(exit_code(summary))


def change_view(result: dict[str, Any]) -> Table:
    before, after = result.get("before") or {}, result.get("after") or {}
    table = Table(
        title=f"{result.get('change')} {result.get('version')}: regions "
        f"{', '.join(result.get('regions') or [])}"
        + (f", end of life {str(result['end_of_life'])[:10]}" if result.get("end_of_life") else "")
    )
    for column in ("region", "latest before", "latest after"):
        table.add_column(column)
    for region in sorted(set(before) | set(after)):
        table.add_row(
            region, str(before.get(region) or "(none)"), str(after.get(region) or "(none)")
        )
    for warning in result.get("warnings") or []:
        table.caption = Text(f"warning: {warning}", "yellow")
    return table


def add_regions(
    gallery_rg: GalleryRg,
    gallery: Gallery,
    definition: Definition,
    version: Version,
    region: Regions,
    url: Url,
    key: Key,
    replica_count: Annotated[
        int | None, typer.Option(help="replicas in each added region (default: planned)")
    ] = None,
    production: Production = True,
    promote: Annotated[
        bool, typer.Option("--promote/--no-promote", help="promote in the new regions")
    ] = True,
    subscription: Subscription = None,
    interval: Interval = DEFAULT_INTERVAL,
    timeout: Timeout = DEFAULT_TIMEOUT,
    as_json: AsJson = False,
) -> None:
    """Replicate a version to more regions, then promote it there (add-regions route)."""
    targets = [
        {"name": r, **({"replica_count": replica_count} if replica_count else {})} for r in region
    ]
    body = {"target_regions": targets, "production": production, "promote": promote}
    _run(
        "add_regions",
        body,
        (gallery_rg, gallery, definition, version, subscription),
        (url, key),
        interval,
        timeout,
        as_json,
    )


def remove_regions(
    gallery_rg: GalleryRg,
    gallery: Gallery,
    definition: Definition,
    version: Version,
    region: Regions,
    url: Url,
    key: Key,
    subscription: Subscription = None,
    interval: Interval = DEFAULT_INTERVAL,
    timeout: Timeout = DEFAULT_TIMEOUT,
    as_json: AsJson = False,
) -> None:
    """Remove regions (never the home region, never leaving a region without latest)."""
    _run(
        "remove_regions",
        {"regions": list(region)},
        (gallery_rg, gallery, definition, version, subscription),
        (url, key),
        interval,
        timeout,
        as_json,
    )


def set_replicas(
    gallery_rg: GalleryRg,
    gallery: Gallery,
    definition: Definition,
    version: Version,
    replicas: Annotated[
        list[str], typer.Option("--replicas", help="REGION=COUNT, e.g. eastus=5 (repeat)")
    ],
    url: Url,
    key: Key,
    production: Production = True,
    subscription: Subscription = None,
    interval: Interval = DEFAULT_INTERVAL,
    timeout: Timeout = DEFAULT_TIMEOUT,
    as_json: AsJson = False,
) -> None:
    """Change replica counts, at most 50 per region (POST /api/versions/replicas)."""
    regions = []
    for item in replicas:
        name, _, count = item.partition("=")
        if not count.isdigit():
            raise typer.BadParameter(f"{item!r}: write REGION=COUNT, e.g. eastus=5")
        regions.append({"name": name, "replica_count": int(count)})
    _run(
        "set_replicas",
        {"regions": regions, "production": production},
        (gallery_rg, gallery, definition, version, subscription),
        (url, key),
        interval,
        timeout,
        as_json,
    )


def end_of_life(
    gallery_rg: GalleryRg,
    gallery: Gallery,
    definition: Definition,
    version: Version,
    date: Annotated[str, typer.Option(help="ISO-8601 with a zone, e.g. 2027-06-01T00:00:00Z")],
    url: Url,
    key: Key,
    subscription: Subscription = None,
    interval: Interval = DEFAULT_INTERVAL,
    timeout: Timeout = DEFAULT_TIMEOUT,
    as_json: AsJson = False,
) -> None:
    """Set a version's end-of-life date (POST /api/versions/end-of-life)."""
    _run(
        "set_end_of_life",
        {"end_of_life": date},
        (gallery_rg, gallery, definition, version, subscription),
        (url, key),
        interval,
        timeout,
        as_json,
    )


def undo_rollback(
    gallery_rg: GalleryRg,
    gallery: Gallery,
    definition: Definition,
    version: Version,
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
    """Re-include a version a rollback excluded (it must be good and fully replicated)."""
    _run(
        "undo_rollback",
        {"regions": list(region) if region else None},
        (gallery_rg, gallery, definition, version, subscription),
        (url, key),
        interval,
        timeout,
        as_json,
    )
