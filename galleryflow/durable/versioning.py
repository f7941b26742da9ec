"""Orchestration versions (Durable orchestration versioning; docs/deploy.md "Deploying new
code while runs are in flight"). Every new orchestration gets host.json's
`extensions.durableTask.defaultVersion` and keeps it for life, also after a deploy; code
that changes what an orchestrator yields, or in which order, branches on it:

    if at_least(context.version, "1.1"):
        ...new order...
    else:
        ...the order runs started on 1.0 recorded in their history...

Versions compare as the Durable extension compares them (DurableTask.Core
`VersioningSettings.CompareVersions`): no version is older than any; two dotted numeric
versions compare numerically (`1.10` > `1.9`); anything else as case-insensitive text.
"""

from __future__ import annotations

import re

_NUMERIC = re.compile(r"^\d+(\.\d+){1,3}$")


def compare(left: str | None, right: str | None) -> int:
    """-1, 0 or 1 as `left` is older than, equal to or newer than `right`."""
    if not left or not right:
        return (bool(left) > bool(right)) - (bool(left) < bool(right))
    if _NUMERIC.match(left) and _NUMERIC.match(right):
        a = [int(p) for p in left.split(".")]
        b = [int(p) for p in right.split(".")]
        a, b = a + [0] * (4 - len(a)), b + [0] * (4 - len(b))
        return (a > b) - (a < b)
    lo, ro = left.lower(), right.lower()
    return (lo > ro) - (lo < ro)


def at_least(version: str | None, minimum: str) -> bool:
    """True when an orchestration of `version` runs the code of `minimum` or later."""
    return compare(version, minimum) >= 0
