"""The operator CLI's identity options: `--as NAME:ROLES` builds Easy Auth's principal
header (sandbox); wrong specs are refused with the expected form."""

from __future__ import annotations

import pytest

from galleryflow.cli.auth import AuthError, Identity, parse_as
from galleryflow.identity.principal import parse_principal


def test_as_builds_the_principal_easy_auth_would_pass() -> None:
    headers = Identity(as_spec="alice:approver,reader").auth("").headers()
    principal = parse_principal({k.lower(): v for k, v in headers.items()})
    assert principal is not None
    assert principal.name == "alice" and principal.roles == {"approver", "reader"}


@pytest.mark.parametrize("spec", ["alice", "alice:", ":approver", "alice:admin", "a:approver,x"])
def test_bad_as_specs_say_the_form(spec: str) -> None:
    with pytest.raises(AuthError, match="NAME:ROLE"):
        parse_as(spec)


def test_one_identity_at_a_time_and_none_by_default() -> None:
    assert Identity().auth("").headers() == {}
    assert Identity().auth("k").headers() == {"x-functions-key": "k"}
    with pytest.raises(AuthError, match="not both"):
        Identity(as_spec="a:reader", token_scope="api://x/.default").auth("")
