"""The credential the gateway authenticates with: managed identity in Azure, a static
bearer token in the sandbox."""

from __future__ import annotations

import time
from typing import Any

from azure.core.credentials import AccessToken, TokenCredential
from azure.identity import DefaultAzureCredential

from galleryflow.settings import AzureSettings

_STATIC_TOKEN_LIFETIME_SECONDS = 3600


class StaticTokenCredential:
    """A TokenCredential that always returns one fixed token (sandbox only)."""

    def __init__(self, token: str) -> None:
        if not token:
            raise ValueError("a static token must not be empty")
        self._token = token

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        # A fresh expiry on every call: azure-core never sees it as expired.
        return AccessToken(self._token, int(time.time()) + _STATIC_TOKEN_LIFETIME_SECONDS)

    def __repr__(self) -> str:
        return "StaticTokenCredential(token=***)"


def make_credential(settings: AzureSettings) -> TokenCredential:
    if settings.arm_static_token:
        return StaticTokenCredential(settings.arm_static_token)
    return DefaultAzureCredential(managed_identity_client_id=settings.managed_identity_client_id)
