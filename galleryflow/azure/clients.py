"""SDK clients, created once per worker process per (settings, subscription) and reused.

Creating a client per call would rebuild the HTTP pipeline and the credential's token
cache every time; these caches keep one of each.
"""

from __future__ import annotations

import functools
from typing import Any

from azure.core.credentials import TokenCredential
from azure.mgmt.compute import ComputeManagementClient
from azure.mgmt.resourcegraph import ResourceGraphClient
from azure.storage.queue import QueueClient

from galleryflow.azure.credentials import make_credential
from galleryflow.azure.retry import BoundedRetryAfterPolicy
from galleryflow.settings import AzureSettings, SettingsError


def current_settings() -> AzureSettings:
    """The settings from the process environment (re-read each call: it is cheap)."""
    return AzureSettings.from_env()


@functools.lru_cache(maxsize=8)
def credential_for(settings: AzureSettings) -> TokenCredential:
    return make_credential(settings)


def _transport_options(settings: AzureSettings) -> dict[str, Any]:
    options: dict[str, Any] = {
        "retry_policy": BoundedRetryAfterPolicy(
            retry_total=settings.arm_retry_total, retry_backoff_factor=0.8, retry_backoff_max=60
        ),
        "polling_interval": settings.arm_polling_interval,
        "read_timeout": settings.arm_read_timeout,
    }
    if settings.arm_ca_bundle:
        options["connection_verify"] = settings.arm_ca_bundle
    return options


@functools.lru_cache(maxsize=32)
def _compute_client(settings: AzureSettings, subscription_id: str) -> ComputeManagementClient:
    return ComputeManagementClient(
        credential=credential_for(settings),
        subscription_id=subscription_id,
        base_url=settings.arm_endpoint,
        **_transport_options(settings),
    )


def compute_client(
    subscription_id: str, settings: AzureSettings | None = None
) -> ComputeManagementClient:
    """The cached ComputeManagementClient for one subscription."""
    if not subscription_id:
        raise SettingsError("a subscription id is required (or set GALLERYFLOW_SUBSCRIPTION_ID)")
    return _compute_client(settings or current_settings(), subscription_id.lower())


@functools.lru_cache(maxsize=4)
def _graph_client(settings: AzureSettings) -> ResourceGraphClient:
    return ResourceGraphClient(
        credential=credential_for(settings),
        base_url=settings.arm_endpoint,
        **_transport_options(settings),
    )


def resource_graph_client(settings: AzureSettings | None = None) -> ResourceGraphClient:
    """The cached Azure Resource Graph client (tenant-level: no subscription of its own)."""
    return _graph_client(settings or current_settings())


@functools.lru_cache(maxsize=4)
def _queue_client(settings: AzureSettings, queue_name: str) -> QueueClient:
    if settings.events_connection_string:
        return QueueClient.from_connection_string(
            settings.events_connection_string, queue_name, retry_total=settings.arm_retry_total
        )
    if settings.events_queue_service_uri:
        return QueueClient(
            account_url=settings.events_queue_service_uri,
            queue_name=queue_name,
            credential=credential_for(settings),
            retry_total=settings.arm_retry_total,
        )
    raise SettingsError(
        "events need GALLERYFLOW_EVENTS_CONNECTION_STRING (Azurite) or "
        "GALLERYFLOW_EVENTS_QUEUE_SERVICE_URI (identity-based, Azure)"
    )


def queue_client(settings: AzureSettings | None = None) -> QueueClient:
    """The cached QueueClient of the events queue."""
    settings = settings or current_settings()
    return _queue_client(settings, settings.events_queue)


def clear_client_caches() -> None:
    """Forget every cached client (tests that restart an emulator on a new port)."""
    _compute_client.cache_clear()
    _graph_client.cache_clear()
    _queue_client.cache_clear()
    credential_for.cache_clear()
