"""Replays parse each history timestamp once, not once per episode.

The Durable Python SDK builds a `HistoryEvent` for every event of the history on every
replay and parses its `Timestamp` with dateutil's general parser (`HistoryEvent.dt_parse`).
A run of N episodes therefore parses O(N^2) timestamps, the same strings again and again:
with a few hundred episodes that parsing was most of the host's CPU. The host wraps the
SDK's parser in a bounded cache: same strings, same (immutable) datetimes, so the SDK behaves
exactly as before, only without repeating the work.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any

import azure.durable_functions.models.history.HistoryEvent  # noqa: F401  (the module below)

_MODULE = sys.modules["azure.durable_functions.models.history.HistoryEvent"]
CACHE_SIZE = 1 << 16


def install() -> None:
    """Idempotent: the SDK's `dt_parse` answers repeated timestamps from a cache."""
    parse: Callable[..., datetime] = getattr(_MODULE, "dt_parse")  # noqa: B009
    if getattr(parse, "cache_info", None) is not None:
        return
    cached: Any = functools.lru_cache(maxsize=CACHE_SIZE)(parse)
    setattr(_MODULE, "dt_parse", cached)  # noqa: B010
