"""ASP.NET-style route templates of HTTP triggers -> regular expressions.

Supports literal segments, `{name}`, `{name:constraint}` (int, alpha, guid, ...; checked
loosely), optional `{name?}` and catch-all `{*name}`. Matching is case-insensitive like ASP.NET.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PARAM = re.compile(r"\{(\*?)([A-Za-z_][A-Za-z0-9_]*)(?::([^}?]+))?(\?)?\}")
_CONSTRAINTS = {
    "int": r"-?\d+",
    "long": r"-?\d+",
    "alpha": r"[A-Za-z]+",
    "bool": r"(?:true|false)",
    "guid": r"[0-9A-Fa-f-]{32,36}",
}


@dataclass(frozen=True)
class Route:
    template: str
    pattern: re.Pattern[str]

    def match(self, path: str) -> dict[str, str] | None:
        found = self.pattern.fullmatch(path.strip("/"))
        if found is None:
            return None
        return {k: v for k, v in found.groupdict().items() if v is not None}


def compile_route(template: str) -> Route:
    segments = [s for s in template.strip("/").split("/") if s]
    regex = ""
    for index, segment in enumerate(segments):
        sep = "/" if index else ""
        whole = _PARAM.fullmatch(segment)
        if whole and (whole.group(1) or whole.group(4)):
            name = whole.group(2)
            body = ".*" if whole.group(1) else _CONSTRAINTS.get(whole.group(3) or "", "[^/]+")
            regex += f"(?:{sep}(?P<{name}>{body}))?" if index else f"(?P<{name}>{body})?"
            continue
        part = ""
        last = 0
        for param in _PARAM.finditer(segment):
            part += re.escape(segment[last : param.start()])
            body = _CONSTRAINTS.get(param.group(3) or "", "[^/]+?")
            part += f"(?P<{param.group(2)}>{body})"
            last = param.end()
        part += re.escape(segment[last:])
        regex += sep + part
    return Route(template, re.compile(regex, re.IGNORECASE))
