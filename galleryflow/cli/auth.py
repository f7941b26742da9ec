"""How the CLI and the dashboard authenticate to the Function App: the one place that
builds the request headers (and knows which strings are secrets to scrub from text).

A function key (`x-functions-key`), an Entra ID token for an app behind App Service
Authentication (`--token-scope`), or in the sandbox the principal header Easy Auth would pass
(`--as NAME:ROLES`); the root options choose (`CURRENT`), `ApiClient` asks `CURRENT.auth(key)`
(docs/cli.md, Identity).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from galleryflow.cli.entra import TokenUnavailable, access_token
from galleryflow.identity.principal import PRINCIPAL_HEADER, ROLES, encode_principal

KEY_HEADER = "x-functions-key"


class Auth(Protocol):
    def headers(self) -> dict[str, str]: ...

    def secrets(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class FunctionKeyAuth:
    """A function key of the Function App, sent only in the `x-functions-key` header."""

    key: str

    def headers(self) -> dict[str, str]:
        return {KEY_HEADER: self.key} if self.key else {}

    def secrets(self) -> tuple[str, ...]:
        """Strings that must never appear in any output, message or log."""
        return (self.key,) if self.key else ()


class AuthError(ValueError):
    """An identity option cannot be used as given (the message says the expected form)."""


@dataclass(frozen=True)
class PrincipalAuth:
    """Sandbox only: the `X-MS-CLIENT-PRINCIPAL` header App Service Authentication would
    pass for `name` holding `roles` (the sandbox host stands in for Easy Auth; an app
    without Easy Auth ignores the header and sees only the key, if any)."""

    name: str
    roles: tuple[str, ...]
    key: str = ""

    def headers(self) -> dict[str, str]:
        principal = {PRINCIPAL_HEADER: encode_principal(self.name, self.roles)}
        return {**FunctionKeyAuth(self.key).headers(), **principal}

    def secrets(self) -> tuple[str, ...]:
        return FunctionKeyAuth(self.key).secrets()


class EntraTokenAuth:
    """Azure with Easy Auth: an Entra ID bearer token for galleryflow's app registration
    (`scope` = api://<client id>/.default) from azure-identity (`az login`, environment,
    managed identity), fetched once per process and scrubbed like a key."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        self._token = ""

    def headers(self) -> dict[str, str]:
        if not self._token:
            try:
                self._token = access_token(self.scope)
            except TokenUnavailable as exc:
                raise AuthError(str(exc)) from None
        return {"Authorization": f"Bearer {self._token}"}

    def secrets(self) -> tuple[str, ...]:
        return (self._token,) if self._token else ()


@dataclass
class Identity:
    """Who the commands act as: set by the root options `--as` / `--token-scope`."""

    as_spec: str | None = None
    token_scope: str | None = None

    def auth(self, key: str) -> Auth:
        if self.as_spec and self.token_scope:
            raise AuthError("use --as (sandbox) or --token-scope (Azure), not both")
        if self.as_spec:
            name, roles = parse_as(self.as_spec)
            return PrincipalAuth(name, roles, key)
        if self.token_scope:
            return EntraTokenAuth(self.token_scope)
        return FunctionKeyAuth(key)


# The root callback (galleryflow/cli/commands.py) sets it for the command that follows.
CURRENT = Identity()


def parse_as(spec: str) -> tuple[str, tuple[str, ...]]:
    """`NAME:ROLE1,ROLE2` -> (name, roles); roles are galleryflow's."""
    name, sep, raw_roles = spec.partition(":")
    roles = tuple(r.strip() for r in raw_roles.split(",") if r.strip())
    if not name.strip() or not sep or not roles or any(r not in ROLES for r in roles):
        raise AuthError(
            f"--as {spec!r}: write NAME:ROLE[,ROLE...] with roles from {', '.join(ROLES)}"
            " (e.g. --as alice:approver)"
        )
    return name.strip(), roles


def scrub(text: str, secrets: tuple[str, ...], redacted: str = "***") -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, redacted)
    return text
