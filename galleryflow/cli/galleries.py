"""Per-gallery progress of a publish with mirror galleries, read from the run summary's
`galleries` (docs/pipeline.md "Mirror galleries"): the primary, then each mirror. Pure; the
CLI's run view and the dashboard's run page both render it.

The summary's `galleries` is null without mirrors: then there is nothing here either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

LOG_TAIL = 5  # a mirror's last log lines shown (the summary keeps up to 20)
LIVE_STATE = "Promoted"  # a region serving the version as latest


@dataclass(frozen=True)
class GalleryProgress:
    role: str  # "primary" or "mirror N" (N from 1, the request's order)
    definition: str | None  # the image definition's resource id
    state: str | None  # a mirror's: pending|running|succeeded|partially_succeeded|failed|skipped
    step: str | None
    regions: dict[str, dict[str, Any]] = field(default_factory=dict)
    waves: dict[str, Any] | None = None
    log: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def name(self) -> str:
        """`gallery/definition` from the resource id (the id itself if it is not one)."""
        parts = definition_parts(self.definition)
        return f"{parts[8]}/{parts[10]}" if parts else str(self.definition or "?")

    @property
    def subscription(self) -> str | None:
        parts = definition_parts(self.definition)
        return parts[2] if parts else None

    @property
    def live(self) -> tuple[int, int]:
        """(regions live, regions targeted)."""
        live = sum(1 for r in self.regions.values() if r.get("state") == LIVE_STATE)
        return live, len(self.regions)

    @property
    def region_states(self) -> list[tuple[str, int]]:
        """[(region state, how many regions)], in the order they first appear."""
        counts: dict[str, int] = {}
        for region in self.regions.values():
            state = str(region.get("state") or "?")
            counts[state] = counts.get(state, 0) + 1
        return list(counts.items())

    @property
    def log_tail(self) -> list[str]:
        return self.log[-LOG_TAIL:]

    @property
    def awaiting_approval(self) -> bool:
        return bool((self.waves or {}).get("awaiting_approval"))

    @property
    def wave_text(self) -> str:
        """`1/2`, or "" when the gallery has no waves yet."""
        if not self.waves or not self.waves.get("total"):
            return ""
        return f"{self.waves.get('current') or 0}/{self.waves.get('total') or 0}"

    @property
    def next_wave(self) -> int:
        return int((self.waves or {}).get("current") or 0) + 1


def gallery_progress(summary: dict[str, Any]) -> list[GalleryProgress]:
    """The primary and each mirror; [] for a run without mirrors."""
    galleries = summary.get("galleries")
    if not isinstance(galleries, dict):
        return []
    primary = galleries.get("primary") or {}
    mirrors = [
        GalleryProgress(
            role=f"mirror {number}",
            definition=mirror.get("definition"),
            state=mirror.get("state"),
            step=mirror.get("step"),
            regions=dict(mirror.get("regions") or {}),
            waves=mirror.get("waves"),
            log=[str(line) for line in mirror.get("log") or []],
            error=mirror.get("error"),
        )
        for number, mirror in enumerate(galleries.get("mirrors") or [], start=1)
    ]
    # The primary's own waves (the API gives them apart from the mirrors'); from an older
    # summary, the run's: a mirror wave waiting makes the run wait too.
    waves = dict(primary.get("waves") or summary.get("waves") or {}) or None
    if waves and "waves" not in primary and any(m.awaiting_approval for m in mirrors):
        waves["awaiting_approval"] = False
    primary_progress = GalleryProgress(
        role="primary",
        definition=primary.get("definition") or summary.get("definition"),
        state=None,
        step=None,
        regions=dict(primary.get("regions") or {}),
        waves=waves,
    )
    return [primary_progress, *mirrors]


def waiting_mirror(galleries: list[GalleryProgress]) -> GalleryProgress | None:
    """The mirror whose wave waits for approval when the run's approve/reject act on it:
    none while the primary's own gate waits (the API sends them to the primary first)."""
    if not galleries or galleries[0].awaiting_approval:
        return None
    return next((g for g in galleries[1:] if g.awaiting_approval), None)


def definition_parts(resource_id: str | None) -> list[str] | None:
    """The parts of an image definition id, split on `/` (None if it is not one):
    `/subscriptions/S/resourceGroups/RG/providers/Microsoft.Compute/galleries/G/images/D`."""
    parts = str(resource_id or "").split("/")
    if len(parts) != 11 or parts[1].lower() != "subscriptions" or parts[9].lower() != "images":
        return None
    return parts
