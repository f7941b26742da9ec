"""The host standing in for App Service Authentication (Easy Auth), for sandbox tests.

Azure's Easy Auth validates the caller's Entra ID token in front of the app and hands the
app the result as `X-MS-CLIENT-PRINCIPAL` (Base64 JSON `{"auth_typ", "claims": [{"typ",
"val"}], "name_typ", "role_typ"}`) plus `X-MS-CLIENT-PRINCIPAL-ID/-NAME/-IDP`; callers cannot
set those headers themselves. There is no Entra ID here, so with the app setting
`SANDBOX_EASY_AUTH=stand-in` the host takes a principal header sent by the client (a test,
the operator CLI's `--as`) as the validated identity: it refuses one App Service would never
produce (401) and derives the -ID/-NAME/-IDP headers from it, replacing any the client sent.
Without the setting the host forwards every header untouched, as Azure does when Easy Auth
is off: the app must then ignore the principal header (anyone could have sent it).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

SETTING = "SANDBOX_EASY_AUTH"
STAND_IN = "stand-in"
PRINCIPAL = "X-MS-CLIENT-PRINCIPAL"
DERIVED = ("X-MS-CLIENT-PRINCIPAL-ID", "X-MS-CLIENT-PRINCIPAL-NAME", "X-MS-CLIENT-PRINCIPAL-IDP")
_OID = ("http://schemas.microsoft.com/identity/claims/objectidentifier", "oid")


class StandInError(ValueError):
    """The principal header is not one App Service would produce."""


def enabled(settings: Mapping[str, str]) -> bool:
    value = settings.get(SETTING, "").strip().lower()
    if value not in ("", "off", STAND_IN):
        raise ValueError(f"{SETTING}={value!r}: use {STAND_IN} or off")
    return value == STAND_IN


def stand_in_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The request headers as the app would get them behind Easy Auth (raises StandInError)."""
    kept = {k: v for k, v in headers.items() if k.upper() not in DERIVED}
    raw = next((v for k, v in headers.items() if k.upper() == PRINCIPAL), None)
    if raw is None:
        return kept
    try:
        doc = json.loads(base64.b64decode(raw, validate=True))
    except (binascii.Error, ValueError):
        raise StandInError(f"{PRINCIPAL} is not Base64 JSON") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("claims"), list):
        raise StandInError(f"{PRINCIPAL} has no claims list")
    claims = {str(c.get("typ")): str(c.get("val")) for c in doc["claims"] if isinstance(c, dict)}
    ident = next((claims[t] for t in _OID if t in claims), None)
    if not ident:
        raise StandInError(f"{PRINCIPAL} has no object id claim")
    name_type = str(doc.get("name_typ") or "name")
    derived: dict[str, Any] = {
        DERIVED[0]: ident,
        DERIVED[1]: claims.get(name_type) or claims.get("name") or ident,
        DERIVED[2]: str(doc.get("auth_typ") or "aad"),
    }
    return {**kept, **derived}
