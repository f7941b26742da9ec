"""The failure rule's decisions (galleryflow/domain/failure_rule.py)."""

from __future__ import annotations

from galleryflow.domain.failure_rule import Outcome, cancellable, on_failure, result_status


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
    assert cancellable("publish", "replicate") and cancellable("publish", "promote")
    for step in ("preflight", "capture", "prune", "notify", None):
        assert not cancellable("publish", step)
    assert not cancellable("rollback", "rollback") and not cancellable("prune", "prune")
    assert not cancellable(None, "replicate")
