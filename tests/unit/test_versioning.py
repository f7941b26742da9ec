"""Orchestration version comparison (galleryflow/durable/versioning.py)."""

from __future__ import annotations

from galleryflow.durable.versioning import at_least, compare


def test_compare_like_the_durable_extension() -> None:
    assert compare("1.10", "1.9") == 1 and compare("1.0", "1.0.0") == 0
    assert compare(None, "1.0") == -1 and compare("", None) == 0
    assert compare("beta", "Alpha") == 1
    assert at_least("1.1", "1.1") and at_least("2.0", "1.1") and not at_least("1.0", "1.1")
    assert not at_least(None, "1.0")
