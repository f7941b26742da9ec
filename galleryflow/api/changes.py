"""The version-change routes in one table: the triggers register them, the OpenAPI document
describes them, the CLI calls them (docs/api.md "Version changes")."""

from __future__ import annotations

from typing import NamedTuple

from galleryflow.domain.change_fields import SCHEMA_TITLES, ChangeKind


class ChangeRoute(NamedTuple):
    route: str  # below /api/
    operation_id: str
    summary: str


CHANGE_ROUTES: dict[ChangeKind, ChangeRoute] = {
    ChangeKind.ADD_REGIONS: ChangeRoute(
        "versions/add-regions",
        "addRegions",
        "Replicate an existing version to more regions, then promote it there",
    ),
    ChangeKind.REMOVE_REGIONS: ChangeRoute(
        "versions/remove-regions",
        "removeRegions",
        "Remove regions from a version (never its home region, never leaving a region "
        "without a good latest)",
    ),
    ChangeKind.SET_REPLICAS: ChangeRoute(
        "versions/replicas", "setReplicas", "Change the replica counts of a version's regions"
    ),
    ChangeKind.SET_END_OF_LIFE: ChangeRoute(
        "versions/end-of-life", "setEndOfLife", "Set a version's end-of-life date"
    ),
    ChangeKind.UNDO_ROLLBACK: ChangeRoute(
        "rollback/undo",
        "undoRollback",
        "Re-include a version a rollback excluded (it must be good and fully replicated)",
    ),
}


def schema_name(kind: ChangeKind) -> str:
    return SCHEMA_TITLES[kind]
