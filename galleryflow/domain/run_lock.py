"""One publish per image definition: which live run holds it.

Among the live `publish_image` runs whose custom status names the definition, the oldest
one (created time, then instance id) holds it; every other one is refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from galleryflow.durable.names import Orchestration


def holder_of(definition_id: str, runs: Sequence[Mapping[str, Any]]) -> str | None:
    """The instance id holding `definition_id` among live runs (dicts with instance_id,
    name, created_time, custom_status), or None when no run claims it."""
    key = definition_id.lower()
    claimants = [
        r
        for r in runs
        if str(r.get("name", "")).lower() == Orchestration.PUBLISH
        and isinstance(r.get("custom_status"), dict)
        and str(r["custom_status"].get("definition", "")).lower() == key
    ]
    if not claimants:
        return None
    oldest = min(claimants, key=lambda r: (str(r.get("created_time") or ""), r["instance_id"]))
    return str(oldest["instance_id"])
