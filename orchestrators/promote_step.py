"""Promote step: flip regional excludeFromLatest wave by wave (soak, approval between
waves), then globally; revert it all on rejection, cancel or failure.

`rollout.approval` asks before every wave but the first (the first wave is the canary);
with a single wave (all at once) it asks before that wave, so approval is never ignored."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from galleryflow.domain.request import Rollout
from galleryflow.durable.failures import StepFailed
from galleryflow.durable.names import Activity, Event
from orchestrators.run import Gen, RunBase, RunCancelled


class PromoteSteps(RunBase):
    def promote(self, plan: dict[str, Any], replication: dict[str, Any]) -> Gen:
        completed = {n for n, r in replication["regions"].items() if r["state"] == "Completed"}
        keep_excluded = {s["name"] for s in plan["target_regions"] if s.get("exclude_from_latest")}
        waves = [
            [r for r in wave if r in completed and r not in keep_excluded] for wave in plan["waves"]
        ]
        waves = [w for w in waves if w]
        rollout = self.request.rollout
        self.status.at("promote", f"promoting in {len(waves)} wave(s)")
        self.status.waves = {"current": 0, "total": len(waves), "awaiting_approval": False}
        self.publish_status()
        for index, wave in enumerate(waves):
            if index > 0:
                yield from self.soak(rollout, index)
            if rollout.approval and (index > 0 or len(waves) == 1):
                yield from self.await_approval(index, waves)
            self.status.waves["current"] = index + 1
            yield from self.activity(
                Activity.SET_EXCLUDE_FROM_LATEST,
                {
                    "target": self.target,
                    "version": self.version,
                    "regions": dict.fromkeys(wave, False),
                    "global": None,
                },
                "promote",
            )
            self.promoted_regions.extend(wave)
            live_at = self.context.current_utc_datetime.isoformat()
            for name in wave:
                self.status.set_region(name, state="Promoted", went_live=live_at)
            self.status.say(f"wave {index + 1}/{len(waves)} promoted: {', '.join(wave)}")
            self.publish_status()
            yield from self.emit("promoted", {"wave": index + 1, "regions": wave})
        if not waves:
            return
        if len(completed) == len(replication["regions"]):
            # Every region is good: make the version a normal one (regional flags still rule).
            yield from self.activity(
                Activity.SET_EXCLUDE_FROM_LATEST,
                {"target": self.target, "version": self.version, "regions": {}, "global": False},
                "promote",
            )

    def soak(self, rollout: Rollout, index: int) -> Gen:
        soak = rollout.soak_minutes
        if soak:
            self.status.say(f"soaking {soak} min before wave {index + 1}")
            self.publish_status()
            fire_at = self.context.current_utc_datetime + timedelta(minutes=soak)
            yield from self.unless_cancelled(self.context.create_timer(fire_at))

    def await_approval(self, index: int, waves: list[list[str]]) -> Gen:
        self.status.waves["awaiting_approval"] = True
        self.status.say(f"waiting for approval of wave {index + 1}: {', '.join(waves[index])}")
        self.publish_status()
        approve = self.context.wait_for_external_event(Event.APPROVE)
        reject = self.context.wait_for_external_event(Event.REJECT)
        cancel = self.context.wait_for_external_event(Event.CANCEL)
        winner = yield self.context.task_any([approve, reject, cancel])
        self.status.waves["awaiting_approval"] = False
        action = "approved" if winner == approve else "cancelled"
        if winner == reject:
            action = "rejected"
        by = yield from self.record_decision(action, winner.result, wave=index + 1)
        if winner == approve:
            self.status.say(f"wave {index + 1} approved{by}")
            self.publish_status()
            return
        yield from self.unpromote()
        if winner == reject:
            raise StepFailed(
                "promote", self.version_resource(), "Rejected", f"wave {index + 1} rejected{by}"
            )
        raise RunCancelled(f"cancelled{by}")

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
