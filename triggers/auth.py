"""The one place the HTTP API decides who calls and whether they may: `@requires(...)`.

Each route declares its role next to itself:

    @bp.route(route="publish", methods=["POST"])
    @bp.durable_client_input(client_name="client")
    @api_route
    @requires(PUBLISHER, operation="publish")
    async def publish(req, client): ... caller() is the authenticated principal ...

People's routes read the Easy Auth principal when GALLERYFLOW_EASY_AUTH is on (and are then
anonymous to the Functions host: App Service Authentication answers 401 before the app for
a request without a valid token); machine routes (`callers="machines"`: the DevOps task and
hook) always take a function key and always act as the key principal, whatever headers
they carry. The rules themselves are pure: galleryflow/identity/authz.py.
"""

from __future__ import annotations

import contextvars
import functools
import logging
from typing import Any, Literal
from urllib.parse import urlsplit

import azure.functions as func

from galleryflow.api.errors import ApiError
from galleryflow.identity.authz import ANONYMOUS, Refusal, RouteAccess, check_role
from galleryflow.identity.principal import (
    PRINCIPAL_HEADER,
    Principal,
    PrincipalError,
    key_principal,
    parse_principal,
)
from galleryflow.settings import AuthSettings, SettingsError
from triggers.http import Handler

logger = logging.getLogger("galleryflow.auth")

# operationId -> the roles its route accepts (filled by @requires; OpenAPI lists them).
REQUIRED_ROLES: dict[str, RouteAccess] = {}
_caller: contextvars.ContextVar[Principal] = contextvars.ContextVar("galleryflow_caller")


def auth_settings() -> AuthSettings:
    try:
        return AuthSettings.from_env()
    except SettingsError as exc:
        raise ApiError(500, "SettingsInvalid", f"An app setting is invalid: {exc}") from None


def http_auth_level() -> func.AuthLevel:
    """The Functions host's check for people's routes: none of its own when Easy Auth
    authenticates them, else a function key. Invalid settings fall back to keys."""
    try:
        easy_auth = AuthSettings.from_env().easy_auth
    except SettingsError:
        easy_auth = False
    return func.AuthLevel.ANONYMOUS if easy_auth else func.AuthLevel.FUNCTION


def caller() -> Principal:
    """The principal of the request being handled (set by @requires)."""
    return _caller.get()


def refuse(refusal: Refusal) -> ApiError:
    return ApiError(refusal.status, refusal.code, refusal.message)


def identify(
    req: func.HttpRequest, settings: AuthSettings, callers: str, anonymous: bool
) -> Principal:
    headers = {k.lower(): v for k, v in req.headers.items()}
    key_holder = key_principal(settings.key_roles)
    if callers == "machines" or not settings.easy_auth:
        if PRINCIPAL_HEADER in headers:
            # Nothing vouches for it: without Easy Auth (or on a key route) anyone can send it.
            where = urlsplit(req.url).path  # never the query: it can hold the function key
            logger.warning("ignored %s on %s: not set by Easy Auth", PRINCIPAL_HEADER, where)
        return key_holder
    try:
        principal = parse_principal(headers)
    except PrincipalError as exc:
        raise ApiError(
            401, "PrincipalInvalid", f"Sign-in information is unreadable: {exc}."
        ) from None
    if principal is None and not anonymous:
        raise ApiError(
            401,
            "SignInRequired",
            "Sign in with Entra ID: send a bearer token for the galleryflow app registration "
            "(App Service Authentication turns it into the caller's identity).",
        )
    return principal or Principal("anonymous", "anonymous", "none", frozenset())


def requires(
    *roles: str,
    operation: str,
    callers: Literal["people", "machines"] = "people",
) -> Any:
    """Authenticate the caller and check that it holds one of `roles` (see module doc)."""
    assert roles and operation not in REQUIRED_ROLES, operation
    access = REQUIRED_ROLES[operation] = RouteAccess(roles, callers)

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def wrapper(*args: Any, **kwargs: Any) -> func.HttpResponse:
            req = kwargs.get("req") or args[0]
            settings = auth_settings()
            principal = identify(req, settings, callers, ANONYMOUS in roles)
            refusal = check_role(principal, roles)
            if refusal is not None:
                logger.warning(
                    "%s refused for %s: %s", operation, principal.describe(), refusal.code
                )
                raise refuse(refusal)
            token = _caller.set(principal)
            try:
                return await handler(*args, **kwargs)
            finally:
                _caller.reset(token)

        setattr(wrapper, "route_access", access)  # noqa: B010  (functools.wraps copies it outward)
        return wrapper

    return decorate
