"""Who did what to a run, as the run records it (custom status `audit`, events, log lines).

The HTTP layer puts the authenticated starter into the orchestration input under
`started_by`; orchestrators split it off before the request is validated again, and the
approve / reject / cancel triggers raise their events with the deciding `principal`. The
body's `by` stays a free-text note; it is never taken as the identity.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

STARTED_BY = "started_by"
MAX_ENTRIES = 20
ACTIONS = ("started", "approved", "rejected", "cancelled", "rolled_back", "pruned")


def with_starter(request: Mapping[str, Any], principal: Mapping[str, Any]) -> dict[str, Any]:
    """The orchestration input: the canonical request plus who started it."""
    return {**request, STARTED_BY: dict(principal)}


def split_starter(run_input: Any) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(the canonical request, who started it or None for runs started before auditing)."""
    data = _object(run_input)
    starter = data.pop(STARTED_BY, None)
    return data, starter if isinstance(starter, dict) else None


def run_facts(run_input: Any) -> tuple[dict[str, Any] | None, bool]:
    """(who started the run, whether it is a production run) from a run's input."""
    data = _object(run_input)
    starter = data.get(STARTED_BY)
    return (starter if isinstance(starter, dict) else None), data.get("production") is True


def entry(action: str, by: Mapping[str, Any] | None, at: str, **details: Any) -> dict[str, Any]:
    assert action in ACTIONS, action
    record: dict[str, Any] = {"action": action, "by": dict(by) if by else None, "at": at}
    record.update({k: v for k, v in details.items() if v is not None})
    return record


def decision_of(payload: Any) -> tuple[dict[str, Any] | None, str | None, str | None]:
    """(principal, note, comment) of an approve / reject / cancel event payload.

    DF Python hands a raised event to the orchestrator as its JSON text
    (azure-functions-durable-python#295), not as a dict, so both are accepted."""
    data = _object(payload)
    principal = data.get("principal")
    note, comment = data.get("by"), data.get("comment")
    return (
        principal if isinstance(principal, dict) else None,
        note if isinstance(note, str) and note else None,
        comment if isinstance(comment, str) and comment else None,
    )


def describe(principal: Mapping[str, Any] | None, note: str | None, comment: str | None) -> str:
    """' by <name>' plus the note and comment, for a run's log line."""
    text = f" by {principal.get('name') or principal.get('id')}" if principal else ""
    extras = [f"note: {note}"] if note else []
    if comment:
        extras.append(comment)
    return text + (f" ({'; '.join(extras)})" if extras else "")


def _object(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return dict(value) if isinstance(value, dict) else {}
