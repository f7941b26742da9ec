"""The image definition page's versions x regions matrix, as a pure view model of the
versions route's answer (`GET /api/galleries/{g}/images/{d}/versions`).

A cell is excluded from `latest` by its regional excludeFromLatest when that is set, else
by the version's global one (Azure's rule, galleryflow/domain/latest.py). A version excluded
anywhere has a rollback to undo; the undo is available only when the version is good
(provisioning Succeeded, replication Completed everywhere): the API refuses it otherwise."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Cell:
    state: str  # replication state (Completed, Replicating, Failed, ...) or "?"
    replica_count: int | None
    excluded: bool
    latest: bool  # `latest` resolves to this version in this region


@dataclass(frozen=True)
class VersionRow:
    name: str
    published: str
    excluded: bool  # the version's global excludeFromLatest
    in_use_count: int
    end_of_life: str
    provisioning_state: str
    cells: dict[str, Cell | None] = field(default_factory=dict)
    # Regions where the version is excluded from latest: what an undo would re-include.
    excluded_in: tuple[str, ...] = ()
    # Why an undo would be refused now (None: it is available, or nothing to undo).
    undo_blocked: str | None = None

    @property
    def can_undo(self) -> bool:
        return bool(self.excluded_in) and self.undo_blocked is None


@dataclass(frozen=True)
class Matrix:
    definition: str
    regions: list[str]
    rows: list[VersionRow]
    latest: dict[str, str | None]


def _version_key(name: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in name.split("."))
    except ValueError:
        return (-1,)


def build_matrix(answer: dict[str, Any]) -> Matrix:
    latest: dict[str, str | None] = dict(answer.get("latest") or {})
    versions = [v for v in answer.get("versions") or [] if isinstance(v, dict)]
    regions = sorted(
        {str(r.get("name")) for v in versions for r in v.get("regions") or []} | set(latest)
    )
    rows = []
    for version in sorted(versions, key=lambda v: _version_key(str(v.get("name"))), reverse=True):
        name = str(version.get("name"))
        by_region = {str(r.get("name")): r for r in version.get("regions") or []}
        cells: dict[str, Cell | None] = {}
        for region in regions:
            info = by_region.get(region)
            regional = None if info is None else info.get("exclude_from_latest")
            cells[region] = (
                None
                if info is None
                else Cell(
                    state=str(info.get("state") or "?"),
                    replica_count=info.get("replica_count"),
                    excluded=bool(
                        version.get("exclude_from_latest") if regional is None else regional
                    ),
                    latest=latest.get(region) == name,
                )
            )
        count = version.get("in_use_count")
        excluded_in = tuple(r for r, c in cells.items() if c is not None and c.excluded)
        in_use = count if isinstance(count, int) else int(bool(version.get("in_use")))
        rows.append(
            VersionRow(
                name=name,
                published=str(version.get("published_date") or "")[:16].replace("T", " "),
                excluded=bool(version.get("exclude_from_latest")),
                in_use_count=in_use,
                end_of_life=str(version.get("end_of_life") or "")[:10],
                provisioning_state=str(version.get("provisioning_state") or ""),
                cells=cells,
                excluded_in=excluded_in,
                undo_blocked=_undo_blocked(version) if excluded_in else None,
            )
        )
    return Matrix(str(answer.get("image_definition") or ""), regions, rows, latest)


def _undo_blocked(version: dict[str, Any]) -> str | None:
    """Why the API would refuse re-including this version now, or None (it is good)."""
    provisioning = str(version.get("provisioning_state") or "Succeeded")
    if provisioning != "Succeeded":
        return f"provisioning state {provisioning}"
    pending = [
        f"{r.get('name')}: {r.get('state') or '?'}"
        for r in version.get("regions") or []
        if r.get("state") != "Completed"
    ]
    return "not fully replicated (" + ", ".join(pending) + ")" if pending else None
