"""Mirror galleries alongside the primary's rollout (#14: "as soon as the primary is
Completed in the mirror's home region"; orchestration version 1.1, a `publish_mirrors`
child): the copy made while the primary's later wave still waits; nothing of a mirror live
before the primary; a rejected primary takes its mirror back; two mirrors in the order
their home regions replicate; a cancel while both gates wait; a home region that never
replicates. Sandbox stack (host + ARM emulator + Azurite), emulator state asserted."""

from __future__ import annotations

from sandbox.stack import Stack
from tests.orchestration.test_mirrors import (
    _awaiting_approval,
    _copied,
    _held_at_approval,
    _mirror,
    _mirror_states,
    _seed,
    _state,
    _version_writes,
)


def test_a_mirror_starts_as_soon_as_the_primary_replicated_its_home_region(
    sandbox_stack: Stack,
) -> None:
    """#14: the copy is made while the primary's later wave still waits for approval, and is
    live in the mirror's regions before the primary's last wave is; approve finishes both."""
    stack = sandbox_stack
    primary, mirror = _seed(stack, "mirrorearly")
    waves = {"mode": "waves", "waves": [["westeurope", "northeurope"], ["eastus"]]}
    request = primary.request(
        ["westeurope", "northeurope", "eastus"],
        rollout={**waves, "approval": True},
        mirrors=[_mirror(mirror, ["northeurope", "eastus"])],
    )
    run_id = stack.api("POST", "publish", request).json()["id"]
    summary = _awaiting_approval(stack, run_id)
    assert summary["step"] == "promote"  # the primary's wave 2 gate, not a mirror's
    copy = _copied(stack, mirror)
    version = copy["name"]
    assert (
        copy["properties"]["storageProfile"]["source"]["id"]
        .lower()
        .endswith(f"/images/mirrorearly/versions/{version}")
    )
    running = stack.wait_until(
        lambda: (
            (s := stack.api("GET", f"runs/{run_id}").json())["galleries"]["mirrors"][0]["state"]
            == "succeeded"
            and s
        ),
        what="the mirror done while the primary waits",
    )
    assert running["state"] == "awaiting_approval"
    assert _state(stack.versions(mirror)[version]) == {
        "northeurope": ("Completed", False),
        "eastus": ("Completed", False),
    }
    # the primary: wave 1 live, eastus replicated but still excluded (awaiting approval)
    assert _state(stack.versions(primary)[version])["eastus"] == ("Completed", True)
    writes = _version_writes(stack, "mirrorearly")
    assert writes.index(("PUT", "galMirror")) < len(writes) - 1  # the mirror's PUT ...
    assert writes[-1][1] == "galMirror"  # ... and its promotion came after the primary's last

    assert stack.api("POST", f"runs/{run_id}/approve", {"by": "test"}).status_code == 202
    status = stack.wait_for_run(run_id)
    assert status["runtimeStatus"] == "Completed", status.get("output")
    assert status["output"]["status"] == "succeeded", status["output"]
    assert _state(stack.versions(primary)[version])["eastus"] == ("Completed", False)
    # the primary's last wave went live after the mirror was live: the last write is the
    # primary's (its wave 2 promotion)
    assert _version_writes(stack, "mirrorearly")[-1] == ("PATCH", "galDemo")
    assert status["output"]["galleries"]["mirrors"][0]["status"] == "succeeded"


def test_a_mirror_goes_live_only_after_the_primary_and_a_reject_reverts_it(
    sandbox_stack: Stack,
) -> None:
    """The primary's single wave waits for approval: its mirror replicates meanwhile but
    serves nothing; a reject of the primary reverts the mirror too."""
    stack = sandbox_stack
    primary, mirror, run_id = _held_at_approval(stack, "mirrorhold")
    copy = _copied(stack, mirror)
    assert _state(copy) == {"northeurope": ("Completed", True)}  # replicated, not live
    assert copy["properties"]["publishingProfile"]["excludeFromLatest"] is True
    stack.wait_until(
        lambda: any(
            "waiting for the primary to go live" in line
            for line in stack.api("GET", f"runs/{run_id}").json()["galleries"]["mirrors"][0]["log"]
        ),
        what="the mirror waiting for the primary",
    )
    assert _state(stack.versions(mirror)[copy["name"]]) == {"northeurope": ("Completed", True)}

    assert stack.api("POST", f"runs/{run_id}/reject", {"by": "test"}).status_code == 202
    status = stack.wait_for_run(run_id)
    assert status["runtimeStatus"] == "Failed" and "Rejected" in status["output"]
    for ids in (primary, mirror):  # neither gallery serves the rejected image
        (version,) = stack.versions(ids).values()
        assert version["properties"]["publishingProfile"]["excludeFromLatest"] is True
    summary = stack.api("GET", f"runs/{run_id}").json()
    assert summary["galleries"]["mirrors"][0]["state"] == "failed"


def test_mirrors_go_one_after_the_other_as_their_home_regions_replicate(
    sandbox_stack: Stack,
) -> None:
    """Mirror 1's home (eastus) is in the primary's wave 2, mirror 2's (northeurope) in wave
    1: mirror 2 starts first, mirror 1 once eastus is done; both are live while the primary's
    wave 2 still waits for approval (Q2: one copy of the primary replicates at a time)."""
    stack = sandbox_stack
    primary, europe = _seed(stack, "mirrortwo")
    america = stack.seed_gallery(
        subscription_id="44444444-0000-4000-8000-00000000d0d0",
        location="eastus",
        gallery="galMirrorUs",
        definition="mirrortwo",
        os_state="Specialized",
    )
    waves = {"mode": "waves", "waves": [["westeurope", "northeurope"], ["eastus"]]}
    request = primary.request(
        ["westeurope", "northeurope", "eastus"],
        rollout={**waves, "approval": True},
        mirrors=[_mirror(america, ["eastus"]), _mirror(europe, ["northeurope"])],
    )
    run_id = stack.api("POST", "publish", request).json()["id"]
    stack.wait_until(
        lambda: _mirror_states(stack, run_id) == ["succeeded", "succeeded"],
        what="both mirrors done while the primary's wave 2 waits",
    )
    assert stack.api("GET", f"runs/{run_id}").json()["state"] == "awaiting_approval"
    writes = _version_writes(stack, "mirrortwo")
    puts = [g for m, g in writes if m == "PUT" and g.startswith("galMirror")]
    assert puts == ["galMirror", "galMirrorUs"]  # northeurope's mirror first
    for ids, region in ((europe, "northeurope"), (america, "eastus")):
        (copy,) = stack.versions(ids).values()
        assert _state(copy) == {region: ("Completed", False)}

    assert stack.api("POST", f"runs/{run_id}/approve", {"by": "test"}).status_code == 202
    status = stack.wait_for_run(run_id)
    assert status["output"]["status"] == "succeeded", status["output"]
    assert [m["definition"] for m in status["output"]["galleries"]["mirrors"]] == [
        stack.definition_id(america),
        stack.definition_id(europe),
    ]


def test_a_cancel_while_both_gates_wait_keeps_the_primary_s_live_wave_and_reverts_the_mirror(
    sandbox_stack: Stack,
) -> None:
    """The primary waits before its wave 2 and the mirror (started during the rollout)
    before its own wave: the summary shows both gates, the primary's first (approve/reject
    go there); `cancel` keeps the primary's live wave (rule 1) and reverts the mirror."""
    stack = sandbox_stack
    primary, mirror = _seed(stack, "mirrorboth")
    waves = {"mode": "waves", "waves": [["westeurope", "northeurope"], ["eastus"]]}
    gate = {"mode": "waves", "waves": [["northeurope"]], "approval": True}
    request = primary.request(
        ["westeurope", "northeurope", "eastus"],
        rollout={**waves, "approval": True},
        mirrors=[_mirror(mirror, ["northeurope"], rollout=gate)],
    )
    run_id = stack.api("POST", "publish", request).json()["id"]
    summary = stack.wait_until(
        lambda: (
            (s := stack.api("GET", f"runs/{run_id}").json())["galleries"]
            and s["galleries"]["mirrors"][0]["waves"]
            and s["galleries"]["mirrors"][0]["waves"]["awaiting_approval"]
            and s["galleries"]["primary"]["waves"]["awaiting_approval"]
            and s
        ),
        what="both gates waiting",
    )
    assert summary["state"] == "awaiting_approval" and summary["step"] == "promote"

    assert stack.api("POST", f"runs/{run_id}/cancel", {"by": "test"}).status_code == 202
    status = stack.wait_for_run(run_id)
    assert status["runtimeStatus"] == "Completed", status.get("output")
    result = status["output"]
    assert result["status"] == "partially_succeeded"
    assert any("Cancelled" in w and "mirror 1" in w for w in result["warnings"]), result
    version = stack.versions(primary)[result["version"]]
    assert _state(version) == {
        "westeurope": ("Completed", False),
        "northeurope": ("Completed", False),
        "eastus": ("Completed", True),
    }
    (copy,) = stack.versions(mirror).values()
    assert copy["properties"]["publishingProfile"]["excludeFromLatest"] is True
    done = stack.api("GET", f"runs/{run_id}").json()
    assert done["galleries"]["mirrors"][0]["state"] == "failed"
    assert [a["action"] for a in done["audit"]] == ["started", "cancelled"]


def test_a_mirror_whose_home_region_never_replicates_fails_and_the_primary_stays(
    sandbox_stack: Stack,
) -> None:
    """The primary fails for good in northeurope, the mirror's home region (its other
    regions go live, `promote_completed`): the mirror never starts, it fails
    `SourceNotReplicated` once the primary's rollout ended; nothing is copied."""
    stack = sandbox_stack
    primary, mirror = _seed(stack, "mirrornohome")
    stack.add_fault(
        kind="replication_failure", region="northeurope", version="galDemo/images/mirrornohome/"
    )
    request = primary.request(
        ["westeurope", "northeurope"],
        replication={"max_region_retries": 0, "on_region_failure": "promote_completed"},
        mirrors=[_mirror(mirror, ["northeurope"])],
    )
    status = stack.wait_for_run(stack.api("POST", "publish", request).json()["id"])
    assert status["runtimeStatus"] == "Completed", status.get("output")
    result = status["output"]
    assert result["status"] == "partially_succeeded"
    (warning,) = [w for w in result["warnings"] if "mirror 1" in w]
    assert "SourceNotReplicated" in warning and "northeurope" in warning
    assert _state(stack.versions(primary)[result["version"]])["westeurope"] == (
        "Completed",
        False,
    )
    assert stack.versions(mirror) == {}
    assert result["galleries"]["mirrors"][0]["status"] == "failed"
