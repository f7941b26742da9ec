"""pytest plugin: the whole sandbox stack (ARM emulator + Azurite + host running galleryflow).

`sandbox_stack` is shared by the tests of one module (start-up costs a few seconds); tests
keep out of each other's way by seeding their own VM and image definition. `stack_factory`
starts a private stack for tests that restart or break it. Everything is stopped by pid.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.stack import Stack, start_stack


@pytest.fixture(scope="module")
def sandbox_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = start_stack(tmp_path_factory.mktemp("stack"))
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture
def stack_factory(tmp_path: Path) -> Iterator[Callable[..., Stack]]:
    started: list[Stack] = []

    def make(**options: Any) -> Stack:
        stack = start_stack(tmp_path / f"stack{len(started)}", **options)
        started.append(stack)
        return stack

    try:
        yield make
    finally:
        for stack in started:
            stack.stop()
