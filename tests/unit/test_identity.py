"""Identity and authorization rules (galleryflow/identity): the Easy Auth principal header,
the settings, role checks, separation of duties, cancel ownership and the audit helpers."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from galleryflow.identity import audit
from galleryflow.identity.authz import check_cancel, check_decision, check_role
from galleryflow.identity.principal import (
    APPROVER,
    OPERATOR,
    PUBLISHER,
    READER,
    ROLES,
    Principal,
    PrincipalError,
    encode_principal,
    key_principal,
    parse_principal,
    system_principal,
)
from galleryflow.settings import AuthSettings, SettingsError

ROLE_URI = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role"
OID = "http://schemas.microsoft.com/identity/claims/objectidentifier"


def header(doc: Any) -> dict[str, str]:
    return {"x-ms-client-principal": base64.b64encode(json.dumps(doc).encode()).decode()}


def entra_doc(*roles: str) -> dict[str, Any]:
    """Shaped like Easy Auth's Entra ID principal (claim types after the default mapping)."""
    return {
        "auth_typ": "aad",
        "claims": [
            {"typ": OID, "val": "1b2c-oid"},
            {"typ": "name", "val": "Ann Example"},
            {"typ": "preferred_username", "val": "ann@example.com"},
            *({"typ": ROLE_URI, "val": role} for role in roles),
            {"typ": ROLE_URI, "val": "SomeOtherAppRole"},
        ],
        "name_typ": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
        "role_typ": ROLE_URI,
    }


def test_an_entra_principal_gives_id_name_provider_and_galleryflow_roles_only() -> None:
    principal = parse_principal(header(entra_doc(PUBLISHER, APPROVER)))
    assert principal == Principal(
        "1b2c-oid", "Ann Example", "aad", frozenset({PUBLISHER, APPROVER})
    )
    assert principal.to_dict() == {"id": "1b2c-oid", "name": "Ann Example", "provider": "aad"}


def test_the_platform_headers_name_the_caller_when_present() -> None:
    headers = {
        **header(entra_doc(READER)),
        "x-ms-client-principal-id": "hdr-id",
        "x-ms-client-principal-name": "ann@example.com",
        "x-ms-client-principal-idp": "aad",
    }
    principal = parse_principal(headers)
    assert principal is not None
    assert (principal.id, principal.name, principal.roles) == (
        "hdr-id",
        "ann@example.com",
        frozenset({READER}),
    )


def test_roles_claim_by_its_token_name_also_counts() -> None:
    doc = {
        "auth_typ": "aad",
        "claims": [{"typ": "oid", "val": "x"}, {"typ": "roles", "val": "operator"}],
    }
    principal = parse_principal(header(doc))
    assert principal is not None and principal.roles == {OPERATOR} and principal.name == "x"


def test_no_header_is_no_principal() -> None:
    assert parse_principal({}) is None


@pytest.mark.parametrize(
    "raw",
    [
        "not base64 !!",
        base64.b64encode(b"not json").decode(),
        base64.b64encode(b"[1, 2]").decode(),
        header({"claims": "nope"})["x-ms-client-principal"],
        header({"claims": [{"typ": 1, "val": "x"}]})["x-ms-client-principal"],
        header({"claims": [{"typ": "name", "val": "no id"}]})["x-ms-client-principal"],
        header({"auth_typ": 3, "claims": [{"typ": "oid", "val": "x"}]})["x-ms-client-principal"],
        "A" * (16 * 1024 + 4),
    ],
)
def test_anything_easy_auth_would_not_send_is_refused(raw: str) -> None:
    with pytest.raises(PrincipalError):
        parse_principal({"x-ms-client-principal": raw})


def test_the_sandbox_encoding_round_trips() -> None:
    principal = parse_principal({"x-ms-client-principal": encode_principal("pat", [PUBLISHER])})
    assert principal == Principal("sandbox-pat", "pat", "aad", frozenset({PUBLISHER}))


def test_settings_defaults_follow_easy_auth() -> None:
    assert AuthSettings.from_env({}) == AuthSettings(False, frozenset(ROLES), "production")
    on = AuthSettings.from_env({"GALLERYFLOW_EASY_AUTH": "true"})
    assert on.easy_auth and on.key_roles == {PUBLISHER, READER}
    custom = AuthSettings.from_env(
        {"GALLERYFLOW_KEY_ROLES": " Reader ", "GALLERYFLOW_SEPARATION_OF_DUTIES": "always"}
    )
    assert custom.key_roles == {READER} and custom.separation_applies(False)
    assert AuthSettings.from_env({"GALLERYFLOW_KEY_ROLES": "none"}).key_roles == frozenset()


@pytest.mark.parametrize(
    "env",
    [
        {"GALLERYFLOW_EASY_AUTH": "maybe"},
        {"GALLERYFLOW_KEY_ROLES": "publisher,admin"},
        {"GALLERYFLOW_SEPARATION_OF_DUTIES": "sometimes"},
    ],
)
def test_bad_settings_name_the_setting(env: dict[str, str]) -> None:
    with pytest.raises(SettingsError, match=next(iter(env))):
        AuthSettings.from_env(env)


def test_every_role_reads_and_only_its_own_role_acts() -> None:
    approver = Principal("a", "a", "aad", frozenset({APPROVER}))
    assert check_role(approver, (READER,)) is None
    assert check_role(approver, (APPROVER,)) is None
    refusal = check_role(approver, (PUBLISHER,))
    assert refusal is not None and (refusal.status, refusal.code) == (403, "RoleRequired")
    assert "publisher" in refusal.message and "approver" in refusal.message
    nobody = Principal("n", "n", "aad", frozenset())
    assert check_role(nobody, (READER,)) is not None
    assert check_role(nobody, ("anonymous",)) is None
    assert "GALLERYFLOW_KEY_ROLES" in (check_role(key_principal([]), (READER,)) or _no()).message


def _no() -> Any:
    raise AssertionError("expected a refusal")


@pytest.mark.parametrize(
    ("mode", "production", "refused"),
    [
        ("production", True, True),
        ("production", False, False),
        ("always", False, True),
        ("off", True, False),
    ],
)
def test_separation_of_duties(mode: str, production: bool, refused: bool) -> None:
    settings = AuthSettings(separation_of_duties=mode)
    pat = Principal("p", "pat", "aad", frozenset({PUBLISHER, APPROVER}))
    refusal = check_decision(pat, "approve", pat.to_dict(), production, settings)
    assert (refusal is not None) is refused
    if refusal:
        assert refusal.code == "SeparationOfDuties" and "GALLERYFLOW_SEPARATION" in refusal.message
    alice = Principal("a", "alice", "aad", frozenset({APPROVER}))
    assert check_decision(alice, "approve", pat.to_dict(), production, settings) is None


def test_a_key_cannot_approve_what_a_key_started() -> None:
    key = key_principal(ROLES)
    refusal = check_decision(key, "approve", key.to_dict(), True, AuthSettings())
    assert refusal is not None and "Entra ID" in refusal.message


def test_cancel_is_for_the_starter_or_an_operator() -> None:
    pat = Principal("p", "pat", "aad", frozenset({PUBLISHER}))
    quinn = Principal("q", "quinn", "aad", frozenset({PUBLISHER}))
    otto = Principal("o", "otto", "aad", frozenset({OPERATOR}))
    assert check_cancel(pat, pat.to_dict()) is None
    assert check_cancel(otto, pat.to_dict()) is None
    refusal = check_cancel(quinn, pat.to_dict())
    assert refusal is not None and refusal.code == "NotYourRun" and "pat" in refusal.message
    nightly = system_principal("nightly timer").to_dict()
    assert check_cancel(pat, nightly) is not None and check_cancel(otto, nightly) is None


def test_audit_input_round_trip_and_decisions() -> None:
    pat = {"id": "p", "name": "pat", "provider": "aad"}
    run_input = audit.with_starter({"production": True, "x": 1}, pat)
    assert audit.split_starter(json.dumps(run_input)) == ({"production": True, "x": 1}, pat)
    assert audit.run_facts(run_input) == (pat, True)
    assert audit.split_starter({"x": 1}) == ({"x": 1}, None)
    payload = json.dumps({"principal": pat, "by": "ann", "comment": "looks good"})
    principal, note, comment = audit.decision_of(payload)
    assert (principal, note, comment) == (pat, "ann", "looks good")
    assert audit.describe(principal, note, comment) == " by pat (note: ann; looks good)"
    assert audit.describe(None, None, None) == ""
    entry = audit.entry("approved", pat, "2026-01-01T00:00:00", wave=2, note=None)
    assert entry == {"action": "approved", "by": pat, "at": "2026-01-01T00:00:00", "wave": 2}
