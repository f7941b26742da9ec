"""An Entra ID access token for the operator, for a galleryflow app behind App Service
Authentication (`--token-scope api://<client id>/.default`).

azure-identity's DefaultAzureCredential finds whoever runs the command (`az login`, a
service principal's environment variables, a workload or managed identity). It is an
optional extra of the `galleryflow` command (`pip install "galleryflow[entra]"`), imported
only when a token is asked for.
"""

from __future__ import annotations


class TokenUnavailable(Exception):
    """No token: azure-identity missing, or no credential could sign in."""


def access_token(scope: str) -> str:
    """The token (never printed; the client scrubs it from every message)."""
    try:
        from azure.core.exceptions import ClientAuthenticationError
        from azure.identity import DefaultAzureCredential
    except ImportError:
        raise TokenUnavailable(
            "--token-scope needs azure-identity: pip install 'galleryflow[entra]'"
        ) from None
    try:
        return str(DefaultAzureCredential().get_token(scope).token)
    except ClientAuthenticationError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise TokenUnavailable(
            f"no Entra ID token for {scope}: {first[:300]} (sign in with az login)"
        ) from None
