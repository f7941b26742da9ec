"""Image version names: parse, compare numerically, pick the next name, refuse reuse.

Azure names versions `Major.Minor.Patch`, each part a 32-bit signed int, compared
numerically (`1.10.0` > `1.9.0`). Leading zeros are accepted (date versions such as
`2026.0105.0` need them) but compare as numbers, so `1.02.3` and `1.2.3` are the same
version and one cannot be published beside the other.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

INT32_MAX = 2**31 - 1
# [0-9], not \\d (which takes digits of every script); used with fullmatch.
_VERSION = re.compile(r"([0-9]{1,10})\.([0-9]{1,10})\.([0-9]{1,10})")
VERSION_PATTERN = r"^[0-9]{1,10}\.[0-9]{1,10}\.[0-9]{1,10}$"
VERSION_HINT = "use three numbers separated by dots, each 0..2147483647, e.g. 1.2.3"


class VersionStrategy(StrEnum):
    EXPLICIT = "explicit"
    NEXT_PATCH = "next_patch"
    NEXT_MINOR = "next_minor"
    DATE = "date"


class VersionError(ValueError):
    """A version name that cannot be used; `hint` says how to fix it."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True, order=True)
class Version:
    major: int
    minor: int
    patch: int
    # The name as written (keeps leading zeros); not part of identity or order.
    text: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        for part in (self.major, self.minor, self.patch):
            if not 0 <= part <= INT32_MAX:
                raise VersionError(f"version part {part} is outside 0..{INT32_MAX}", VERSION_HINT)
        if not self.text:
            object.__setattr__(self, "text", f"{self.major}.{self.minor}.{self.patch}")

    def __str__(self) -> str:
        return self.text


def parse_version(text: str) -> Version:
    """`"1.10.0"` -> Version(1, 10, 0); raises VersionError with a hint otherwise."""
    match = _VERSION.fullmatch(text)
    if match is None:
        raise VersionError(f"{text!r} is not a version name", VERSION_HINT)
    major, minor, patch = (int(g) for g in match.groups())
    return Version(major, minor, patch, text)


def version_problem(text: str) -> tuple[str, str] | None:
    """(message, hint) if `text` is not a usable version name, else None."""
    try:
        parse_version(text)
    except VersionError as exc:
        return str(exc), exc.hint
    return None


def sort_versions(names: Iterable[str]) -> list[Version]:
    """Ascending numeric order; ties (same numbers, different text) broken by text."""
    return sorted((parse_version(n) for n in names), key=lambda v: (v, v.text))


def _bump(part: int, what: str) -> int:
    if part >= INT32_MAX:
        raise VersionError(
            f"cannot increase the {what} number past {INT32_MAX}",
            "publish an explicit version with a higher major number",
        )
    return part + 1


def next_version(
    strategy: VersionStrategy,
    existing: Iterable[str],
    *,
    now: datetime,
    explicit: str | None = None,
) -> Version:
    """The version name a new publish should use, given the names already in the definition.

    Raises VersionError when an explicit name is taken (numerically) or no name is possible.
    """
    taken = {parse_version(n) for n in existing}
    highest = max(taken) if taken else None
    if strategy is VersionStrategy.EXPLICIT:
        if explicit is None:
            raise VersionError(
                "the explicit strategy needs a value", "set version.value, e.g. 1.2.3"
            )
        chosen = parse_version(explicit)
        if chosen in taken:
            raise VersionError(
                f"version {chosen} already exists in this image definition",
                "version names are never reused: pick a higher version or a next_* strategy",
            )
        return chosen
    if strategy is VersionStrategy.NEXT_PATCH:
        if highest is None:
            return Version(1, 0, 0)
        return Version(highest.major, highest.minor, _bump(highest.patch, "patch"))
    if strategy is VersionStrategy.NEXT_MINOR:
        if highest is None:
            return Version(1, 0, 0)
        return Version(highest.major, _bump(highest.minor, "minor"), 0)
    # DATE: YYYY.MMDD.N with N counting the publishes of that UTC day from 0.
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(UTC)
    major, minor = now.year, now.month * 100 + now.day
    same_day = [v.patch for v in taken if (v.major, v.minor) == (major, minor)]
    patch = _bump(max(same_day), "build") if same_day else 0
    return Version(major, minor, patch, f"{major}.{now.month:02d}{now.day:02d}.{patch}")
