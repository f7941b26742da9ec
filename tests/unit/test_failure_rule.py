"""The failure rule's decisions (galleryflow/domain/failure_rule.py)."""

from __future__ import annotations

from galleryflow.domain.failure_rule import (
    Outcome,
    cancellable,
    on_cancel,
    on_failure,
    result_status,
)


def test_nothing_live_fails_and_reverts() -> None:
    decision = on_failure(live_regions=[], step="prune", code="Conflict", message="busy")
    assert decision.outcome is Outcome.FAIL_AND_REVERT and decision.warning is None


def test_live_regions_are_kept_through_housekeeping_failures() -> None:
    decision = on_failure(
        live_regions=["westeurope", "eastus"], step="notify", code="Throttled", message="slow"
    )
    assert decision.outcome is Outcome.KEEP_LIVE
    assert decision.warning == (
        "notify failed after the version went live in westeurope, eastus (kept live): "
        "Throttled: slow"
    )


def test_a_reject_is_a_judgement_and_reverts_live_regions() -> None:
    decision = on_failure(live_regions=["westeurope"], step="promote", code="Rejected", message="")
    assert decision.outcome is Outcome.FAIL_AND_REVERT


def test_result_status() -> None:
    assert result_status(failed_regions=[], warnings_from_rule=0) == "succeeded"
    assert result_status(failed_regions=["eastus"], warnings_from_rule=0) == "partially_succeeded"
    assert result_status(failed_regions=[], warnings_from_rule=1) == "partially_succeeded"


def test_where_cancel_is_listened_for() -> None:
    for step in (None, "preflight", "patch", "capture", "replicate", "promote", "prune", "notify"):
        assert cancellable("publish", step)
    for step in ("done", "failed"):
        assert not cancellable("publish", step)
    assert cancellable("prune", "prune") and not cancellable("prune", "done")
    assert cancellable("change", "change") and cancellable("change", "replicate")
    assert not cancellable("change", "promote")
    assert not cancellable("rollback", "rollback") and not cancellable("rollback", None)
    assert not cancellable(None, "replicate")


def test_cancel_before_anything_is_live_fails_the_run() -> None:
    assert on_cancel(live_regions=[], step="capture", by=" by ann").outcome is (
        Outcome.FAIL_AND_REVERT
    )


def test_cancel_after_a_live_wave_keeps_it() -> None:
    decision = on_cancel(live_regions=["westus3"], step="promote", by=" by ann")
    assert decision.outcome is Outcome.KEEP_LIVE
    assert decision.warning == (
        "cancelled by ann at promote after the version went live in westus3 (kept live); "
        "later waves and housekeeping were not run"
    )
