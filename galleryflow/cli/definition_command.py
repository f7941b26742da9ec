"""The operator commands that start a run on one image definition (rollback, prune and the
version changes): the options they share, the request around each command's own fields,
and the run followed to its end (galleryflow.cli.output.finish_run)."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from inspect import Parameter
from typing import Any

from galleryflow.cli.client import ApiClient
from galleryflow.cli.options import (
    DEFAULT_INTERVAL,
    DEFAULT_TIMEOUT,
    AsJson,
    Definition,
    Gallery,
    GalleryRg,
    Interval,
    Key,
    Subscription,
    Timeout,
    Url,
)
from galleryflow.cli.output import Show, finish_run, reporting

Body = Callable[..., dict[str, Any]]


def _option(name: str, annotation: Any, default: Any = Parameter.empty) -> Parameter:
    return Parameter(name, Parameter.KEYWORD_ONLY, annotation=annotation, default=default)


# The options every definition command takes, in the order its help lists them: the
# command's own required options come after `definition`, its optional ones after `key`.
_TARGET = [
    _option("gallery_rg", GalleryRg),
    _option("gallery", Gallery),
    _option("definition", Definition),
]
_CLIENT = [_option("url", Url), _option("key", Key, "")]
_FOLLOW = [
    _option("subscription", Subscription, None),
    _option("interval", Interval, DEFAULT_INTERVAL),
    _option("timeout", Timeout, DEFAULT_TIMEOUT),
    _option("as_json", AsJson, False),
]
_SHARED = [p.name for p in (*_TARGET, *_CLIENT, *_FOLLOW)]


def definition_command(
    route: str,
    show: Show,
    *,
    fields: Sequence[Parameter] = (),
    key_required: bool = False,
) -> Callable[[Body], Callable[..., None]]:
    """A command from `body(own options) -> the request's own fields`: it also takes the
    shared options (and `fields`, options sent as they are), POSTs {"gallery",
    "image_definition", **fields, **body} to `route` and follows the run to its end."""

    def declare(body: Body) -> Callable[..., None]:
        own = [*fields, *inspect.signature(body, eval_str=True).parameters.values()]

        def command(**options: Any) -> None:
            shared = {name: options.pop(name) for name in _SHARED}
            sent = {p.name: options.pop(p.name) for p in fields}
            _start(route, show, shared, {**sent, **body(**options)})

        client = (
            [_CLIENT[0], _CLIENT[1].replace(default=Parameter.empty)] if key_required else _CLIENT
        )
        params = [
            *_TARGET,
            *(p for p in own if p.default is p.empty),
            *client,
            *(p for p in own if p.default is not p.empty),
            *_FOLLOW,
        ]
        command.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [p.replace(kind=Parameter.KEYWORD_ONLY) for p in params]
        )
        command.__name__, command.__doc__ = body.__name__, body.__doc__
        return command

    return declare


def gallery_ref(resource_group: str, name: str, subscription: str | None) -> dict[str, str]:
    gallery = {"resource_group": resource_group, "name": name}
    if subscription:
        gallery["subscription_id"] = subscription
    return gallery


def _start(route: str, show: Show, shared: dict[str, Any], fields: dict[str, Any]) -> None:
    gallery = gallery_ref(shared["gallery_rg"], shared["gallery"], shared["subscription"])
    request = {"gallery": gallery, "image_definition": shared["definition"], **fields}
    with reporting(shared["as_json"]):
        client = ApiClient(shared["url"], shared["key"])
        run_id = str(client.call("POST", route, request)["id"])
        finish_run(client, run_id, shared["interval"], shared["timeout"], shared["as_json"], show)
