"""`ops add-regions`, `ops remove-regions`, `ops set-replicas`, `ops end-of-life`,
`ops undo-rollback`: change an existing image version (the version-change routes,
docs/api.md "Version changes"). Each starts a run and follows it to the end."""

from __future__ import annotations

from collections.abc import Callable
from inspect import Parameter
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from galleryflow.cli.definition_command import Body, definition_command
from galleryflow.cli.output import result_or_run

# The version-change routes (the API's table is galleryflow/api/changes.py; the installed
# command imports nothing of the app, tests/cli/test_operator_cli.py keeps the two equal).
ROUTES = {
    "add_regions": "versions/add-regions",
    "remove_regions": "versions/remove-regions",
    "set_replicas": "versions/replicas",
    "set_end_of_life": "versions/end-of-life",
    "undo_rollback": "rollback/undo",
}

Regions = Annotated[list[str], typer.Option("--region", help="a region (repeat the option)")]
Production = Annotated[
    bool,
    typer.Option("--production/--no-production", help="production image: at least 3 replicas"),
]


# `--version`: sent as it is, before each command's own options.
_VERSION = Parameter(
    "version",
    Parameter.KEYWORD_ONLY,
    annotation=Annotated[str, typer.Option(help="the image version to change, e.g. 1.2.3")],
)


def change_command(kind: str) -> Callable[[Body], Callable[..., None]]:
    """A version-change command (see definition_command): POSTs to the kind's route."""
    show = result_or_run(change_view)
    return definition_command(ROUTES[kind], show, fields=[_VERSION], key_required=True)


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


@change_command("add_regions")
def add_regions(
    region: Regions,
    replica_count: Annotated[
        int | None, typer.Option(help="replicas in each added region (default: planned)")
    ] = None,
    production: Production = True,
    promote: Annotated[
        bool, typer.Option("--promote/--no-promote", help="promote in the new regions")
    ] = True,
) -> dict[str, Any]:
    """Replicate a version to more regions, then promote it there (add-regions route)."""
    targets = [
        {"name": r, **({"replica_count": replica_count} if replica_count else {})} for r in region
    ]
    return {"target_regions": targets, "production": production, "promote": promote}


@change_command("remove_regions")
def remove_regions(region: Regions) -> dict[str, Any]:
    """Remove regions (never the home region, never leaving a region without latest)."""
    return {"regions": list(region)}


@change_command("set_replicas")
def set_replicas(
    replicas: Annotated[
        list[str], typer.Option("--replicas", help="REGION=COUNT, e.g. eastus=5 (repeat)")
    ],
    production: Production = True,
) -> dict[str, Any]:
    """Change replica counts, at most 50 per region (POST /api/versions/replicas)."""
    regions = []
    for item in replicas:
        name, _, count = item.partition("=")
        if not count.isdigit():
            raise typer.BadParameter(f"{item!r}: write REGION=COUNT, e.g. eastus=5")
        regions.append({"name": name, "replica_count": int(count)})
    return {"regions": regions, "production": production}


@change_command("set_end_of_life")
def end_of_life(
    date: Annotated[str, typer.Option(help="ISO-8601 with a zone, e.g. 2027-06-01T00:00:00Z")],
) -> dict[str, Any]:
    """Set a version's end-of-life date (POST /api/versions/end-of-life)."""
    return {"end_of_life": date}


@change_command("undo_rollback")
def undo_rollback(
    region: Annotated[
        list[str] | None, typer.Option(help="only in this region (repeat); default: everywhere")
    ] = None,
) -> dict[str, Any]:
    """Re-include a version a rollback excluded (it must be good and fully replicated)."""
    return {"regions": list(region) if region else None}
