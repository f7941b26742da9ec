"""UTC timestamps as the Durable protocol and the store want them (sortable ISO strings)."""

from __future__ import annotations

from datetime import UTC, datetime

from dateutil.parser import isoparse

_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def to_iso(moment: datetime) -> str:
    """Fixed-width ISO-8601 UTC text: lexicographic order equals time order."""
    return moment.astimezone(UTC).strftime(_FORMAT)


def from_iso(text: str) -> datetime:
    moment = isoparse(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)
