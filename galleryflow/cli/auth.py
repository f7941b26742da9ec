"""How the CLI and the dashboard authenticate to the Function App: the one place that
builds the request headers (and knows which strings are secrets to scrub from text).

Today a function key (`x-functions-key`); another scheme (e.g. an Entra ID token) is a
second class with the same two methods, chosen where the client is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

KEY_HEADER = "x-functions-key"


class Auth(Protocol):
    def headers(self) -> dict[str, str]: ...

    def secrets(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class FunctionKeyAuth:
    """A function key of the Function App, sent only in the `x-functions-key` header."""

    key: str

    def headers(self) -> dict[str, str]:
        return {KEY_HEADER: self.key} if self.key else {}

    def secrets(self) -> tuple[str, ...]:
        """Strings that must never appear in any output, message or log."""
        return (self.key,) if self.key else ()


def scrub(text: str, secrets: tuple[str, ...], redacted: str = "***") -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, redacted)
    return text
