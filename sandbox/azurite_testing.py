"""pytest plugin: the `azurite` fixture (an Azurite queue service per test, stopped after)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.azurite import Azurite, start_azurite


@pytest.fixture
def azurite(tmp_path: Path) -> Iterator[Azurite]:
    """A running Azurite queue service: `.connection_string`, `.queue_port`, `.stop()`."""
    service = start_azurite(tmp_path / "azurite-state")
    try:
        yield service
    finally:
        service.stop()
