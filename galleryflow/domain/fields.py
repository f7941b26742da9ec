"""Declarative field specs: one table drives both request validation and the JSON Schema.

Each spec checks a raw JSON value, appends a `Problem` for everything wrong (it never stops
at the first one) and returns the cleaned value: defaults filled in, normalisers applied.
The same spec renders itself as JSON Schema (draft 2020-12), so the OpenAPI document and
the validator cannot drift apart. Rules a schema cannot express (int32 ranges, known
region names, cross-field rules) are extra checks: the schema is a necessary condition,
the validator the sufficient one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from galleryflow.domain.problems import Problem, child
from galleryflow.domain.scalar_fields import (
    INVALID,
    JSON_SCHEMA_DIALECT,
    Bool,
    Choice,
    Const,
    DateTime,
    ExtraCheck,
    Int,
    PartialDict,
    PartialList,
    Spec,
    Str,
    format_utc,
    is_valid,
    parse_utc,
)

# The scalar specs are imported from here too: this module is the one to use.
__all__ = [
    "INVALID",
    "JSON_SCHEMA_DIALECT",
    "Bool",
    "Choice",
    "Const",
    "DateTime",
    "ExtraCheck",
    "Field",
    "Int",
    "ListOf",
    "MapOf",
    "Nullable",
    "Obj",
    "Spec",
    "Str",
    "format_utc",
    "is_valid",
    "parse_utc",
]


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
        return cleaned if all(is_valid(c) for c in cleaned) else PartialList(cleaned)

    def json_schema(self) -> dict[str, Any]:
        return self._with_description(
            {"type": "array", "items": self.item.json_schema()},
            minItems=self.min_items or None,
            maxItems=self.max_items,
        )


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
        return self._with_description(
            {
                "type": "object",
                "propertyNames": self.key.json_schema(),
                "additionalProperties": self.value.json_schema(),
            },
            maxProperties=self.max_entries,
        )


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

    def schema_document(self, title: str) -> dict[str, Any]:
        """The JSON Schema document of a request named `title` (OpenAPI components)."""
        return {"$schema": JSON_SCHEMA_DIALECT, "title": title, **self.json_schema()}

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
    return PartialDict(cleaned)
