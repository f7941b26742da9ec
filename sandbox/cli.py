"""The sandbox command line: start the emulators and the host, run the demo, operate runs.

Each sub-command imports its part lazily so `python -m sandbox arm` does not pay for the host.
Owners: `arm` -> sandbox/arm, `host` -> sandbox/host, `devops` -> sandbox/devops,
`demo`/`serve` -> sandbox/stack.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from galleryflow.cli.commands import ops_app

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
app.add_typer(ops_app, name="ops")  # the `galleryflow` command (galleryflow/cli)


@app.command()
def arm(
    state_dir: Annotated[
        Path, typer.Option(help="directory for state, ca.pem and the request log")
    ],
    port: Annotated[int, typer.Option(help="TCP port on 127.0.0.1; 0 picks a free one")] = 0,
    seed: Annotated[int, typer.Option(help="seed for replication jitter and random faults")] = 0,
    clock_scale: Annotated[
        float | None,
        typer.Option(
            help="simulated seconds per wall second; 0 freezes the clock (default: the saved "
            "value, else 1: time flows as in Azure)"
        ),
    ] = None,
) -> None:
    """Start the HTTPS ARM Compute emulator; prints `READY https://127.0.0.1:PORT`."""
    from sandbox.arm.server import serve

    serve(port=port, state_dir=state_dir, seed=seed, clock_scale=clock_scale)


@app.command()
def host(
    state_dir: Annotated[Path, typer.Option(help="directory for host.sqlite and host_keys.json")],
    app_dir: Annotated[
        Path, typer.Option(help="directory holding function_app.py + host.json")
    ] = Path("."),
    port: Annotated[int, typer.Option(help="TCP port on 127.0.0.1; 0 picks a free one")] = 0,
    clock: Annotated[
        str,
        typer.Option(
            help="real (default): wall clock, timers wait; sim: simulated time that jumps to"
            " the next durable timer once nothing runs (tests, the galleryflow stack)"
        ),
    ] = "real",
    clock_sync_url: Annotated[
        str | None, typer.Option(help="ARM emulator /_sandbox/clock to keep in step")
    ] = None,
    clock_sync_ca: Annotated[Path | None, typer.Option(help="CA file for --clock-sync-url")] = None,
    clock_scale: Annotated[
        float, typer.Option(help="sim: time also flows at this x wall time (0: jumps only)")
    ] = 0.0,
) -> None:
    """Start the local Functions + Durable host; prints `READY http://127.0.0.1:PORT`."""
    from sandbox.host.server import serve

    serve(
        app_dir=app_dir,
        port=port,
        state_dir=state_dir,
        clock=clock,
        clock_sync_url=clock_sync_url,
        clock_sync_ca=clock_sync_ca,
        clock_scale=clock_scale,
    )


@app.command()
def devops(
    state_dir: Annotated[Path, typer.Option(help="directory for ca.pem and requests.jsonl")],
    token: Annotated[
        str, typer.Option(envvar="SANDBOX_DEVOPS_TOKEN", help="bearer token it accepts (AuthToken)")
    ],
    port: Annotated[int, typer.Option(help="TCP port on 127.0.0.1; 0 picks a free one")] = 0,
) -> None:
    """Start the HTTPS Azure DevOps fake (plan events, timeline feed); prints `READY <url>`."""
    from sandbox.devops.server import serve

    serve(port=port, state_dir=state_dir, token=token)


@app.command()
def demo(
    state_dir: Annotated[
        Path | None, typer.Option(help="where the sandbox keeps its state; default: a temp dir")
    ] = None,
) -> None:
    """Publish to four regions in two waves, with live progress; exit 0 on success."""
    from sandbox.demo import run_demo

    raise typer.Exit(run_demo(state_dir))


@app.command("demo-nightly")
def demo_nightly(
    state_dir: Annotated[
        Path | None, typer.Option(help="where the sandbox keeps its state; default: a temp dir")
    ] = None,
) -> None:
    """A patched nightly rebuild with a mirror gallery in another subscription: night 1
    patches, publishes and mirrors, night 2 skips (nothing pending, entry unchanged); exit 0
    on success."""
    from sandbox.demo_mirror import MirrorExtra
    from sandbox.demo_nightly import run_demo_nightly

    raise typer.Exit(run_demo_nightly(state_dir, extras=[MirrorExtra()]))


@app.command()
def serve(
    state_dir: Annotated[Path, typer.Option(help="where the sandbox keeps its state")] = Path(
        ".sandbox/serve"
    ),
) -> None:
    """Start emulator + Azurite + host (galleryflow), seed a demo subscription, run until Ctrl-C."""
    from sandbox.demo import serve as serve_stack

    serve_stack(state_dir.resolve())
