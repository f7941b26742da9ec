"""The dashboard's safety rules: where it may listen, the CSRF token on every POST form,
and the response headers that keep its pages from being framed or fed foreign scripts."""

from __future__ import annotations

import hmac
import ipaddress
import secrets

LOOPBACK_NAMES = ("localhost",)
DEFAULT_HOST = "127.0.0.1"

# Everything is served by the dashboard itself (no CDN, no inline script or style).
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # "no-referrer" makes Chrome send `Origin: null`
    "Cache-Control": "no-store",
}


class UnsafeBind(ValueError):
    """A non-loopback address without the operator asking for it explicitly."""


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind_address(host: str | None, *, explicit: bool) -> tuple[str, str | None]:
    """(address to bind, warning or None). Loopback unless `explicit` (the `--host`
    option) asks for another address; then a warning says what that exposes."""
    address = host or DEFAULT_HOST
    if is_loopback(address):
        return address, None
    if not explicit:
        raise UnsafeBind(
            f"refusing to listen on {address}: the dashboard acts with your function key for "
            "anyone who can reach it; pass --host explicitly to allow that"
        )
    return address, (
        f"warning: listening on {address}, not loopback: anyone who can reach this address "
        "can see runs and approve, cancel or roll back with your function key"
    )


class CsrfToken:
    """One random token per dashboard process, put in every form and checked on POST."""

    def __init__(self, value: str | None = None) -> None:
        self.value = value or secrets.token_urlsafe(32)

    def matches(self, candidate: str | None) -> bool:
        return bool(candidate) and hmac.compare_digest(str(candidate), self.value)
