"""The scalar field specs (string, integer, boolean, constant, choice, date-time) and the
`Spec` base every spec shares; fields.py adds the compound ones (objects, lists, maps) and
is the module to import from. See fields.py for how specs validate and render JSON Schema.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from galleryflow.domain.problems import Problem

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


class _Invalid:
    """Marker for a value that failed validation (its problems are already recorded)."""

    def __repr__(self) -> str:
        return "INVALID"


INVALID: Any = _Invalid()

# An extra check returns (message, hint) when the already type-checked value is wrong, else None.
ExtraCheck = Callable[[Any], tuple[str, str] | None]


# JSON type names in check order (bool before int: bool is an int subclass in Python).
_JSON_TYPES: tuple[tuple[type, str], ...] = (
    (bool, "boolean"),
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (list, "array"),
    (dict, "object"),
)


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    return next((name for t, name in _JSON_TYPES if isinstance(value, t)), type(value).__name__)


class Spec(ABC):
    """A JSON value spec: validates + cleans, and describes itself as JSON Schema."""

    description: str

    @abstractmethod
    def check(self, value: object, path: str, problems: list[Problem]) -> Any:
        """Return the cleaned value, or INVALID after appending problems."""

    @abstractmethod
    def json_schema(self) -> dict[str, Any]: ...

    def _with_description(self, schema: dict[str, Any], **optional: Any) -> dict[str, Any]:
        """`schema` plus the `optional` keywords that are not None, and the description."""
        schema.update({k: v for k, v in optional.items() if v is not None})
        if self.description:
            schema["description"] = self.description
        return schema

    def _wrong_type(self, value: object, path: str, problems: list[Problem], want: str) -> Any:
        problems.append(
            Problem(path, f"expected {want}, got {_type_name(value)}", f"give {want} here")
        )
        return INVALID


@dataclass(frozen=True)
class Str(Spec):
    description: str = ""
    pattern: str | None = None
    pattern_hint: str = ""
    min_length: int = 1
    max_length: int | None = None
    normalise: Callable[[str], str] | None = None
    extra: ExtraCheck | None = None

    def check(self, value: object, path: str, problems: list[Problem]) -> Any:
        if not isinstance(value, str):
            return self._wrong_type(value, path, problems, "a string")
        if len(value) < self.min_length:
            problems.append(Problem(path, "must not be empty", self.pattern_hint or "give a value"))
            return INVALID
        if self.max_length is not None and len(value) > self.max_length:
            problems.append(
                Problem(
                    path,
                    f"is {len(value)} characters long, at most {self.max_length} allowed",
                    f"shorten it to {self.max_length} characters or fewer",
                )
            )
            return INVALID
        # fullmatch, not search: with search `$` also matches before a final "\n".
        if self.pattern is not None and re.fullmatch(self.pattern, value) is None:
            problems.append(Problem(path, f"{value!r} has the wrong format", self.pattern_hint))
            return INVALID
        cleaned = self.normalise(value) if self.normalise else value
        if self.extra is not None:
            failure = self.extra(cleaned)
            if failure is not None:
                problems.append(Problem(path, failure[0], failure[1]))
                return INVALID
        return cleaned

    def json_schema(self) -> dict[str, Any]:
        return self._with_description(
            {"type": "string", "minLength": self.min_length},
            maxLength=self.max_length,
            pattern=self.pattern,
        )


@dataclass(frozen=True)
class Int(Spec):
    description: str = ""
    minimum: int | None = None
    maximum: int | None = None

    def check(self, value: object, path: str, problems: list[Problem]) -> Any:
        # bool is an int subclass in Python, but `true` is not a number in JSON.
        if isinstance(value, bool) or not isinstance(value, int):
            return self._wrong_type(value, path, problems, "an integer")
        low, high = self.minimum, self.maximum
        if (low is not None and value < low) or (high is not None and value > high):
            if low is not None and high is not None:
                bounds = f"between {low} and {high}"
            else:
                bounds = f"at least {low}" if low is not None else f"at most {high}"
            problems.append(Problem(path, f"{value} is out of range", f"use a number {bounds}"))
            return INVALID
        return value

    def json_schema(self) -> dict[str, Any]:
        return self._with_description(
            {"type": "integer"}, minimum=self.minimum, maximum=self.maximum
        )


@dataclass(frozen=True)
class Bool(Spec):
    description: str = ""

    def check(self, value: object, path: str, problems: list[Problem]) -> Any:
        if not isinstance(value, bool):
            return self._wrong_type(value, path, problems, "true or false")
        return value

    def json_schema(self) -> dict[str, Any]:
        return self._with_description({"type": "boolean"})


@dataclass(frozen=True)
class Const(Spec):
    value: int
    description: str = ""

    def check(self, value: object, path: str, problems: list[Problem]) -> Any:
        if isinstance(value, bool) or value != self.value:
            problems.append(
                Problem(
                    path,
                    f"unsupported value {value!r}",
                    f"this service understands {self.value} only",
                )
            )
            return INVALID
        return value

    def json_schema(self) -> dict[str, Any]:
        return self._with_description({"const": self.value})


@dataclass(frozen=True)
class Choice(Spec):
    values: tuple[str, ...]
    description: str = ""

    def check(self, value: object, path: str, problems: list[Problem]) -> Any:
        if not isinstance(value, str) or value not in self.values:
            allowed = ", ".join(repr(v) for v in self.values)
            problems.append(Problem(path, f"{value!r} is not allowed", f"use one of {allowed}"))
            return INVALID
        return value

    def json_schema(self) -> dict[str, Any]:
        return self._with_description({"type": "string", "enum": list(self.values)})


def parse_utc(text: str) -> datetime | None:
    """ISO-8601 with an explicit offset (`Z` or `+hh:mm`) -> aware UTC datetime, else None."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.astimezone(UTC)


def format_utc(moment: datetime) -> str:
    """Aware datetime -> `YYYY-MM-DDTHH:MM:SSZ` (the canonical form in every dict)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class DateTime(Spec):
    """An ISO-8601 timestamp with a time zone; cleaned to canonical UTC text."""

    description: str = ""

    def check(self, value: object, path: str, problems: list[Problem]) -> Any:
        if not isinstance(value, str):
            return self._wrong_type(value, path, problems, "an ISO-8601 timestamp string")
        parsed = parse_utc(value)
        if parsed is None:
            problems.append(
                Problem(
                    path,
                    f"{value!r} is not an ISO-8601 timestamp with a time zone",
                    "write it like 2027-06-01T00:00:00Z",
                )
            )
            return INVALID
        return format_utc(parsed)

    def json_schema(self) -> dict[str, Any]:
        return self._with_description({"type": "string", "format": "date-time"})


class PartialDict(dict[str, Any]):
    def __missing__(self, key: str) -> Any:
        return INVALID


class PartialList(list[Any]):
    """A list with some INVALID items, kept for cross-field checks of the valid ones."""


def is_valid(value: object) -> bool:
    return value is not INVALID and not isinstance(value, PartialDict | PartialList)
