"""`ops rollback`, `ops prune` and `ops versions`: maintenance of one image definition."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.text import Text

from galleryflow.cli.client import ApiClient
from galleryflow.cli.definition_command import definition_command
from galleryflow.cli.options import (
    AsJson,
    Definition,
    Gallery,
    GalleryRg,
    Key,
    Subscription,
    Url,
)
from galleryflow.cli.output import console, reporting, result_or_run, show_answer
from galleryflow.cli.views import prune_view, rollback_view, versions_view

IncludeMirrors = Annotated[
    bool,
    typer.Option(help="also in every mirror gallery of the image (its galleryflow.mirror tags)"),
]


def _show_rollback(summary: dict[str, Any]) -> None:
    out = console()
    if summary.get("state") == "succeeded":
        out.print(rollback_view(summary.get("result") or {}))
        return
    message = str((summary.get("error") or {}).get("message") or "the rollback failed")
    if "RollbackRefused: " in message:
        reasons = message.split("RollbackRefused: ", 1)[1].split("; ")
        out.print(
            Text.assemble(
                ("rollback refused", "bold red"), f": nothing was changed (run {summary['id']})"
            )
        )
        for reason in reasons:
            out.print(f"  - {reason}")
        out.print(
            Text("hint: publish or keep another good version in those regions first", "yellow")
        )
    else:
        out.print(
            Text.assemble(
                (f"rollback {summary.get('state')}", "bold red"), f" (run {summary['id']})"
            )
        )
        out.print(message)


@definition_command("rollback", _show_rollback)
def rollback(
    version: Annotated[str, typer.Option(help="the bad version to take out of latest")],
    region: Annotated[
        list[str] | None, typer.Option(help="only in this region (repeat); default: everywhere")
    ] = None,
    include_mirrors: IncludeMirrors = False,
) -> dict[str, Any]:
    """Exclude a version from latest (POST /api/rollback); shows latest before and after."""
    return {
        "version": version,
        "regions": list(region) if region else None,
        "include_mirrors": include_mirrors,
    }


@definition_command("prune", result_or_run(prune_view))
def prune(
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
            help="shrink old kept versions to the home region instead of deleting",
        ),
    ] = None,
    quota_headroom: Annotated[
        int | None, typer.Option(help="free version slots to keep per region")
    ] = None,
    include_mirrors: IncludeMirrors = False,
) -> dict[str, Any]:
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
    return {"retention": retention, "apply": apply, "include_mirrors": include_mirrors}


def versions(
    gallery_rg: GalleryRg,
    gallery: Gallery,
    definition: Definition,
    url: Url,
    key: Key = "",
    subscription: Subscription = None,
    as_json: AsJson = False,
) -> None:
    """Versions of a definition: regions, replication, exclude flags, in use, latest."""
    with reporting(as_json):
        answer = ApiClient(url, key).versions(gallery, definition, gallery_rg, subscription)
        show_answer(answer, as_json, versions_view)
