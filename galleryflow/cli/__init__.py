"""The `galleryflow` command: a small client for galleryflow's HTTP API (client.py), rich
views of runs, versions and plans, the typer app that ties them together (commands.py) and
the `ui` command that starts the local dashboard (galleryflow/ui, the `[ui]` extra).

Installed by `pip install .` with only typer, rich and requests; never imports the sandbox
or the Function App's code, so it runs on an operator's machine."""
