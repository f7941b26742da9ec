"""The app settings the gateway reads (see docs/CONTRACTS.md, "App settings")."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_ARM_ENDPOINT = "https://management.azure.com"
DEFAULT_EVENTS_QUEUE = "galleryflow-events"


class SettingsError(ValueError):
    """An app setting has a value the gateway cannot use."""


def _int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not an integer") from None
    if value < 0:
        raise SettingsError(f"{name}={raw!r} must be >= 0")
    return value


@dataclass(frozen=True)
class AzureSettings:
    """Frozen and hashable: it is part of the client cache key."""

    arm_endpoint: str = DEFAULT_ARM_ENDPOINT
    arm_ca_bundle: str | None = None
    # Sandbox only. repr=False keeps secrets out of logs and tracebacks.
    arm_static_token: str | None = field(default=None, repr=False)
    managed_identity_client_id: str | None = None
    default_subscription_id: str | None = None
    events_queue: str = DEFAULT_EVENTS_QUEUE
    events_connection_string: str | None = field(default=None, repr=False)
    events_queue_service_uri: str | None = None
    # azure-core RetryPolicy: attempts after the first for 408/429/5xx and Retry-After.
    arm_retry_total: int = 4
    # Seconds between LRO polls when ARM sends no Retry-After (azure-core default is 30).
    arm_polling_interval: int = 5

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AzureSettings:
        env = os.environ if environ is None else environ

        def opt(name: str) -> str | None:
            return env.get(name, "").strip() or None

        endpoint = (opt("GALLERYFLOW_ARM_ENDPOINT") or DEFAULT_ARM_ENDPOINT).rstrip("/")
        if not endpoint.startswith("https://"):
            raise SettingsError(
                f"GALLERYFLOW_ARM_ENDPOINT={endpoint!r} must start with https:// "
                "(bearer tokens are never sent over plain http)"
            )
        ca_bundle = opt("GALLERYFLOW_ARM_CA_BUNDLE")
        if ca_bundle and not os.path.isfile(ca_bundle):
            raise SettingsError(f"GALLERYFLOW_ARM_CA_BUNDLE={ca_bundle!r} is not a file")
        return cls(
            arm_endpoint=endpoint,
            arm_ca_bundle=ca_bundle,
            arm_static_token=opt("GALLERYFLOW_ARM_STATIC_TOKEN"),
            managed_identity_client_id=opt("AZURE_CLIENT_ID"),
            default_subscription_id=opt("GALLERYFLOW_SUBSCRIPTION_ID"),
            events_queue=opt("GALLERYFLOW_EVENTS_QUEUE") or DEFAULT_EVENTS_QUEUE,
            events_connection_string=opt("GALLERYFLOW_EVENTS_CONNECTION_STRING"),
            events_queue_service_uri=opt("GALLERYFLOW_EVENTS_QUEUE_SERVICE_URI"),
            arm_retry_total=_int(env, "GALLERYFLOW_ARM_RETRY_TOTAL", 4),
            arm_polling_interval=_int(env, "GALLERYFLOW_ARM_POLLING_INTERVAL", 5),
        )
