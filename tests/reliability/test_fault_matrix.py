"""The fault matrix's enumeration, and a representative slice of it run in `make test`
(the whole matrix: `make reliability`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from galleryflow.api.runs import RUN_KINDS
from galleryflow.azure.actions import ARM_ACTIONS
from galleryflow.devops.hooks import HANDLED_EVENTS, read_event
from tests.reliability import invariants, scenarios
from tests.reliability.matrix import FAULTS, WIRE, Cell, cells, declared_operations, kill_cells
from tests.reliability.runner import count_commits, finish, prepare, run_cell, start
from tests.reliability.worker import Worker

# One cell per kind of failure path, kept short for `make test` (races are in
# tests/orchestration/test_resource_lock.py, the rest in `make reliability`).
SLICE = (
    "begin_create_version x 500",
    "deallocate_vm x reset",
    "set_exclude_from_latest x lro_failed",
    "ms.vss-pipelines.run-state-changed-event delivered twice, at once",
    "Microsoft.Compute/virtualMachines/start/action denied",
)


def test_every_declared_gateway_operation_is_in_the_matrix() -> None:
    operations = declared_operations()
    assert set(WIRE) == set(operations)
    titles = [c.title for c in cells()]
    assert len(titles) == len(set(titles))
    lro = sum(1 for t in titles if t.endswith(" x lro_failed"))
    assert lro >= 8  # deallocate, start, power off, create, delete, two PATCHes, patches
    assert len([t for t in titles if " x " in t]) == len(WIRE) * (len(FAULTS) - 1) + lro


def test_scenarios_are_enumerated_from_what_the_app_declares() -> None:
    assert len(scenarios.rbac_cells()) == len(ARM_ACTIONS)
    assert len(scenarios.webhook_cells()) == 2 * len(HANDLED_EVENTS)
    for event_type in HANDLED_EVENTS:  # a recorded payload for each, read as handled
        assert read_event(scenarios.payload(event_type)) is not None
    assert len(scenarios.race_cells()) == len(set(RUN_KINDS.values())) + 1
    every = [*cells(), *scenarios.scenario_cells()]
    assert len({c.name for c in every}) == len(every)


@pytest.fixture(scope="module")
def worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    started = Worker(tmp_path_factory.mktemp("matrix"))
    try:
        yield started
    finally:
        started.stop()


@pytest.mark.parametrize("title", SLICE)
def test_slice_is_consistent(worker: Worker, title: str) -> None:
    (cell,) = [c for c in [*cells(), *scenarios.scenario_cells()] if c.title == title]
    outcome = run_cell(worker, cell)
    assert outcome.problems == []
    assert outcome.reached


def test_sigkill_during_capture_leaves_one_version(worker: Worker) -> None:
    """The host is SIGKILLed while ARM holds the capture's PUT (a delay fault): the run
    resumes on the same state, the retried capture adopts the version it already created."""
    cell = Cell(
        "kill-capture",
        "SIGKILL during capture",
        (
            {
                "kind": "delay",
                "seconds": 5,
                "method": "PUT",
                "path": "/images/{name}/versions/",
                "times": 1,
            },
        ),
    )
    worker.fresh()
    stack = worker.stack
    setup = prepare(stack, cell)
    runs = start(stack, cell, setup["request"])

    def capture_sent() -> bool:
        log = stack.arm_control("GET", "requests")["requests"]
        return any(r["method"] == "PUT" and "/kill-capture/versions/" in r["path"] for r in log)

    stack.wait_until(capture_sent, what="the capture PUT")
    stack.restart_host(kill=True)
    outcome = finish(stack, cell, setup, runs, True)
    assert outcome.problems == [] and outcome.reached
    new = [n for n in stack.versions(setup["ids"]) if n not in setup["before"]]
    assert len(new) == 1


def test_sigkill_while_a_mirror_rolls_out_is_consistent(worker: Worker) -> None:
    """A mirrored publish (its `publish_mirrors` child) SIGKILLed three quarters of the way
    through its commits: it resumes, the mirror ends live from the primary version, once
    (`make reliability` kills it after every commit)."""
    commits = count_commits(worker, mirror=True)
    cell = kill_cells(commits, mirror=True)[commits * 3 // 4]
    outcome = run_cell(worker, cell)
    assert outcome.problems == [] and outcome.reached, (cell.title, outcome)


def _version(source: str, live: bool) -> dict[str, Any]:
    return {
        "properties": {
            "publishingProfile": {
                "excludeFromLatest": not live,
                "targetRegions": [{"name": "eastus"}],
            },
            "replicationStatus": {"summary": [{"region": "eastus", "state": "Completed"}]},
            "storageProfile": {"source": {"id": source}},
        }
    }


def test_the_mirror_invariants_catch_a_mirror_ahead_of_its_primary() -> None:
    primary = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g"
    primary += "/images/d/versions/1.0.0"
    ok = invariants.check_mirror(
        primary={"1.0.0": _version("/vm", live=True)},
        copies={"1.0.0": _version(primary, live=True)},
        statuses=[
            {
                "instanceId": "r",
                "runtimeStatus": "Completed",
                "output": {"status": "succeeded", "version": "1.0.0"},
            }
        ],
    )
    assert ok == []
    ahead = invariants.check_mirror(
        primary={"1.0.0": _version("/vm", live=False)},
        copies={"1.0.0": _version(primary, live=True)},
        statuses=[{"instanceId": "r", "runtimeStatus": "Failed", "output": "promote failed"}],
    )
    assert ahead == [
        "mirror 1.0.0 is live while the primary version is not",
        "failed run r left mirror 1.0.0 live",
    ]
