"""A just-started run's lock outcome as POST /api/publish reads it (galleryflow/api/
lock_outcome.py)."""

from __future__ import annotations

from galleryflow.api.lock_outcome import lock_outcome

REFUSED = (
    "preflight failed on /subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/"
    "galleries/g/images/d: RunInProgress: run abc123 (publish) holds this image definition; "
    "one run at a time: wait for it to finish or cancel it, then try again"
)


def test_a_refused_run_names_the_holder() -> None:
    outcome = lock_outcome({"runtimeStatus": "Failed", "output": REFUSED})
    assert outcome.decided and outcome.refused and outcome.holder == "abc123"
    assert outcome.message.startswith("run abc123 (publish) holds this image definition")


def test_a_run_reporting_a_step_holds_its_locks() -> None:
    outcome = lock_outcome({"runtimeStatus": "Running", "customStatus": {"step": "preflight"}})
    assert outcome.decided and not outcome.refused


def test_not_known_yet_while_the_run_has_no_step() -> None:
    for status in (
        {"runtimeStatus": "Pending"},
        {"runtimeStatus": "Running", "customStatus": None},
        {"runtimeStatus": "Running", "customStatus": "text"},
    ):
        assert not lock_outcome(status).decided


def test_other_failures_and_ends_are_not_refusals() -> None:
    failed = lock_outcome({"runtimeStatus": "Failed", "output": "capture failed on x: Y: z"})
    assert failed.decided and not failed.refused
    assert lock_outcome({"runtimeStatus": "Completed", "output": {}}).decided
