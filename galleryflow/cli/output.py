"""How the operator commands print: rich on stdout, errors on stderr, or JSON with --json;
every expected failure becomes a message and an exit status, never a traceback."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.text import Text

from galleryflow.cli.client import ApiClient, OperatorError
from galleryflow.cli.views import error_view, run_view
from galleryflow.cli.watch import EXIT_STILL_RUNNING, WatchDeadline, exit_code, watch_run


def console(*, stderr: bool = False) -> Console:
    # No markup: names, reasons and messages come from the API and may contain brackets.
    return Console(stderr=stderr, highlight=False, markup=False)


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, sort_keys=False))


def show_answer(answer: Any, as_json: bool, view: Callable[[Any], Any]) -> None:
    """Print an API answer: as JSON with --json, else its rich `view`."""
    if as_json:
        print_json(answer)
    else:
        console().print(view(answer))


@contextmanager
def reporting(as_json: bool) -> Iterator[None]:
    """Turn every expected failure into a readable message (or JSON) and an exit status."""
    try:
        yield
    except OperatorError as error:
        if as_json:
            print_json(error.to_dict())
        else:
            console(stderr=True).print(error_view(error), end="")
        raise typer.Exit(1) from None
    except WatchDeadline as stop:
        if as_json:
            print_json(stop.summary)
        else:
            console(stderr=True).print(Text(str(stop), style="yellow"))
        raise typer.Exit(EXIT_STILL_RUNNING) from None
    except KeyboardInterrupt:
        console(stderr=True).print("stopped watching; the run goes on")
        raise typer.Exit(130) from None


def follow(
    client: ApiClient, run_id: str, interval: float, timeout: float, as_json: bool
) -> dict[str, Any]:
    summary = watch_run(
        client, run_id, interval=interval, timeout=timeout, console=None if as_json else console()
    )
    if as_json:
        print_json(summary)
    return summary


Show = Callable[[dict[str, Any]], None]


def result_or_run(view: Callable[[dict[str, Any]], Any]) -> Show:
    """Print `view(result)` of a run that succeeded, else the run itself."""

    def show(summary: dict[str, Any]) -> None:
        if summary.get("state") == "succeeded":
            console().print(view(summary.get("result") or {}))
        else:
            console().print(run_view(summary))

    return show


def finish_run(
    client: ApiClient, run_id: str, interval: float, timeout: float, as_json: bool, show: Show
) -> NoReturn:
    """Follow a run just started to its end without a live view, print it (JSON, or
    `show`) and exit with its outcome (galleryflow.cli.watch.EXIT_BY_STATE)."""
    summary = watch_run(client, run_id, interval=interval, timeout=timeout, console=None)
    if as_json:
        print_json(summary)
    else:
        show(summary)
    raise typer.Exit(exit_code(summary))
