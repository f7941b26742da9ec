"""Which of the actions a run needs the identity's permissions lack (Azure RBAC: an action
is allowed when some role assignment's actions match it and that same assignment's
notActions do not; `*` is a wildcard and matching ignores case). Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from fnmatch import fnmatchcase

Entry = Mapping[str, Sequence[str]]  # {"actions": [...], "not_actions": [...]}


def _hit(action: str, patterns: Iterable[str]) -> bool:
    return any(fnmatchcase(action.lower(), str(p).lower()) for p in patterns)


def allowed(action: str, entries: Iterable[Entry]) -> bool:
    return any(
        _hit(action, e.get("actions", ())) and not _hit(action, e.get("not_actions", ()))
        for e in entries
    )


def missing(needed: Iterable[str], entries: Sequence[Entry]) -> list[str]:
    """The needed actions no entry allows, sorted."""
    return sorted(action for action in set(needed) if not allowed(action, entries))
