"""What an image definition holds: its versions with their regions and states.

Maps 1:1 to the dicts the gateway produces from ARM (`VersionRecord.from_dict`):
`{"name", "published_date", "end_of_life", "exclude_from_latest",
"block_deletion_before_end_of_life", "regions": [{"name", "replica_count",
"storage_account_type", "exclude_from_latest", "state"}], "in_use", "provisioning_state"}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from typing import Any

from galleryflow.domain.fields import format_utc, parse_utc
from galleryflow.domain.regions import normalise_region
from galleryflow.domain.versions import Version, parse_version

SUCCEEDED = "Succeeded"
FAILED = "Failed"


class ReplicationState(StrEnum):
    COMPLETED = "Completed"
    REPLICATING = "Replicating"
    FAILED = "Failed"
    UNKNOWN = "Unknown"

    @classmethod
    def parse(cls, text: str | None) -> ReplicationState:
        """Anything ARM may add later counts as Unknown (never as Completed)."""
        for state in cls:
            if text is not None and state.value.lower() == text.lower():
                return state
        return cls.UNKNOWN


@dataclass(frozen=True)
class RegionReplica:
    name: str
    replica_count: int = 1
    storage_account_type: str = "Standard_LRS"
    # None: the version's global setting applies in this region.
    exclude_from_latest: bool | None = None
    state: ReplicationState = ReplicationState.UNKNOWN

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RegionReplica:
        return cls(
            name=normalise_region(str(data["name"])),
            replica_count=int(data.get("replica_count") or 1),
            storage_account_type=str(data.get("storage_account_type") or "Standard_LRS"),
            exclude_from_latest=data.get("exclude_from_latest"),
            state=ReplicationState.parse(data.get("state")),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "replica_count": self.replica_count,
            "storage_account_type": self.storage_account_type,
            "exclude_from_latest": self.exclude_from_latest,
            "state": self.state.value,
        }


@dataclass(frozen=True)
class VersionRecord:
    name: str
    regions: tuple[RegionReplica, ...] = ()
    published_date: datetime | None = None
    end_of_life: datetime | None = None
    exclude_from_latest: bool = False
    block_deletion_before_end_of_life: bool = False
    in_use: bool = False
    provisioning_state: str = SUCCEEDED
    version: Version = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "version", parse_version(self.name))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VersionRecord:
        return cls(
            name=str(data["name"]),
            regions=tuple(RegionReplica.from_dict(r) for r in data.get("regions") or ()),
            published_date=_time(data.get("published_date")),
            end_of_life=_time(data.get("end_of_life")),
            exclude_from_latest=bool(data.get("exclude_from_latest", False)),
            block_deletion_before_end_of_life=bool(
                data.get("block_deletion_before_end_of_life", False)
            ),
            in_use=bool(data.get("in_use", False)),
            provisioning_state=str(data.get("provisioning_state") or SUCCEEDED),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "published_date": format_utc(self.published_date) if self.published_date else None,
            "end_of_life": format_utc(self.end_of_life) if self.end_of_life else None,
            "exclude_from_latest": self.exclude_from_latest,
            "block_deletion_before_end_of_life": self.block_deletion_before_end_of_life,
            "regions": [r.to_dict() for r in self.regions],
            "in_use": self.in_use,
            "provisioning_state": self.provisioning_state,
        }

    # cached_property writes the instance __dict__ directly, so it works on frozen dataclasses;
    # planners ask these many times per version.
    @cached_property
    def region_names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.regions)

    def replica(self, region: str) -> RegionReplica | None:
        wanted = normalise_region(region)
        return next((r for r in self.regions if r.name == wanted), None)

    def excluded_in(self, region: str) -> bool:
        """The regional excludeFromLatest when set, else the global one (Azure's rule)."""
        replica = self.replica(region)
        if replica is not None and replica.exclude_from_latest is not None:
            return replica.exclude_from_latest
        return self.exclude_from_latest

    def serves_latest_in(self, region: str) -> bool:
        """Targets the region, replication there Completed, and not excluded there."""
        replica = self.replica(region)
        return (
            replica is not None
            and replica.state is ReplicationState.COMPLETED
            and not self.excluded_in(region)
        )

    @cached_property
    def is_good(self) -> bool:
        """Provisioning Succeeded and replication Completed in every region it targets."""
        return (
            self.provisioning_state == SUCCEEDED
            and bool(self.regions)
            and all(r.state is ReplicationState.COMPLETED for r in self.regions)
        )

    def deletion_blocked(self, now: datetime) -> bool:
        """Azure refuses to delete it now. No end of life with the block set: blocked."""
        if not self.block_deletion_before_end_of_life:
            return False
        return self.end_of_life is None or now < self.end_of_life


def _time(value: object) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    parsed = parse_utc(str(value))
    if parsed is None:
        raise ValueError(f"{value!r} is not an ISO-8601 timestamp with a time zone")
    return parsed


def newest_first(versions: list[VersionRecord]) -> list[VersionRecord]:
    """Highest version number first; equal numbers (1.2.3 / 1.02.3) by name, descending."""
    return sorted(versions, key=sort_key, reverse=True)


def sort_key(v: VersionRecord) -> tuple[int, int, int, str]:
    """Numeric order, then name (plain tuples: much faster than comparing Version objects)."""
    return (v.version.major, v.version.minor, v.version.patch, v.name)


def all_regions(versions: list[VersionRecord]) -> list[str]:
    """Every region any version targets, sorted."""
    return sorted({r.name for v in versions for r in v.regions})
