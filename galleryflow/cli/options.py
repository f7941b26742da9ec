"""The options every operator command shares (typer `Annotated` types) and their defaults."""

from __future__ import annotations

from typing import Annotated

import typer

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
        help="function key (sent as x-functions-key; never printed); not needed when signed "
        "in through Easy Auth",
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

By = Annotated[
    str | None,
    typer.Option(help="a note for the run's log; the run records who you are (Identity)"),
]
Comment = Annotated[str | None, typer.Option(help="why")]
RunId = Annotated[str, typer.Argument(metavar="ID", help="run id")]
