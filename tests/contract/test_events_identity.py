"""The identity-based events path (service URI + bearer token, as with a managed identity in
Azure) against Azurite serving HTTPS with OAuth enabled."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import pytest
import trustme
from azure.storage.queue import QueueClient

from galleryflow.azure import events
from galleryflow.azure.clients import clear_client_caches
from galleryflow.azure.errors import Forbidden
from galleryflow.settings import AzureSettings
from sandbox.azurite import start_azurite


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _token(lifetime: int) -> str:
    """An Entra-shaped access token; Azurite's basic OAuth does not check signatures."""
    now = int(time.time())
    claims = {
        "aud": "https://storage.azure.com",
        "iss": "https://sts.windows.net/00000000-0000-0000-0000-00000000000a/",
        "nbf": now - 60,
        "iat": now - 60,
        "exp": now + lifetime,
        "oid": "00000000-0000-0000-0000-00000000000b",
    }
    return f"{_b64({'alg': 'RS256', 'typ': 'JWT'})}.{_b64(claims)}.c2lnbmF0dXJl"


@pytest.fixture
def https_azurite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert_file, key_file, ca_file = tmp_path / "cert.pem", tmp_path / "key.pem", tmp_path / "ca.pem"
    cert.cert_chain_pems[0].write_to_path(str(cert_file))
    cert.private_key_pem.write_to_path(str(key_file))
    ca.cert_pem.write_to_path(str(ca_file))
    # requests (under azure-core) trusts this CA for the test's HTTPS calls.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca_file))
    service = start_azurite(tmp_path / "azurite", tls=(cert_file, key_file), oauth=True)
    try:
        yield service
    finally:
        service.stop()
        clear_client_caches()


def _identity_settings(service, token: str) -> AzureSettings:
    return AzureSettings.from_env(
        {
            "GALLERYFLOW_EVENTS_QUEUE_SERVICE_URI": service.queue_service_uri,
            "GALLERYFLOW_ARM_STATIC_TOKEN": token,
            "GALLERYFLOW_ARM_RETRY_TOTAL": "0",
        }
    )


def test_events_sent_with_a_bearer_token(https_azurite):
    settings = _identity_settings(https_azurite, _token(lifetime=3600))
    events.publish_event(
        "promoted", "run-7", {"latest": {"westeurope": "1.2.3"}}, settings=settings
    )
    reader = QueueClient.from_connection_string(
        https_azurite.connection_string, "galleryflow-events"
    )
    (message,) = list(reader.receive_messages())
    event = json.loads(message.content)
    assert (event["type"], event["run_id"]) == ("galleryflow.promoted.v1", "run-7")


def test_an_expired_token_is_forbidden_and_not_leaked(https_azurite):
    token = _token(lifetime=-30)
    settings = _identity_settings(https_azurite, token)
    with pytest.raises(Forbidden) as caught:
        events.publish_event("failed", "run-8", {}, settings=settings)
    assert (caught.value.status, caught.value.code) == (403, "AuthenticationFailed")
    assert token not in json.dumps(caught.value.to_dict())
