"""pytest plugin: Azurite queue services for tests, stopped afterwards (by pid).

- `azurite`: a fresh Azurite per test (the test may `.stop()` it).
- `azurite_shared`: one Azurite for the whole session; tests must use their own queue names
  and must not stop it. Saves the ~2 s Node start-up per test.
"""

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


@pytest.fixture(scope="session")
def azurite_shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    """One Azurite for the session (use a unique queue name per test; never stop it)."""
    service = start_azurite(tmp_path_factory.mktemp("azurite-shared"))
    try:
        yield service
    finally:
        service.stop()
