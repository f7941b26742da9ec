"""Rollout step: replicate and promote wave by wave, each wave live as soon as it can be.

ARM refuses updates while a version replicates (docs/azure-facts.md Q1), so the rollout is
progressive (galleryflow/domain/rollout.py): the version was created with the first stage's
regions; when they are all terminal, the previous wave's soak is over and (with
`rollout.approval`) the wave is approved, ONE update makes the wave live and adds the next
stage's regions (every later wave's), excluded from latest; later waves then go live one by
one; the last wave's update also clears the global flag when every region replicated.
`rollout.approval` asks before every wave but the first (the first wave is the canary); with
a single wave (all at once) it asks before that wave.

Failures (docs/pipeline.md): before any region is live a failure reverts nothing live; after,
a later wave's replication failure keeps earlier waves live (partially_succeeded), and so
does `cancel` (it stops further waves); a human `reject` reverts every promoted wave.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from galleryflow.domain.request import Rollout
from galleryflow.domain.rollout import Stage, stages
from galleryflow.durable.failures import StepFailed
from galleryflow.durable.names import Activity, Event
from orchestrators.failure_rule import FailureRule
from orchestrators.replicate_step import ReplicateSteps
from orchestrators.replication_state import add_regions, all_terminal, resubmitted
from orchestrators.run import Gen, RunCancelled


def rollout_stages(plan: dict[str, Any]) -> list[Stage]:
    home = next((s["name"] for s in plan["target_regions"] if s.get("home_region")), None)
    return stages(plan["waves"], home)


class PromoteSteps(ReplicateSteps, FailureRule):
    rollout_state: dict[str, Any] = {}  # replaced, never mutated in place by the class

    def rollout(self, plan: dict[str, Any], steps: list[Stage]) -> Gen:
        """Replicate and promote every stage; returns the final replication state.

        A `cancel` before any region is live propagates (the run fails, rule 1); after,
        it stops further waves and keeps the live ones (`self.cancelled` says by whom)."""
        self.rollout_state = self.replication_state(plan, list(steps[0].adds))
        try:
            yield from self.waves(plan, steps)
        except RunCancelled as cancelled:
            if not self.keep_live_after_cancel(cancelled):
                raise
        return self.rollout_state

    def waves(self, plan: dict[str, Any], steps: list[Stage]) -> Gen:
        rollout = self.request.rollout
        specs = {s["name"]: s for s in plan["target_regions"]}
        keep_excluded = {n for n, s in specs.items() if s.get("exclude_from_latest")}
        state = self.rollout_state
        self.status.waves = {"current": 0, "total": len(steps), "awaiting_approval": False}
        live_at: datetime | None = None
        judged: set[str] = set()  # regions whose failure was already dealt with
        due: list[str] = []  # regions of this and earlier waves, in wave order
        for index, stage in enumerate(steps):
            label = f"wave {index + 1}/{len(steps)}: " if len(steps) > 1 else ""
            if all_terminal(state):
                pass  # this wave replicated with an earlier stage's regions
            elif self.promoted_regions:  # failure rule: a later wave never takes live ones down
                replicated = yield from self.after_live(
                    "replicate", self.replicate_until_idle(state, label)
                )
                if replicated is None:
                    break
                state = self.rollout_state = replicated
            else:
                state = self.rollout_state = yield from self.replicate_until_idle(state, label)
            regions = state["regions"]
            mine = [n for n in (stage.adds if index == 0 else stage.wave) if n not in judged]
            judged.update(mine)
            failed = [n for n in mine if regions[n]["state"] == "Failed"]
            stop = bool(failed) and self.region_failures(state, failed)
            final = stop or index + 1 == len(steps)
            done = {n for n, r in regions.items() if r["state"] == "Completed"}
            due += [n for n in stage.wave if n not in keep_excluded]
            # a wave that failed under `fail` is not promoted at all (earlier ones stay live);
            # a region of an earlier wave that completed on its re-submission goes live now
            wave = [] if stop else [n for n in due if n in done and n not in self.promoted_regions]
            adds = [] if final else list(steps[index + 1].adds)
            if not wave and not adds:
                if final:
                    break
                continue
            self.status.at("promote")
            if wave and not self.promoted_regions:
                yield from self.before_first_live()
            if wave and index > 0 and live_at is not None:
                yield from self.soak(rollout, index, live_at)
            if wave and rollout.approval and (index > 0 or len(steps) == 1):
                yield from self.await_approval(index, wave)
            everything = final and all(r["state"] == "Completed" for r in regions.values())
            yield from self.go_live(wave, [specs[n] for n in adds], everything)
            live_at = self.context.current_utc_datetime
            if wave:
                yield from self.announce(index, len(steps), wave)
                yield from self.after_wave_live()
            if not final:  # ARM replicates again what failed: watched before the next update
                state = self.rollout_state = add_regions(resubmitted(state, live_at), adds, live_at)

    def go_live(self, wave: list[str], adds: list[dict[str, Any]], everything: bool) -> Gen:
        """One update: `wave` serves latest, `adds` start replicating (excluded); with
        `everything` the version also stops being excluded globally."""
        payload: dict[str, Any]
        if adds:
            payload = {"target": self.target, "version": self.version, "live": wave, "add": adds}
            yield from self.activity(Activity.PROMOTE_AND_ADD_REGIONS, payload, "promote")
        elif wave or everything:
            payload = {
                "target": self.target,
                "version": self.version,
                "regions": dict.fromkeys(wave, False),
                "global": False if everything else None,
            }
            yield from self.activity(Activity.SET_EXCLUDE_FROM_LATEST, payload, "promote")
        self.promoted_regions.extend(wave)

    def announce(self, index: int, total: int, wave: list[str]) -> Gen:
        self.status.waves["current"] = index + 1
        live_at = self.context.current_utc_datetime.isoformat()
        for name in wave:
            self.status.set_region(name, state="Promoted", went_live=live_at)
        self.status.say(f"wave {index + 1}/{total} promoted: {', '.join(wave)}")
        self.publish_status()
        yield from self.emit("promoted", {"wave": index + 1, "regions": wave})

    def soak(self, rollout: Rollout, index: int, live_at: datetime) -> Gen:
        """Wait until the previous wave has been live for `soak_minutes` (the next wave
        replicated meanwhile, so only the rest of the soak is left, if any)."""
        soak = rollout.soak_minutes
        fire_at = live_at + timedelta(minutes=soak)
        if soak and fire_at > self.context.current_utc_datetime:
            self.status.say(f"soaking {soak} min before wave {index + 1}")
            self.publish_status()
            yield from self.unless_cancelled(self.context.create_timer(fire_at))

    def await_approval(self, index: int, wave: list[str]) -> Gen:
        self.status.waves["awaiting_approval"] = True
        self.status.say(f"waiting for approval of wave {index + 1}: {', '.join(wave)}")
        self.publish_status()
        approve = self.context.wait_for_external_event(Event.APPROVE)
        reject = self.context.wait_for_external_event(Event.REJECT)
        winner = yield self.context.task_any([self.cancel_event, approve, reject])
        self.status.waves["awaiting_approval"] = False
        if winner == self.cancel_event:  # rule 1: live waves stay live (rollout decides)
            yield from self.stop_cancelled(wave=index + 1)
        action = "approved" if winner == approve else "rejected"
        by = yield from self.record_decision(action, winner.result, wave=index + 1)
        if winner == approve:
            self.status.say(f"wave {index + 1} approved{by}")
            self.publish_status()
            return
        yield from self.unpromote()  # a human reject judges the image: every wave reverted
        raise StepFailed(
            "promote", self.version_resource(), "Rejected", f"wave {index + 1} rejected{by}"
        )

    def take_back(self, *, keep_live: bool = False) -> Gen:
        """After a failure: nothing of the version live, the version deleted only with
        `cleanup_on_failure`; with `keep_live` (the failure rule kept it) nothing at all.
        Returns the lines to report."""
        if keep_live:
            return []
        if self.promoted_regions:
            yield from self.unpromote()
        if not (self.created and self.request.cleanup_on_failure):
            return []
        payload = {"target": self.target, "version": self.version}
        yield from self.activity(Activity.DELETE_VERSION, payload, "failed")
        return ["version deleted (cleanup_on_failure)"]

    def unpromote(self) -> Gen:
        if not self.promoted_regions:
            return
        yield from self.activity(
            Activity.SET_EXCLUDE_FROM_LATEST,
            {
                "target": self.target,
                "version": self.version,
                "regions": dict.fromkeys(self.promoted_regions, True),
                "global": True,
            },
            "promote",
        )
        self.status.say(f"promotion reverted in {', '.join(self.promoted_regions)}")
        for name in self.promoted_regions:
            self.status.set_region(name, state="Completed", went_live=None)
        self.promoted_regions = []
