"""The caller of one request: parsed from Easy Auth's `X-MS-CLIENT-PRINCIPAL` headers, or
the configured role set of a function-key holder.

App Service Authentication validates the caller's token and injects (Microsoft Learn, "Work
with user identities in Azure App Service authentication",
https://learn.microsoft.com/azure/app-service/configure-authentication-user-identities):
- `X-MS-CLIENT-PRINCIPAL`: Base64 JSON `{"auth_typ", "claims": [{"typ", "val"}], "name_typ",
  "role_typ"}`; claims go through the default claim mapping, so a type may be a URI;
- `X-MS-CLIENT-PRINCIPAL-ID` (the identity provider's id of the caller),
  `X-MS-CLIENT-PRINCIPAL-NAME` (a readable name), `X-MS-CLIENT-PRINCIPAL-IDP` (provider).
External requests cannot set these headers when Easy Auth is on; when it is off nothing strips
them, so they are read only when GALLERYFLOW_EASY_AUTH says Easy Auth is on (see settings.py).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

PUBLISHER = "publisher"
APPROVER = "approver"
OPERATOR = "operator"
READER = "reader"
ROLES = (PUBLISHER, APPROVER, OPERATOR, READER)

PRINCIPAL_HEADER = "x-ms-client-principal"
ID_HEADER = "x-ms-client-principal-id"
NAME_HEADER = "x-ms-client-principal-name"
IDP_HEADER = "x-ms-client-principal-idp"
PRINCIPAL_HEADERS = (PRINCIPAL_HEADER, ID_HEADER, NAME_HEADER, IDP_HEADER)

MAX_PRINCIPAL_BYTES = 16 * 1024
# Claim types Entra ID uses for the user's object id and for app roles (after claim mapping
# the role type is the long URI; `role_typ` names it, "roles" is the token's own name).
OBJECT_ID_CLAIMS = ("http://schemas.microsoft.com/identity/claims/objectidentifier", "oid")
ROLE_CLAIMS = ("roles", "http://schemas.microsoft.com/ws/2008/06/identity/claims/role")
NAME_CLAIMS = ("name", "preferred_username")

KEY_PRINCIPAL_ID = "function-key"


class PrincipalError(ValueError):
    """The principal header is not what App Service Authentication sends."""


@dataclass(frozen=True)
class Principal:
    id: str
    name: str
    provider: str
    roles: frozenset[str]

    @property
    def is_key(self) -> bool:
        return self.id == KEY_PRINCIPAL_ID

    def has_role(self, role: str) -> bool:
        """Every galleryflow role may read; otherwise the role itself is needed."""
        return role in self.roles or (role == READER and bool(self.roles))

    def to_dict(self) -> dict[str, Any]:
        """What the audit records (no token, no claims beyond these)."""
        return {"id": self.id, "name": self.name, "provider": self.provider}

    def describe(self) -> str:
        return self.name if self.name == self.id else f"{self.name} ({self.id})"


def key_principal(roles: Iterable[str]) -> Principal:
    """A caller that presented a function key (Azure DevOps, scripts): one shared identity."""
    return Principal(KEY_PRINCIPAL_ID, "function key", "functionkey", frozenset(roles))


def system_principal(name: str) -> Principal:
    """galleryflow itself (the nightly timer): starts runs, never approves."""
    return Principal(f"system:{name}", name, "galleryflow", frozenset())


def parse_principal(headers: Mapping[str, str]) -> Principal | None:
    """The Easy Auth principal of a request (None when the request carries none).

    `headers` must have lower-case keys. Raises PrincipalError for anything App Service
    would never send: not Base64, not a JSON object, claims of the wrong shape, no id."""
    raw = headers.get(PRINCIPAL_HEADER)
    if raw is None:
        return None
    if len(raw) > MAX_PRINCIPAL_BYTES:
        raise PrincipalError(f"{PRINCIPAL_HEADER} is larger than {MAX_PRINCIPAL_BYTES} bytes")
    try:
        data = json.loads(base64.b64decode(raw.strip(), validate=True))
    except (binascii.Error, ValueError):
        raise PrincipalError(f"{PRINCIPAL_HEADER} is not Base64-encoded JSON") from None
    if not isinstance(data, dict):
        raise PrincipalError(f"{PRINCIPAL_HEADER} is not a JSON object")
    claims = _claims(data.get("claims"))
    for key in ("auth_typ", "name_typ", "role_typ"):
        if data.get(key) is not None and not isinstance(data.get(key), str):
            raise PrincipalError(f"{PRINCIPAL_HEADER}.{key} is not a string")
    role_types = {str(data.get("role_typ") or ""), *ROLE_CLAIMS}
    name_types = (str(data.get("name_typ") or ""), *NAME_CLAIMS)
    ident = headers.get(ID_HEADER) or _first(claims, OBJECT_ID_CLAIMS)
    if not ident:
        raise PrincipalError(f"{PRINCIPAL_HEADER} names no caller id ({ID_HEADER} or oid)")
    name = headers.get(NAME_HEADER) or _first(claims, name_types) or ident
    provider = headers.get(IDP_HEADER) or str(data.get("auth_typ") or "") or "unknown"
    roles = frozenset(val for typ, val in claims if typ in role_types and val in ROLES)
    return Principal(ident[:200], name[:200], provider[:50], roles)


def encode_principal(name: str, roles: Iterable[str], provider: str = "aad") -> str:
    """An `X-MS-CLIENT-PRINCIPAL` value as Easy Auth would send it (sandbox and tests)."""
    claims = [
        {"typ": OBJECT_ID_CLAIMS[0], "val": f"sandbox-{name}"},
        {"typ": "name", "val": name},
        *({"typ": ROLE_CLAIMS[0], "val": role} for role in roles),
    ]
    doc = {"auth_typ": provider, "claims": claims, "name_typ": "name", "role_typ": ROLE_CLAIMS[1]}
    return base64.b64encode(json.dumps(doc).encode()).decode()


def _claims(value: Any) -> list[tuple[str, str]]:
    if not isinstance(value, list):
        raise PrincipalError(f"{PRINCIPAL_HEADER}.claims is not a list")
    claims = []
    for claim in value:
        if not isinstance(claim, dict) or not all(
            isinstance(claim.get(k), str) for k in ("typ", "val")
        ):
            raise PrincipalError(f"{PRINCIPAL_HEADER}.claims has an entry without typ/val")
        claims.append((claim["typ"], claim["val"]))
    return claims


def _first(claims: list[tuple[str, str]], types: Iterable[str]) -> str | None:
    wanted = [t for t in types if t]
    for want in wanted:
        for typ, val in claims:
            if typ == want and val:
                return val
    return None
