"""What is wrong with an input: a JSON path, a message and a hint on how to fix it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input. `path` is a JSONPath such as `$.target_regions[1].name`."""

    path: str
    message: str
    hint: str

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message, "hint": self.hint}


class RequestValidationError(ValueError):
    """Raised with every problem of a request at once (never just the first one)."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        if not self.problems:
            raise ValueError("RequestValidationError needs at least one problem")
        first = self.problems[0]
        more = len(self.problems) - 1
        suffix = f" (and {more} more problem{'s' if more != 1 else ''})" if more else ""
        super().__init__(f"{first.path}: {first.message}{suffix}")

    def to_dicts(self) -> list[dict[str, str]]:
        return [p.to_dict() for p in self.problems]


def raise_if_any(problems: list[Problem]) -> None:
    """Raise RequestValidationError with every problem, when there is any."""
    if problems:
        raise RequestValidationError(problems)


_PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def child(path: str, key: str | int) -> str:
    """JSONPath of an item (`$.a` + 1 -> `$.a[1]`) or a member: `$.a` + `b` -> `$.a.b`,
    and bracket notation for names that are not plain (`$.tags` + `a/b` -> `$.tags['a/b']`)."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    if _PLAIN_NAME.match(key):
        return f"{path}.{key}"
    escaped = key.replace("\\", "\\\\").replace("'", "\\'")
    return f"{path}['{escaped}']"
