"""Mirrors alongside the primary's rollout (orchestration version 1.1 on): the publish run
starts its mirror galleries as a child orchestration (`publish_mirrors`,
orchestrators/mirror_chain.py) as soon as the primary version is `Completed` in a mirror's
home region, while the primary's later waves still replicate, soak or wait for approval;
it awaits the child before it reports.

What the parent owes the child:
- **primary_regions_<n>**: each further mirror home region the primary completes (the child
  takes the mirrors one after the other, each once its home region is done), and at the
  mirror step what the primary ended with (`final`).
- **primary_ready**: a mirror makes nothing live before the primary is live somewhere (a
  mirror serving an image the primary's canary or approver has not passed yet would be
  a DR gallery ahead of production). The parent signals it after its first live wave, or
  when it reaches the mirror step without one (every region kept excluded).
- **cancel**: a `cancel` of the run reaches the child when the parent awaits it (the child
  reverts its mirror, as before); a primary that fails stops the child first, so no mirror
  stays live for an image whose publish failed.

Runs started on 1.0 keep their recorded order: the mirrors after the primary's rollout and
prune, inline (orchestrators/mirror_step.py `mirror_all`); docs/deploy.md explains why.
"""

from __future__ import annotations

from typing import Any

from galleryflow.durable.failures import StepFailed
from galleryflow.durable.names import Activity, Event, Orchestration, numbered
from galleryflow.durable.versioning import at_least
from orchestrators.calls import await_child, call, start_child
from orchestrators.mirror_step import MirrorSteps, mirror_home
from orchestrators.run import Gen

CONCURRENT_FROM = "1.1"


class MirrorStart(MirrorSteps):
    mirror_plans: list[dict[str, Any]] = []  # the preflight plan's mirrors
    mirrors_child: Any = None  # the `publish_mirrors` task once started
    primary_signalled = False
    homes_sent: frozenset[str] | set[str] = frozenset()  # home regions the child knows done
    updates = 0  # `primary_regions_<n>` events sent

    def concurrent_mirrors(self) -> bool:
        return bool(self.mirror_plans) and at_least(self.context.version, CONCURRENT_FROM)

    def mirrors_run_id(self) -> str:
        return f"{self.context.instance_id}-mirrors"

    def watched_regions(self) -> list[str]:
        """The mirrors' home regions: the monitor polls for each one's completion."""
        if not self.concurrent_mirrors():
            return []
        return sorted({mirror_home(p) for p in self.mirror_plans})

    def on_replication_report(self, state: dict[str, Any]) -> Gen:
        """Start the mirrors once a mirror's home region is Completed in the primary; tell
        the started child about each further home region that completes."""
        if self.cancelled or not self.concurrent_mirrors():
            return
        done = {n for n, r in state["regions"].items() if r["state"] == "Completed"}
        homes = {mirror_home(p) for p in self.mirror_plans} & done
        if self.mirrors_child is None and homes:
            yield from self.start_mirrors(done, final=False)
        elif self.mirrors_child is not None and homes - self.homes_sent:
            sent = yield from self.send_regions(done, final=False)
            self.homes_sent = self.homes_sent | (homes if sent else set())

    def after_wave_live(self) -> Gen:
        if self.mirrors_child is not None and not self.primary_signalled:
            yield from self.signal_ready()

    def start_mirrors(self, replicated: set[str], *, final: bool) -> Gen:
        ready = bool(self.promoted_regions)
        payload = {
            "request": self.request.to_dict(),
            "parent": {
                "run_id": self.context.instance_id,
                "definition_id": self.definition_id,
                "version": self.version,
                "patch_tag": getattr(self, "patch_tag", None),
            },
            "mirrors": self.mirror_plans,
            "replicated": sorted(replicated),
            "final": final,
            "primary_ready": ready,
        }
        self.primary_signalled = ready
        self.homes_sent = {mirror_home(p) for p in self.mirror_plans} & replicated
        self.status.mirrors = [{**m, "state": "running"} for m in self.status.mirrors]
        self.status.mirrors_run = self.mirrors_run_id()
        count = len(self.mirror_plans)
        self.status.say(f"mirrors started: copying {self.version} into {count} mirror gallery(s)")
        self.publish_status()
        self.mirrors_child = yield from start_child(
            self.context, Orchestration.PUBLISH_MIRRORS, payload, self.mirrors_run_id()
        )

    def signal_ready(self) -> Gen:
        """Tell the child the primary is live (or settled); False when it could not."""
        sent = yield from self.signal(Event.PRIMARY_READY, {"live": list(self.promoted_regions)})
        self.primary_signalled = self.primary_signalled or sent
        return sent

    def send_regions(self, completed: set[str], *, final: bool) -> Gen:
        """The next `primary_regions_<n>` update; False when it could not be sent."""
        data = {"completed": sorted(completed), "final": final}
        sent = yield from self.signal(numbered(Event.PRIMARY_REGIONS, self.updates + 1), data)
        self.updates += int(bool(sent))
        return sent

    def signal(self, event: str, data: dict[str, Any]) -> Gen:
        """Raise `event` on the mirrors child (activity signal_child_run); False on a miss."""
        try:
            yield from call(
                self.context,
                Activity.SIGNAL_CHILD_RUN,
                {"run_id": self.mirrors_run_id(), "event": event, "data": data},
                step=self.status.step,
                resource=self.mirrors_run_id(),
            )
        except StepFailed as missed:
            self.warnings.append(f"mirrors not told {event}: {missed}")
            return False
        return True

    def finish_mirrors(self, replicated: set[str]) -> Gen:
        """The mirror step: start the mirrors if the rollout did not, tell them what the
        primary ended with, then await them."""
        if self.mirrors_child is None:
            if self.cancelled:  # a cancel that kept live waves skips the mirrors (as on 1.0)
                return
            yield from self.start_mirrors(replicated, final=True)
        told = True
        if {mirror_home(p) for p in self.mirror_plans} - self.homes_sent:
            told = yield from self.send_regions(replicated, final=True)
        if not self.primary_signalled:
            told = (yield from self.signal_ready()) and told
        if not told:  # a child left waiting would wait for ever: stop it (it reverts)
            yield from self.stop_child(
                self.mirrors_run_id(), "cancel", "the primary's outcome could not be sent"
            )
        self.status.at("mirror", "waiting for the mirror galleries")
        self.publish_status()
        yield from self.collect_mirrors(cancel=self.cancel_event)

    def stop_mirrors(self, why: str) -> Gen:
        """The primary failed while its mirrors roll out: stop them (each reverts) first."""
        if self.mirrors_child is None or self.mirror_results:
            return
        yield from self.stop_child(self.mirrors_run_id(), "cancel", why)
        yield from self.collect_mirrors(cancel=None)

    def collect_mirrors(self, cancel: Any) -> Gen:
        """Await the child and take over its outcome (results, warnings, failure, status)."""
        try:
            outcome = yield from await_child(
                self.context,
                self.mirrors_child,
                step="mirror",
                resource=self.mirrors_run_id(),
                instance_id=self.mirrors_run_id(),
                cancel=cancel,
            )
        except StepFailed as crashed:  # the child itself failed: every mirror is failed
            self.mirror_results = [
                self.mirror_failed(plan, crashed.code, f"{crashed} (its state is unknown)")
                for plan in self.mirror_plans
            ]
        else:
            self.take_mirror_outcome(outcome)
        self.status.mirrors_run = None
        self.status.waves = {**self.status.waves, "awaiting_approval": False}
        self.publish_status()

    def take_mirror_outcome(self, outcome: dict[str, Any]) -> None:
        self.mirror_results = list(outcome.get("results") or [])
        self.warnings.extend(outcome.get("warnings") or [])
        self.kept_live.extend(outcome.get("kept_live") or [])
        self.status.mirrors = list(outcome.get("mirrors") or self.status.mirrors)
        self.status.audit.extend(outcome.get("audit") or [])
        for line in outcome.get("log") or []:
            self.status.say(line)
        failure = outcome.get("failure")
        if failure and self.mirror_failure is None:
            self.mirror_failure = StepFailed(
                failure["step"], failure["resource"], failure["code"], failure["message"]
            )
