"""Shared plumbing of the dashboard's routes: rendering with the security headers, reading
POST forms with their CSRF check, and turning API errors into readable pages (the error
body's message and details, never a stack trace or the key)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from galleryflow.cli.client import ApiClient, OperatorError
from galleryflow.ui.security import SECURITY_HEADERS, CsrfToken
from galleryflow.ui.timeline import elapsed

logger = logging.getLogger("galleryflow.ui")
MAX_FORM_BYTES = 16 * 1024


class FormRejected(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Dashboard:
    client: ApiClient
    csrf: CsrfToken
    refresh_seconds: float
    env: Environment

    def render(self, template: str, http_status: int = 200, **context: Any) -> HTMLResponse:
        html = self.env.get_template(template).render(
            csrf=self.csrf.value, refresh_seconds=self.refresh_seconds, **context
        )
        return HTMLResponse(html, status_code=http_status, headers=SECURITY_HEADERS)

    def api_error(self, error: OperatorError) -> HTMLResponse:
        """The API's error (message, details, hint) as a page; 502 when it was not a 4xx."""
        status = error.status if error.status and 400 <= error.status < 500 else 502
        logger.info("API error %s (%s): %s", error.code, error.status, error.message)
        return self.render("error.html", status, error=error)

    def failure(self, status: int, title: str, message: str) -> HTMLResponse:
        return self.render(
            "error.html", status, error=OperatorError(message, code=title, status=status)
        )

    async def form(self, request: Request) -> dict[str, list[str]]:
        """The POSTed form, after the CSRF token and (when sent) the Origin are checked."""
        if request.headers.get("content-type", "").split(";")[0].strip() != (
            "application/x-www-form-urlencoded"
        ):
            raise FormRejected(415, "expected a form post from the dashboard's own page")
        body = await request.body()
        if len(body) > MAX_FORM_BYTES:
            raise FormRejected(413, "form too large")
        fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        origin = request.headers.get("origin")
        if origin and origin != f"{request.url.scheme}://{request.headers.get('host')}":
            raise FormRejected(403, "the form came from another site; nothing was done")
        if not self.csrf.matches(first(fields, "csrf")):
            raise FormRejected(
                403, "the form's CSRF token is missing or stale; reload the page and try again"
            )
        return fields


def create_env() -> Environment:
    env = Environment(
        loader=PackageLoader("galleryflow.ui", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = lambda iso: str(iso or "")[:19].replace("T", " ")
    env.filters["duration"] = lambda seconds: elapsed(float(seconds)).lstrip("+")
    env.filters["q"] = lambda value: quote(str(value), safe="")
    env.filters["query"] = lambda params: urlencode(
        [(k, v) for k, v in params if v not in (None, "")]
    )
    return env


def first(fields: dict[str, list[str]], name: str) -> str | None:
    values = fields.get(name) or []
    return values[0].strip() if values and values[0].strip() else None


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers=SECURITY_HEADERS)


async def in_thread(function: Any, *args: Any) -> Any:
    """Run a blocking API call off the event loop."""
    return await run_in_threadpool(function, *args)
