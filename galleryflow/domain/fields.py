"""Declarative field specs: one table drives both request validation and the JSON Schema.

Each spec checks a raw JSON value, appends a `Problem` for everything wrong (it never stops
at the first one) and returns the cleaned value: defaults filled in, normalisers applied.
The same spec renders itself as JSON Schema (draft 2020-12), so the OpenAPI document and
the validator cannot drift apart. Rules a schema cannot express (int32 ranges, known
region names, cross-field rules) are extra checks: the schema is a necessary condition,
the validator the sufficient one.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from galleryflow.domain.problems import Problem, child

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


class _Invalid:
    """Marker for a value that failed validation (its problems are already recorded)."""

    def __repr__(self) -> str:
        return "INVALID"


INVALID: Any = _Invalid()

# An extra check returns (message, hint) when the already type-checked value is wrong, else None.
ExtraCheck = Callable[[Any], tuple[str, str] | None]


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


class Spec(ABC):
    """A JSON value spec: validates + cleans, and describes itself as JSON Schema."""

    description: str

    @abstractmethod
    def check(self, value: object, path: str, problems: list[Problem]) -> Any:
        """Return the cleaned value, or INVALID after appending problems."""

    @abstractmethod
    def json_schema(self) -> dict[str, Any]: ...

    def _with_description(self, schema: dict[str, Any]) -> dict[str, Any]:
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
        schema: dict[str, Any] = {"type": "string", "minLength": self.min_length}
        if self.max_length is not None:
            schema["maxLength"] = self.max_length
        if self.pattern is not None:
            schema["pattern"] = self.pattern
        return self._with_description(schema)


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
        schema: dict[str, Any] = {"type": "integer"}
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        return self._with_description(schema)


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


@dataclass(frozen=True)
class Nullable(Spec):
    inner: Spec
    description: str = ""

    def check(self, value: object, path: str, problems: list[Problem]) -> Any:
        if value is None:
            return None
        return self.inner.check(value, path, problems)

    def json_schema(self) -> dict[str, Any]:
        return self._with_description({"anyOf": [self.inner.json_schema(), {"type": "null"}]})


@dataclass(frozen=True)
class ListOf(Spec):
    item: Spec
    description: str = ""
    min_items: int = 0
    max_items: int | None = None

    def check(self, value: object, path: str, problems: list[Problem]) -> Any:
        if not isinstance(value, list):
            return self._wrong_type(value, path, problems, "a list")
        if len(value) < self.min_items:
            problems.append(
                Problem(path, f"needs at least {self.min_items} item(s)", "add the missing items")
            )
            return INVALID
        if self.max_items is not None and len(value) > self.max_items:
            problems.append(
                Problem(path, f"has more than {self.max_items} items", "remove some items")
            )
            return INVALID
        cleaned = [self.item.check(v, child(path, i), problems) for i, v in enumerate(value)]
        return cleaned if all(is_valid(c) for c in cleaned) else _PartialList(cleaned)

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "array", "items": self.item.json_schema()}
        if self.min_items:
            schema["minItems"] = self.min_items
        if self.max_items is not None:
            schema["maxItems"] = self.max_items
        return self._with_description(schema)


@dataclass(frozen=True)
class MapOf(Spec):
    """An object with free keys (e.g. tags)."""

    key: Str
    value: Spec
    description: str = ""
    max_entries: int | None = None

    def check(self, value: object, path: str, problems: list[Problem]) -> Any:
        if not isinstance(value, dict):
            return self._wrong_type(value, path, problems, "an object")
        if self.max_entries is not None and len(value) > self.max_entries:
            problems.append(
                Problem(path, f"has more than {self.max_entries} entries", "remove some entries")
            )
            return INVALID
        cleaned: dict[str, Any] = {}
        for k, v in value.items():
            key = self.key.check(k, child(path, str(k)), problems)
            item = self.value.check(v, child(path, str(k)), problems)
            if key is not INVALID and item is not INVALID:
                cleaned[key] = item
        return cleaned if len(cleaned) == len(value) else INVALID

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {
            "type": "object",
            "propertyNames": self.key.json_schema(),
            "additionalProperties": self.value.json_schema(),
        }
        if self.max_entries is not None:
            schema["maxProperties"] = self.max_entries
        return self._with_description(schema)


_NO_DEFAULT: Any = object()


@dataclass(frozen=True)
class Field:
    """A member of an object. Without `default` it is required; `default` is raw JSON and is
    run through the spec too (so `{}` for a nested object fills in that object's defaults)."""

    name: str
    spec: Spec
    default: Any = _NO_DEFAULT

    @property
    def required(self) -> bool:
        return self.default is _NO_DEFAULT


@dataclass(frozen=True)
class Obj(Spec):
    fields: tuple[Field, ...]
    description: str = ""
    # JSON Schema keywords for cross-field rules the validator checks in code (allOf etc.).
    schema_extra: Mapping[str, Any] = field(default_factory=dict)

    def check(self, value: object, path: str, problems: list[Problem]) -> Any:
        if not isinstance(value, dict):
            return self._wrong_type(value, path, problems, "an object")
        known = {f.name for f in self.fields}
        ok = True
        for key in value:
            if key not in known:
                ok = False
                problems.append(
                    Problem(
                        child(path, str(key)),
                        f"unknown field {key!r}",
                        f"remove it; known fields here: {', '.join(sorted(known))}",
                    )
                )
        cleaned: dict[str, Any] = {}
        for f in self.fields:
            if f.name in value:
                raw = value[f.name]
            elif f.required:
                ok = False
                problems.append(
                    Problem(
                        child(path, f.name), "is required", f"add {f.name!r}: {f.spec.description}"
                    )
                )
                continue
            else:
                raw = f.default
            cleaned[f.name] = f.spec.check(raw, child(path, f.name), problems)
        ok = ok and all(is_valid(v) for v in cleaned.values())
        return cleaned if ok else _partial(cleaned)

    def json_schema(self) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        for f in self.fields:
            prop = f.spec.json_schema()
            if not f.required:
                prop["default"] = f.default
            properties[f.name] = prop
        schema: dict[str, Any] = {
            "type": "object",
            "properties": properties,
            "required": [f.name for f in self.fields if f.required],
            "additionalProperties": False,
        }
        schema.update(self.schema_extra)
        return self._with_description(schema)


def _partial(cleaned: dict[str, Any]) -> Any:
    """An object with missing/unknown members: keep what was valid for cross-field checks,
    but mark missing members INVALID so nobody mistakes it for a complete value."""
    return _PartialDict(cleaned)


class _PartialDict(dict[str, Any]):
    def __missing__(self, key: str) -> Any:
        return INVALID


class _PartialList(list[Any]):
    """A list with some INVALID items, kept for cross-field checks of the valid ones."""


def is_valid(value: object) -> bool:
    return value is not INVALID and not isinstance(value, _PartialDict | _PartialList)
