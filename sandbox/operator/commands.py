"""`python -m sandbox ops ...`: the typer sub-app that operates galleryflow through its HTTP
API (docs/cli.md). Mounted in sandbox/cli.py as `ops`."""

from __future__ import annotations

import typer

from sandbox.operator import maintenance_commands, run_commands

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

ops_app.command("publish")(run_commands.publish)
ops_app.add_typer(runs_app, name="runs")
runs_app.command("list")(run_commands.runs_list)
runs_app.command("show")(run_commands.runs_show)
runs_app.command("approve")(run_commands.runs_approve)
runs_app.command("reject")(run_commands.runs_reject)
runs_app.command("cancel")(run_commands.runs_cancel)
ops_app.command("rollback")(maintenance_commands.rollback)
ops_app.command("prune")(maintenance_commands.prune)
ops_app.command("versions")(maintenance_commands.versions)
