"""Pure authorization rules: does this principal hold the route's role, may it decide on
this run (separation of duties), may it cancel it. Each refusal names the rule it applied."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from galleryflow.identity.principal import OPERATOR, Principal
from galleryflow.settings import SEPARATION, AuthSettings

ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class RouteAccess:
    """What a route declares: the roles it accepts (any one) and who calls it — people
    (Easy Auth principal when it is on) or machines (always a function key)."""

    roles: tuple[str, ...]
    callers: str = "people"

    def describe(self) -> str:
        if ANONYMOUS in self.roles:
            return "anonymous"
        return " or ".join(self.roles)


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    message: str


def check_role(principal: Principal, roles: tuple[str, ...]) -> Refusal | None:
    """The route needs one of `roles` (every role includes reader)."""
    if ANONYMOUS in roles or any(principal.has_role(role) for role in roles):
        return None
    held = ", ".join(sorted(principal.roles)) or "no galleryflow role"
    needed = " or ".join(roles)
    how = (
        "add the role to GALLERYFLOW_KEY_ROLES or call as a person who has it"
        if principal.is_key
        else "ask an admin to assign you the app role (docs/deploy.md, Roles)"
    )
    return Refusal(
        403,
        "RoleRequired",
        f"This route needs the {needed} role; {principal.describe()} has {held}: {how}.",
    )


def check_decision(
    principal: Principal,
    event: str,
    started_by: Mapping[str, Any] | None,
    production: bool,
    settings: AuthSettings,
) -> Refusal | None:
    """Separation of duties: whoever started a run may not approve or reject its waves."""
    if not settings.separation_applies(production):
        return None
    if started_by is None or str(started_by.get("id")) != principal.id:
        return None
    scope = "production runs" if settings.separation_of_duties == "production" else "every run"
    who = (
        "every function-key caller is one identity, so a key cannot decide on a run a key "
        "started: an approver signed in with Entra ID (Easy Auth) must decide"
        if principal.is_key
        else "another approver must decide"
    )
    return Refusal(
        403,
        "SeparationOfDuties",
        f"Separation of duties ({SEPARATION}={settings.separation_of_duties}, {scope}): "
        f"{principal.describe()} started this run and may not {event} it; {who}.",
    )


def check_cancel(principal: Principal, started_by: Mapping[str, Any] | None) -> Refusal | None:
    """A publisher cancels the runs they started; an operator cancels any run."""
    if principal.has_role(OPERATOR):
        return None
    if started_by is not None and str(started_by.get("id")) == principal.id:
        return None
    starter = str((started_by or {}).get("name") or "someone else")
    return Refusal(
        403,
        "NotYourRun",
        f"{principal.describe()} may cancel only runs they started (this one was started by "
        f"{starter}); an operator may cancel any run.",
    )
