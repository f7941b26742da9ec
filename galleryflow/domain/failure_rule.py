"""Rule 1 (docs/pipeline.md "The failure rule"): what a failure or `cancel` does to a run,
decided from whether any region of the new version is live yet. Pure; every orchestrator
asks here instead of deciding on its own.

- Nothing live yet: the run fails; the version stays excluded from latest everywhere (it
  is deleted only with `cleanup_on_failure`) and the source VM's power state is restored.
- A region is live: a failure that is not a judgement on the image (a later wave's
  replication, prune, resolving latest, notify, a mirror) leaves every live region live;
  the run ends `partially_succeeded` with a warning. `cancel` stops further waves and keeps
  the live ones.
- A human `reject` is a judgement on the image: every promoted wave is reverted and the
  run fails, live regions or not.

No new run state: `partially_succeeded` is the run result's existing status.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from galleryflow.domain.mirrors import MirrorFailurePolicy


class Outcome(StrEnum):
    FAIL_AND_REVERT = "fail_and_revert"  # un-promote (if anything is live) and fail
    KEEP_LIVE = "keep_live"  # warn, keep live regions, end partially_succeeded


# Failure codes that judge the image itself; any other failure is about the plumbing.
JUDGEMENTS = frozenset({"Rejected"})

# Steps that only tidy up after a publish: their failures never undo it.
HOUSEKEEPING = ("prune", "notify")


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    warning: str | None = None


def on_failure(
    *, live_regions: list[str] | tuple[str, ...], step: str, code: str, message: str
) -> Decision:
    """What a failure of `step` with `code` does, given the regions already live."""
    if code in JUDGEMENTS or not live_regions:
        return Decision(Outcome.FAIL_AND_REVERT)
    where = ", ".join(live_regions)
    return Decision(
        Outcome.KEEP_LIVE,
        f"{step} failed after the version went live in {where} (kept live): {code}: {message}",
    )


@dataclass(frozen=True)
class MirrorDecision:
    warning: str
    fail_run: bool  # the mirror's on_failure is fail: the run fails, the primary stays live


def mirror_outcome(
    index: int, definition_id: str, policy: MirrorFailurePolicy, code: str, message: str
) -> MirrorDecision:
    """A failed mirror never takes the primary down: always a warning (the run ends
    `partially_succeeded`); with `on_failure: fail` the run also fails afterwards."""
    warning = (
        f"mirror {index + 1} ({definition_id.rsplit('/galleries/', 1)[-1]}) failed, the "
        f"primary stays live: {code}: {message}"
    )
    return MirrorDecision(warning, policy is MirrorFailurePolicy.FAIL)


def on_cancel(*, live_regions: list[str] | tuple[str, ...], step: str, by: str) -> Decision:
    """What a `cancel` (recorded as "cancelled<by>") does at `step`: nothing live yet, the
    run fails and restores what it changed; a region live, further waves and housekeeping
    are stopped and every live region stays live (the run ends `partially_succeeded`)."""
    if not live_regions:
        return Decision(Outcome.FAIL_AND_REVERT)
    where = ", ".join(live_regions)
    return Decision(
        Outcome.KEEP_LIVE,
        f"cancelled{by} at {step} after the version went live in {where} (kept live); "
        "later waves and housekeeping were not run",
    )


def result_status(*, failed_regions: list[str], warnings_from_rule: int) -> str:
    """The run result's status: `partially_succeeded` when a region was left out or the
    failure rule kept a live version through a failure; else `succeeded`."""
    return "partially_succeeded" if failed_regions or warnings_from_rule else "succeeded"


# Where each run kind takes `cancel` (and then applies this rule); anywhere else the API
# answers 409 NotCancellable naming the step. A publish at every step: waits (patch polls,
# replication, soak, approval) stop at once, activity chains (preflight, capture, notify)
# at the next checkpoint, prune before its next version. A prune run while it prunes
# (before its next version). A version change before its first write and while added
# regions replicate; its promotion is its last write. A rollback is one write that cannot
# be taken back half-way and finishes in seconds. A publish's mirror rollout stops the
# mirror (the primary stays live).
# "starting": no step reported yet (the run listens from its first lock call on).
CANCELLABLE_STEPS: dict[str, frozenset[str]] = {
    "publish": frozenset(
        {
            "starting",
            "preflight",
            "patch",
            "capture",
            "replicate",
            "promote",
            "mirror",
            "prune",
            "notify",
        }
    ),
    "prune": frozenset({"starting", "prune"}),
    "change": frozenset({"starting", "change", "replicate"}),
    "rollback": frozenset(),
}


def cancellable(kind: str | None, step: str | None) -> bool:
    return (step or "starting") in CANCELLABLE_STEPS.get(kind or "", frozenset())
