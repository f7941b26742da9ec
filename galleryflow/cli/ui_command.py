"""`galleryflow ui`: start the local web dashboard (galleryflow/ui, the `[ui]` extra)."""

from __future__ import annotations

from typing import Annotated

import typer

from galleryflow.cli.client import ApiClient, OperatorError
from galleryflow.cli.options import Key, Url
from galleryflow.cli.output import console, reporting

UI_EXTRA_HINT = "install the dashboard's extra: pip install 'galleryflow[ui]'"


def ui(
    url: Url,
    key: Key = "",
    host: Annotated[
        str | None,
        typer.Option(
            help="address to bind (default 127.0.0.1); anything but loopback lets others "
            "act with your key and needs this option explicitly",
            show_default=False,
        ),
    ] = None,
    port: Annotated[int, typer.Option(help="TCP port; 0 picks a free one", min=0)] = 0,
    open_browser: Annotated[
        bool, typer.Option("--open", help="open the dashboard in a web browser")
    ] = False,
    refresh: Annotated[
        float, typer.Option(help="seconds between live refreshes of an active run", min=0.2)
    ] = 2.0,
) -> None:
    """Local web dashboard: runs, a run's waves and timeline, versions x regions matrix.

    It calls the API itself, so the key stays in this process; Ctrl-C stops it."""
    with reporting(False):
        try:
            from galleryflow.ui.server import serve
        except ImportError as missing:
            raise OperatorError(
                f"the dashboard needs {missing.name or 'its dependencies'}",
                code="MissingExtra",
                hint=UI_EXTRA_HINT,
            ) from None
        client = ApiClient(url, key)
        serve(
            client,
            host=host,
            port=port,
            open_browser=open_browser,
            refresh_seconds=refresh,
            say=console(stderr=True).print,
        )
