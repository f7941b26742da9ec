"""A small client for galleryflow's HTTP API (docs/api.md): one method per route.

Every failure becomes `OperatorError` with a readable message, the API's details and a
hint; the function key travels only in the `x-functions-key` header and is scrubbed from
any text that leaves this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests

from galleryflow.cli.auth import CURRENT, Auth, AuthError, scrub

# What to try next, by HTTP status, when the API's own details give no hint.
_STATUS_HINTS = {
    401: "check --key / GALLERYFLOW_KEY (a function key of this Function App), or sign in: "
    "--token-scope api://<client id>/.default (Easy Auth) / --as NAME:ROLE (sandbox)",
    403: "the caller lacks the route's role or a rule refused (see the message); for Azure "
    "reads, check the Function App identity's role assignments",
    404: "check the id or names, and that --url / GALLERYFLOW_URL is the Function App base URL",
    409: "the resource is busy or the run has ended; see the message",
    413: "the request body is too large",
    415: "the body must be JSON",
}


@dataclass
class OperatorError(Exception):
    """Anything that went wrong talking to the API, ready to print."""

    message: str
    code: str = "Error"
    status: int | None = None
    details: list[dict[str, Any]] = field(default_factory=list)
    hint: str = ""

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "code": self.code,
            "message": self.message,
            "details": self.details,
        }
        if self.status is not None:
            body["status"] = self.status
        if self.hint:
            body["hint"] = self.hint
        return {"error": body}


class ApiClient:
    """`ApiClient(url, key)`; methods return the decoded JSON answer of one route.

    `auth` (default: the function key `key`) builds the authentication headers of every
    request; see galleryflow/cli/auth.py."""

    def __init__(
        self, url: str, key: str = "", *, timeout: float = 30.0, auth: Auth | None = None
    ) -> None:
        try:
            self._auth: Auth = auth if auth is not None else CURRENT.auth(key)
        except AuthError as exc:
            raise OperatorError(str(exc), code="BadIdentity") from None
        self.base = url.rstrip("/")
        if not self.base.startswith(("http://", "https://")):
            raise OperatorError(
                f"--url must start with http:// or https:// (got {self._scrub(url)!r})",
                code="BadUrl",
                hint="e.g. https://<app>.azurewebsites.net or http://127.0.0.1:<port>",
            )
        self._timeout = timeout
        self._session = requests.Session()

    # ---- routes ------------------------------------------------------------------------

    def publish(self, request: dict[str, Any], idempotency_key: str | None = None) -> Any:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        return self.call("POST", "publish", request, headers)

    def runs(self, definition: str | None = None, status: str | None = None) -> Any:
        query = {k: v for k, v in (("definition", definition), ("status", status)) if v}
        return self.call("GET", "runs", params=query)

    def run(self, run_id: str) -> Any:
        return self.call("GET", f"runs/{quote(run_id, safe='')}")

    def run_event(
        self, run_id: str, event: str, by: str | None = None, comment: str | None = None
    ) -> Any:
        body = {k: v for k, v in (("by", by), ("comment", comment)) if v is not None}
        return self.call("POST", f"runs/{quote(run_id, safe='')}/{event}", body)

    def rollback(self, request: dict[str, Any]) -> Any:
        return self.call("POST", "rollback", request)

    def rollback_preview(self, request: dict[str, Any]) -> Any:
        return self.call("POST", "rollback/preview", request)

    def undo_rollback(self, request: dict[str, Any]) -> Any:
        return self.call("POST", "rollback/undo", request)

    def undo_rollback_preview(self, request: dict[str, Any]) -> Any:
        return self.call("POST", "rollback/undo/preview", request)

    def prune(self, request: dict[str, Any]) -> Any:
        return self.call("POST", "prune", request)

    def versions(
        self, gallery: str, definition: str, resource_group: str, subscription: str | None
    ) -> Any:
        query = {"resource_group": resource_group}
        if subscription:
            query["subscription_id"] = subscription
        route = f"galleries/{quote(gallery, safe='')}/images/{quote(definition, safe='')}/versions"
        return self.call("GET", route, params=query)

    # ---- plumbing ----------------------------------------------------------------------

    def call(
        self,
        method: str,
        route: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> Any:
        url = f"{self.base}/api/{route}"
        try:
            response = self._session.request(
                method,
                url,
                json=body,
                params=params,
                headers={**self._auth_headers(), **(headers or {})},
                timeout=self._timeout,
            )
        except requests.Timeout:
            raise OperatorError(
                f"{method} /api/{route}: no answer from {self.base} within {self._timeout:g} s",
                code="Timeout",
                hint="the Function App may be cold-starting or overloaded; try again",
            ) from None
        except requests.RequestException as exc:
            raise OperatorError(
                f"cannot reach galleryflow at {self._scrub(self.base)}: "
                f"{self._scrub(_reason(exc))}",
                code="ConnectionFailed",
                hint="check --url / GALLERYFLOW_URL (the Function App base URL) and that it runs",
            ) from None
        return self._decode(method, route, response)

    def _decode(self, method: str, route: str, response: requests.Response) -> Any:
        try:
            data = response.json() if response.content else None
        except ValueError:
            data = None
        if response.status_code < 400:
            if data is None:
                raise OperatorError(
                    f"{method} /api/{route} answered {response.status_code} without JSON: "
                    "is --url a galleryflow Function App?",
                    code="NotGalleryflow",
                    status=response.status_code,
                    hint="check --url / GALLERYFLOW_URL",
                )
            return data
        error = data.get("error") if isinstance(data, dict) else None
        error = error if isinstance(error, dict) else {}
        details = [d for d in error.get("details") or [] if isinstance(d, dict)]
        message = str(error.get("message") or response.reason or "request failed")
        raise OperatorError(
            self._scrub(f"{method} /api/{route}: HTTP {response.status_code}: {message}"),
            code=str(error.get("code") or _status_code_name(response.status_code)),
            status=response.status_code,
            details=[{k: self._scrub(str(v)) for k, v in d.items()} for d in details],
            hint=_STATUS_HINTS.get(response.status_code, ""),
        )

    def _auth_headers(self) -> dict[str, str]:
        try:
            return self._auth.headers()
        except AuthError as exc:
            raise OperatorError(str(exc), code="BadIdentity") from None

    def _scrub(self, text: str) -> str:
        return scrub(text, self._auth.secrets())


def _reason(exc: requests.RequestException) -> str:
    """The innermost cause (e.g. 'Connection refused'), not urllib3's pool repr."""
    text = str(exc)
    for marker in ("Connection refused", "Name or service not known", "No route to host"):
        if marker in text:
            return marker
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS handshake failed (certificate not trusted?)"
    return type(exc).__name__


def _status_code_name(status: int) -> str:
    return {401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 409: "Conflict"}.get(
        status, f"Http{status}"
    )
