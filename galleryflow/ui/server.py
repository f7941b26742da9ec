"""Run the dashboard with uvicorn on a socket we bind ourselves (port 0: a free one), so
the URL is known before the first request; optionally open a browser on it."""

from __future__ import annotations

import socket
import webbrowser
from collections.abc import Callable
from typing import Any

import uvicorn

from galleryflow.cli.client import ApiClient
from galleryflow.ui.pages import create_app
from galleryflow.ui.security import bind_address


def open_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


def serve(
    client: ApiClient,
    *,
    host: str | None,
    port: int,
    open_browser: bool,
    refresh_seconds: float,
    say: Callable[[Any], Any],
) -> None:
    """Serve until Ctrl-C. `host` None means loopback; any other address was asked for."""
    address, warning = bind_address(host, explicit=host is not None)
    if warning:
        say(warning)
    sock = open_socket(address, port)
    bound_port = sock.getsockname()[1]
    shown = f"[{address}]" if ":" in address else address
    url = f"http://{shown}:{bound_port}/"
    app = create_app(client, refresh_seconds=refresh_seconds, extra_hosts=(address,))
    config = uvicorn.Config(app, log_level="info", access_log=True, lifespan="off")
    server = uvicorn.Server(config)
    say(f"galleryflow dashboard: {url}  (Ctrl-C stops it)")
    if open_browser:
        webbrowser.open(url)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
