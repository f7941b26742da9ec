"""Retention planning: which versions of an image definition to keep, delete or shrink."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class RetentionPolicy:
    keep_last: int = 5
    keep_newer_than_days: int = 30
    min_good_versions: int = 2
    shrink_old_to_one_region: bool = False
    quota_headroom: int = 0
    auto_prune: bool = True
    dry_run: bool = True

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RetentionPolicy:
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
