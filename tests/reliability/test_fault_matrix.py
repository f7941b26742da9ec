"""The fault matrix's enumeration, and a representative slice of it run in `make test`
(the whole matrix: `make reliability`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox.stack import Stack
from tests.reliability.matrix import FAULTS, WIRE, cells, declared_operations
from tests.reliability.runner import matrix_stack, run_cell

SLICE = (
    "begin_create_version x 500",
    "deallocate_vm x reset",
    "delete_version x slow",
    "set_exclude_from_latest x lro_failed",
    "two publishes of one definition at once",
)


def test_every_declared_gateway_operation_is_in_the_matrix() -> None:
    operations = declared_operations()
    assert set(WIRE) == set(operations)
    titles = [c.title for c in cells()]
    assert len(titles) == len(set(titles))
    reads = sum(1 for m, _ in WIRE.values() if m == "GET")
    assert len([t for t in titles if " x " in t]) == reads * (len(FAULTS) - 1) + (
        len(WIRE) - reads
    ) * len(FAULTS)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    started = matrix_stack(tmp_path_factory.mktemp("matrix"))
    try:
        yield started
    finally:
        started.stop()


@pytest.mark.parametrize("title", SLICE)
def test_slice_is_consistent(stack: Stack, title: str) -> None:
    (cell,) = [c for c in cells() if c.title == title]
    outcome = run_cell(stack, cell)
    assert outcome.problems == []
    assert outcome.reached
