"""Settings, credentials and the client cache (no network)."""

from __future__ import annotations

import pytest
from azure.identity import DefaultAzureCredential

from galleryflow.azure import clients
from galleryflow.azure.credentials import StaticTokenCredential, make_credential
from galleryflow.settings import AzureSettings, SettingsError


def test_defaults():
    settings = AzureSettings.from_env({})
    assert settings.arm_endpoint == "https://management.azure.com"
    assert settings.events_queue == "galleryflow-events"
    assert settings.arm_static_token is None
    assert isinstance(make_credential(settings), DefaultAzureCredential)


def test_reads_every_documented_setting(tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    settings = AzureSettings.from_env(
        {
            "GALLERYFLOW_ARM_ENDPOINT": "https://127.0.0.1:8443/",
            "GALLERYFLOW_ARM_CA_BUNDLE": str(ca),
            "GALLERYFLOW_ARM_STATIC_TOKEN": "tok-secret",
            "AZURE_CLIENT_ID": "client-1",
            "GALLERYFLOW_SUBSCRIPTION_ID": "sub-1",
            "GALLERYFLOW_EVENTS_QUEUE": "q1",
            "GALLERYFLOW_EVENTS_CONNECTION_STRING": "AccountKey=conn-secret",
            "GALLERYFLOW_EVENTS_QUEUE_SERVICE_URI": "https://acct.queue.core.windows.net",
            "GALLERYFLOW_ARM_RETRY_TOTAL": "0",
            "GALLERYFLOW_ARM_POLLING_INTERVAL": "1",
        }
    )
    assert settings.arm_endpoint == "https://127.0.0.1:8443"
    assert settings.arm_ca_bundle == str(ca)
    assert settings.managed_identity_client_id == "client-1"
    assert settings.default_subscription_id == "sub-1"
    assert settings.events_queue == "q1"
    assert settings.events_queue_service_uri == "https://acct.queue.core.windows.net"
    assert (settings.arm_retry_total, settings.arm_polling_interval) == (0, 1)
    # Secrets never show up in a repr (logs, tracebacks).
    assert "tok-secret" not in repr(settings) and "conn-secret" not in repr(settings)
    credential = make_credential(settings)
    assert isinstance(credential, StaticTokenCredential)
    assert credential.get_token("https://management.azure.com/.default").token == "tok-secret"
    assert "tok-secret" not in repr(credential)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"GALLERYFLOW_ARM_ENDPOINT": "http://127.0.0.1:1"}, "must start with https://"),
        ({"GALLERYFLOW_ARM_CA_BUNDLE": "/nonexistent/ca.pem"}, "is not a file"),
        ({"GALLERYFLOW_ARM_RETRY_TOTAL": "many"}, "is not an integer"),
        ({"GALLERYFLOW_ARM_POLLING_INTERVAL": "-1"}, "must be >= 0"),
    ],
)
def test_bad_settings_say_what_is_wrong(env, message):
    with pytest.raises(SettingsError, match=message):
        AzureSettings.from_env(env)


def test_compute_clients_are_created_once_per_settings_and_subscription():
    settings = AzureSettings.from_env({"GALLERYFLOW_ARM_STATIC_TOKEN": "t"})
    first = clients.compute_client("SUB-A", settings)
    assert clients.compute_client("sub-a", settings) is first
    assert clients.compute_client("sub-b", settings) is not first
    other = AzureSettings.from_env({"GALLERYFLOW_ARM_STATIC_TOKEN": "t2"})
    assert clients.compute_client("sub-a", other) is not first
    with pytest.raises(SettingsError, match="subscription id is required"):
        clients.compute_client("", settings)
