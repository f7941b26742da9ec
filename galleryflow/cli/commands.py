"""The `galleryflow` command (and `python -m sandbox ops`, the same commands): operate
galleryflow through its HTTP API (docs/cli.md)."""

from __future__ import annotations

from typing import Annotated

import typer

from galleryflow.cli import change_commands, maintenance_commands, run_commands, ui_command
from galleryflow.cli.auth import CURRENT

HELP = (
    "Operate galleryflow through its HTTP API.\n\n"
    "Every command takes --url (env GALLERYFLOW_URL, the Function App base URL), "
    "--key (env GALLERYFLOW_KEY, a function key, never printed) and --json. "
    "Before the command: --token-scope api://<client id>/.default (an Entra ID token from "
    "azure-identity, for an app behind Easy Auth) or, in the sandbox, --as NAME:ROLE,...\n\n"
    "Exit status: 0 ok or run succeeded, 1 error or run failed/canceled, "
    "2 run partially succeeded, 3 still running at the watch deadline."
)


As = Annotated[
    str | None,
    typer.Option(
        "--as",
        envvar="GALLERYFLOW_AS",
        help="sandbox: call as NAME holding ROLE(s), e.g. alice:approver",
        show_default=False,
    ),
]
TokenScope = Annotated[
    str | None,
    typer.Option(
        envvar="GALLERYFLOW_TOKEN_SCOPE",
        help="Azure with Easy Auth: Entra ID token scope, api://<client id>/.default",
        show_default=False,
    ),
]


def who(as_: As = None, token_scope: TokenScope = None) -> None:
    """Who the commands (and the dashboard) call galleryflow as (docs/cli.md, Identity)."""
    CURRENT.as_spec = as_
    CURRENT.token_scope = token_scope


def build_app(*, completion: bool) -> typer.Typer:
    """The command tree; `completion` adds typer's --install-completion/--show-completion."""
    root = typer.Typer(no_args_is_help=True, add_completion=completion, help=HELP)
    root.callback()(who)
    runs = typer.Typer(
        no_args_is_help=True, add_completion=False, help="List, watch and steer runs."
    )
    root.command("publish")(run_commands.publish)
    root.add_typer(runs, name="runs")
    runs.command("list")(run_commands.runs_list)
    runs.command("show")(run_commands.runs_show)
    runs.command("approve")(run_commands.runs_approve)
    runs.command("reject")(run_commands.runs_reject)
    runs.command("cancel")(run_commands.runs_cancel)
    root.command("rollback")(maintenance_commands.rollback)
    root.command("prune")(maintenance_commands.prune)
    root.command("versions")(maintenance_commands.versions)
    root.command("add-regions")(change_commands.add_regions)
    root.command("remove-regions")(change_commands.remove_regions)
    root.command("set-replicas")(change_commands.set_replicas)
    root.command("end-of-life")(change_commands.end_of_life)
    root.command("undo-rollback")(change_commands.undo_rollback)
    root.command("ui")(ui_command.ui)
    return root


# The installed `galleryflow` console script (pyproject.toml [project.scripts]).
app = build_app(completion=True)
# `python -m sandbox ops ...`: the same commands, mounted by sandbox/cli.py.
ops_app = build_app(completion=False)


def main() -> None:
    app(prog_name="galleryflow")
