"""Rich renderables for the operator commands: pure functions of the API's JSON answers."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from galleryflow.cli.client import OperatorError
from galleryflow.cli.galleries import GalleryProgress, gallery_progress, waiting_mirror

STATE_STYLES = {
    "succeeded": "green",
    "partially_succeeded": "yellow",
    "failed": "red",
    "canceled": "red",
    "awaiting_approval": "magenta",
    "running": "cyan",
    "pending": "dim",
}
REGION_STYLES = {"Promoted": "green", "Completed": "cyan", "Failed": "red"}


def _state(state: Any) -> Text:
    text = str(state or "?")
    return Text(text, style=STATE_STYLES.get(text, ""))


def _when(iso: Any) -> str:
    """`2026-11-23T15:03:01.000000Z` -> `2026-11-23 15:03` (UTC)."""
    return str(iso or "")[:16].replace("T", " ")


def region_table(regions: dict[str, dict[str, Any]]) -> Table:
    """Per region: state, attempt, progress bar, percent."""
    table = Table(expand=True, show_edge=False)
    table.add_column("region")
    table.add_column("state")
    table.add_column("attempt", justify="right")
    table.add_column("progress", ratio=2)
    table.add_column("%", justify="right")
    for name, region in regions.items():
        progress = float(region.get("progress") or 0)
        state = str(region.get("state") or "")
        table.add_row(
            name,
            Text(state, style=REGION_STYLES.get(state, "yellow")),
            str(region.get("attempt") or ""),
            ProgressBar(total=100, completed=progress),
            f"{progress:.0f}",
        )
    return table


def run_view(summary: dict[str, Any]) -> Panel:
    """One run: per-region state, attempt and progress bar, step, wave, the log, the error;
    with mirror galleries, each gallery's progress (galleries_view)."""
    parts: list[RenderableType] = []
    if summary.get("regions"):
        parts.append(region_table(summary["regions"]))
    galleries = gallery_progress(summary)
    waves = summary.get("waves") or {}
    if waves.get("awaiting_approval"):
        mirror = waiting_mirror(galleries)
        before = (
            f"{mirror.role}'s wave {mirror.next_wave} ({mirror.name})"
            if mirror
            else f"wave {(waves.get('current') or 0) + 1}"
        )
        parts.append(
            Text(
                f"waiting for approval before {before}: "
                f"galleryflow runs approve {summary.get('id')}",
                style="magenta",
            )
        )
    parts.append(Text("\n".join(summary.get("log") or []) or "(no log yet)", style="dim"))
    error = summary.get("error") or {}
    if error.get("message"):
        parts.append(Text(str(error["message"]), style="red"))
    if galleries:
        parts.append(galleries_view(galleries))
    title = Text.assemble(
        f"{summary.get('kind', 'run')} {summary.get('id', '')}  ",
        _state(summary.get("state")),
        f"  step {summary.get('step') or '-'}",
        f"  version {summary.get('version') or '-'}",
        f"  wave {waves.get('current') or 0}/{waves.get('total') or 0}" if waves else "",
    )
    return Panel(Group(*parts), title=title, title_align="left")


def galleries_view(galleries: list[GalleryProgress]) -> Group:
    """A table of every gallery (the primary's regions are the run's, above), then each
    mirror: its step and subscription, its regions, last log lines and error."""
    table = Table(title="galleries", show_edge=False)
    names = min(max(len(g.name) for g in galleries), 40)
    table.add_column("gallery", no_wrap=True)
    table.add_column("definition", overflow="fold", min_width=names)
    table.add_column("state", no_wrap=True)
    table.add_column("live", no_wrap=True, justify="right")
    table.add_column("wave", overflow="fold")
    for gallery in galleries:
        live, targeted = gallery.live
        wave = Text(gallery.wave_text)
        if gallery.awaiting_approval:
            wave.append(" awaiting approval", style="magenta")
        table.add_row(
            gallery.role,
            gallery.name,
            _state(gallery.state) if gallery.state else Text("-", style="dim"),
            f"{live}/{targeted}",
            wave,
        )
    parts: list[RenderableType] = [table]
    for mirror in galleries[1:]:
        parts.append(
            Text.assemble(
                (f"{mirror.role}: {mirror.name}", "bold"),
                "  ",
                _state(mirror.state),
                f"  step {mirror.step or '-'}",
                f"  subscription {mirror.subscription}" if mirror.subscription else "",
            )
        )
        if mirror.regions:
            parts.append(region_table(mirror.regions))
        if mirror.log:
            parts.append(Text("\n".join(mirror.log_tail), style="dim"))
        if mirror.error:
            parts.append(Text(mirror.error, style="red"))
    return Group(*parts)


def runs_table(runs: list[dict[str, Any]]) -> Table:
    # Ids stay whole (people copy them); definition and time share a column to fit 80 wide.
    table = Table(
        title=f"{len(runs)} run(s), newest first",
        box=None,
        padding=(0, 1),
        pad_edge=False,
    )
    for column in ("id", "kind", "state", "version"):
        table.add_column(column, no_wrap=True)
    table.add_column("definition, created", overflow="fold")
    for run in runs:
        definition = str(run.get("definition") or "").rsplit("/", 1)[-1]
        table.add_row(
            str(run.get("id")),
            str(run.get("kind")),
            _state(run.get("state")),
            str(run.get("version") or ""),
            "\n".join(part for part in (definition, _when(run.get("created"))) if part),
        )
    return table


def versions_view(answer: dict[str, Any]) -> Group:
    """The versions route: every version with its regions, plus `latest` per region."""
    latest = answer.get("latest") or {}
    table = Table(title=f"versions of {answer.get('image_definition')}")
    for column in (
        "version",
        "published",
        "exclude",
        "regions",
        "in use",
        "end of life",
        "mode",
        "protected",
    ):
        table.add_column(column, overflow="fold")
    for version in answer.get("versions") or []:
        regions = []
        for region in version.get("regions") or []:
            name = region.get("name")
            marks = ["latest"] if latest.get(name) == version.get("name") else []
            if region.get("exclude_from_latest"):
                marks.append("excluded")
            if region.get("encryption"):
                marks.append("encrypted")
            regions.append(
                f"{name}: {region.get('state') or '?'} x{region.get('replica_count') or '?'}"
                + (f" ({', '.join(marks)})" if marks else "")
            )
        table.add_row(
            str(version.get("name")),
            _when(version.get("published_date")),
            "yes" if version.get("exclude_from_latest") else "no",
            "\n".join(regions),
            _in_use(version),
            str(version.get("end_of_life") or "")[:10],
            str(version.get("replication_mode") or "Full"),
            "no" if version.get("allow_deletion_of_replicated_locations") else "yes",
        )
    latest_table = Table(title="latest per region")
    latest_table.add_column("region")
    latest_table.add_column("latest")
    for region, name in sorted(latest.items()):
        latest_table.add_row(region, str(name or "(none)"))
    return Group(table, latest_table)


def _in_use(version: dict[str, Any]) -> Text | str:
    """How many VMs and scale sets use it (older apps answer only yes/no)."""
    count = version.get("in_use_count")
    if isinstance(count, int):
        return Text(str(count), style="bold") if count else "0"
    return Text("yes", style="bold") if version.get("in_use") else "no"


def rollback_view(result: dict[str, Any]) -> Table:
    before = result.get("before") or {}
    after = result.get("after") or {}
    table = Table(title=f"rolled back {result.get('version')}: latest per region")
    for column in ("region", "before", "after"):
        table.add_column(column)
    for region in sorted(set(before) | set(after)):
        table.add_row(
            region, str(before.get(region) or "(none)"), str(after.get(region) or "(none)")
        )
    return table


def prune_view(result: dict[str, Any]) -> Group:
    plan = result.get("plan") or {}
    applied = bool(result.get("applied"))
    table = Table(title="prune plan" + (" (applied)" if applied else " (dry run)"))
    for column in ("version", "action", "reason", "remove regions"):
        table.add_column(column, overflow="fold")
    styles = {"keep": "green", "delete": "red", "shrink": "yellow"}
    for decision in plan.get("decisions") or []:
        action = str(decision.get("action"))
        table.add_row(
            str(decision.get("name")),
            Text(action, style=styles.get(action, "")),
            str(decision.get("reason") or ""),
            ", ".join(decision.get("remove_regions") or []),
        )
    lines = [str(plan.get("message") or "")]
    if plan.get("shortfall"):
        lines.append(f"shortfall: {plan['shortfall']} version slot(s) cannot be freed")
    if applied:
        lines.append(f"deleted: {', '.join(result.get('deleted') or []) or 'none'}")
        lines.append(f"shrunk: {', '.join(result.get('shrunk') or []) or 'none'}")
    else:
        lines.append("dry run: nothing changed; add --apply to carry out the plan")
    lines += [f"warning: {w}" for w in result.get("warnings") or []]
    return Group(table, Text("\n".join(line for line in lines if line)))


def error_view(error: OperatorError) -> Text:
    """`error: <message>`, then each detail with its JSON path and hint, then our hint."""
    text = Text()
    text.append(f"error ({error.code}): ", style="bold red")
    text.append(f"{error.message}\n")
    for detail in error.details:
        path = detail.get("path") or ""
        text.append(f"  - {path}: " if path else "  - ", style="bold")
        text.append(str(detail.get("message") or ""))
        if detail.get("hint"):
            text.append(f" (hint: {detail['hint']})", style="dim")
        text.append("\n")
    if error.hint:
        text.append(f"hint: {error.hint}\n", style="yellow")
    return text
