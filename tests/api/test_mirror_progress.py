"""A publish run's `publish_mirrors` child folded into the run (galleryflow/api/
mirror_progress.py) and the summary's per-gallery view of it (galleryflow/api/runs.py)."""

from __future__ import annotations

from typing import Any

from galleryflow.api.mirror_progress import approval_target, fold_mirrors, mirrors_child_id
from galleryflow.api.runs import summarize

MIRROR = "/subscriptions/s2/resourceGroups/rg/providers/Microsoft.Compute/galleries/g2/images/d"


def _run(waiting: bool) -> dict[str, Any]:
    return {
        "name": "publish_image",
        "instanceId": "run1",
        "runtimeStatus": "Running",
        "customStatus": {
            "step": "promote",
            "waves": {"current": 1, "total": 2, "awaiting_approval": waiting},
            "audit": [{"action": "started", "by": None, "at": "t0"}],
            "mirrors": [{"definition": MIRROR, "state": "running"}],
            "mirrors_run": "run1-mirrors",
        },
    }


def _child(waiting: bool) -> dict[str, Any]:
    return {
        "instanceId": "run1-mirrors",
        "customStatus": {
            "step": "mirror",
            "waves": {"awaiting_approval": waiting},
            "audit": [{"action": "approved", "by": None, "at": "t1", "wave": 1}],
            "mirrors": [
                {
                    "definition": MIRROR,
                    "state": "running",
                    "regions": {"northeurope": {"state": "Promoted"}},
                    "waves": {"current": 1, "total": 2, "awaiting_approval": waiting},
                }
            ],
        },
    }


def test_a_waiting_mirror_gate_is_the_run_s_and_approve_goes_to_the_child() -> None:
    run = fold_mirrors(_run(False), _child(True))
    assert mirrors_child_id(_run(False)) == "run1-mirrors"
    summary = summarize(run)
    assert summary["state"] == "awaiting_approval"
    assert approval_target(run) == "run1-mirrors"
    (mirror,) = summary["galleries"]["mirrors"]
    assert mirror["regions"]["northeurope"]["state"] == "Promoted"
    assert mirror["waves"]["awaiting_approval"] is True
    assert summary["galleries"]["primary"]["waves"]["awaiting_approval"] is False
    assert [a["action"] for a in summary["audit"]] == ["started", "approved"]


def test_the_primary_s_own_gate_comes_first() -> None:
    run = fold_mirrors(_run(True), _child(True))
    assert approval_target(run) == "run1"
    summary = summarize(run)
    assert summary["galleries"]["primary"]["waves"]["awaiting_approval"] is True


def test_no_child_status_leaves_the_run_as_it_is() -> None:
    run = _run(False)
    assert fold_mirrors(run, None) is run
    assert approval_target(run) == "run1"
    assert summarize(run)["state"] == "running"
