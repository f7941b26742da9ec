"""Prune step: the retention plan after a publish, or to make room for one, applied by the
`prune_apply` sub-orchestration (one version per activity, each write awaited). A `cancel`
is passed on to the child, which stops before its next version; then the run stops here."""

from __future__ import annotations

from galleryflow.domain.resource_ids import subscription_of
from galleryflow.durable.names import Orchestration
from orchestrators.calls import sub_orchestration
from orchestrators.run import Gen, RunBase


class PruneSteps(RunBase):
    prunes = 0  # prune_apply children started (instance `<run>-<prune_prefix>-<n>`)
    prune_prefix = "prune"  # a mirror's own: its prunes share the run's instance id

    def prune(self, adding: int = 0, step: str = "prune") -> Gen:
        """Retention per the request's policy; `adding` > 0 also frees quota for a capture."""
        retention = self.request.retention
        if step == "prune" and not retention.auto_prune:
            return
        dry_run = retention.dry_run and not adding
        self.status.at(step, "pruning old versions" + (" (dry run)" if dry_run else ""))
        self.publish_status()
        yield from self.checkpoint()
        self.prunes += 1
        outcome = yield from sub_orchestration(
            self.context,
            Orchestration.PRUNE_APPLY,
            {
                "target": self.target,
                "retention": retention.to_dict(),
                "apply": not dry_run,
                "protect": [self.version] if self.version and self.created else [],
                "adding": adding,
                # VMs made from this image may live where its source VM lives
                "scan_subscriptions": [subscription_of(self.request.source_vm_id)],
                "now": self.context.current_utc_datetime.isoformat(),
            },
            step=step,
            resource=self.version_resource(),
            instance_id=f"{self.context.instance_id}-{self.prune_prefix}-{self.prunes}",
            cancel=self.cancel_event,
        )
        self.pruned.extend(outcome.get("deleted", []))
        self.warnings.extend(outcome.get("warnings", []))
        if dry_run:
            self.status.say(f"prune plan (dry run): {outcome['plan']['message']}")
        elif outcome.get("deleted") or outcome.get("shrunk"):
            self.status.say(
                f"pruned: deleted {outcome.get('deleted', [])}, shrunk {outcome.get('shrunk', [])}"
            )
            yield from self.emit(
                "pruned",
                {"deleted": outcome.get("deleted", []), "shrunk": outcome.get("shrunk", [])},
            )
        if self.cancel_event.is_completed:  # the child stopped before the next version
            if outcome.get("not_done"):
                self.warnings.append(f"prune stopped by cancel; not pruned: {outcome['not_done']}")
            yield from self.stop_cancelled()
