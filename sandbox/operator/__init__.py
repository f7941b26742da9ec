"""Operator commands (`python -m sandbox ops ...`): a small client for galleryflow's HTTP API,
rich views of runs, versions and plans, and the typer sub-app that ties them together."""
