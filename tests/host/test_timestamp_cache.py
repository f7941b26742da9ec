"""The host's cache of the Durable SDK's history timestamp parser changes nothing but speed."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from dateutil.parser import parse
from hypothesis import given
from hypothesis import strategies as st

import sandbox.host.replay  # noqa: F401  (installs the cache)
from sandbox.host import timestamp_cache

MODULE = sys.modules["azure.durable_functions.models.history.HistoryEvent"]


def test_installed_once_by_the_replay_module() -> None:
    cached = MODULE.dt_parse
    assert cached.cache_info() is not None
    timestamp_cache.install()
    assert MODULE.dt_parse is cached  # idempotent: not a cache of a cache


@given(st.datetimes(timezones=st.just(UTC)))
def test_same_datetimes_as_dateutil(moment: datetime) -> None:
    text = moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert MODULE.dt_parse(text) == parse(text)
    assert MODULE.dt_parse(text) == parse(text)  # a cache hit answers the same
