"""`include_mirrors`: the image's other galleries, for rollback and prune runs (found by the
`find_mirrors` activity from the primary's version tags; galleryflow/domain/mirrors.py)."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import azure.durable_functions as df

from galleryflow.durable.names import Activity
from orchestrators.calls import call


def all_galleries(
    context: df.DurableOrchestrationContext,
    primary: dict[str, Any],
    version: str | None,
    include: bool,
    step: str,
) -> Generator[Any, Any, list[dict[str, Any]]]:
    """The mirror targets (`{"gallery", "definition"}`) of `version` (None: of any version)
    of the primary definition; [] unless `include`."""
    if not include:
        return []
    found = yield from call(
        context,
        Activity.FIND_MIRRORS,
        {"target": primary, "version": version},
        step=step,
        resource=primary["definition"],
    )
    return list(found.get("targets") or [])
