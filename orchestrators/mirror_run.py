"""One mirror gallery inside a publish run: copy the primary version into the mirror
definition (`storageProfile.source.id` = the primary version), then replicate, promote and
prune there with the same steps as the primary (promote_step, replicate_step, prune_step),
under the mirror's own regions and rollout and the primary's retries and retention.

It shares the parent run's orchestration context (one run, one history): its status lives
in the parent's custom status (`mirrors[i]`), its events go out through the parent's
counter with `data.mirror` naming the mirror definition.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from galleryflow.domain.fields import format_utc
from galleryflow.domain.mirrors import Mirror
from galleryflow.domain.version_tags import PATCH_TAG, version_tags
from galleryflow.durable.names import Activity
from orchestrators.promote_step import PromoteSteps, rollout_stages
from orchestrators.prune_step import PruneSteps
from orchestrators.replication_state import region_summary
from orchestrators.run import Gen, RunCancelled
from orchestrators.run_status import RunStatus

if TYPE_CHECKING:
    from orchestrators.mirror_step import MirrorSteps


class MirrorRun(PromoteSteps, PruneSteps):
    """The mirror's rollout and retention; `parent` is the publish run."""

    def __init__(self, parent: MirrorSteps, plan: dict[str, Any]) -> None:
        mirror = Mirror.from_dict(plan["mirror"])
        super().__init__(parent.context, parent.request.for_mirror(mirror), None)
        self.parent = parent
        self.index = int(plan["index"])
        self.plan = plan
        self.definition_id = str(plan["definition_id"])
        self.status = RunStatus(definition=self.definition_id, version=parent.version)
        self.status.audit = parent.status.audit  # a cancel decided here is the run's audit
        self.target = {"gallery": mirror.gallery.to_dict(), "definition": mirror.image_definition}
        self.version = parent.version
        self.source_id = f"{parent.definition_id}/versions/{parent.version}"
        self.monitor_prefix = f"mirror{self.index + 1}-rep"
        self.prune_prefix = f"mirror{self.index + 1}-prune"
        # the run's one cancel waiter (a waiter of its own would swallow later cancels)
        self.cancel_event = parent.cancel_event

    def stop_cancelled(self, **details: Any) -> Gen:
        """A cancel stops this mirror (mirror_step reverts it); the publish run records it."""
        raise RunCancelled("cancelled")
        yield  # a generator, like RunBase's

    def keep_live_after_cancel(self, cancelled: RunCancelled) -> bool:
        return False  # a cancelled mirror is reverted (docs/pipeline.md, mirrors)

    def before_first_live(self) -> Gen:
        """Nothing of a mirror goes live before the primary does (mirror_start.py)."""
        yield from self.parent.wait_primary_ready(self)

    def execute(self) -> Gen:
        """Copy, roll out, prune; returns the mirror's summary (raises StepFailed)."""
        steps = rollout_stages(self.plan)
        first = set(steps[0].adds)
        yield from self.copy([s for s in self.plan["target_regions"] if s["name"] in first])
        replication = yield from self.rollout(self.plan, steps)
        yield from self.after_live("prune", self.prune())
        regions = region_summary(replication)
        for name, region in regions.items():
            region["promoted"] = name in self.promoted_regions
        failed = sorted(n for n, r in regions.items() if r["state"] != "Completed")
        self.status.at("done", f"mirror {self.definition_id}: {self.version} published")
        self.publish_status()
        return {
            "definition": self.definition_id,
            "status": "partially_succeeded" if failed or self.kept_live else "succeeded",
            "regions": regions,
            "pruned": self.pruned,
            "warnings": self.warnings,
        }

    def copy(self, first_regions: list[dict[str, Any]]) -> Gen:
        adopt = bool(self.plan.get("adopt"))
        self.status.at("capture", f"copying {self.source_id.rsplit('/images/', 1)[-1]}")
        self.publish_status()
        request = self.request
        copied = yield from self.activity(
            Activity.CAPTURE,
            {
                "target": self.target,
                "version": self.version,
                "source_id": self.source_id,
                "vm_id": self.source_id,
                "target_regions": first_regions,
                "end_of_life": format_utc(eol) if (eol := request.end_of_life) else None,
                "block_deletion_before_end_of_life": request.block_deletion_before_end_of_life,
                "allow_replicated_location_deletion": request.allow_replicated_location_deletion,
                "replication_mode": "Full",
                "run_id": self.parent.run_id,
                "tags": self.copy_tags(),
            },
            "capture",
        )
        self.created = True
        done = "adopted" if adopt or copied.get("adopted") else "created"
        self.status.say(f"mirror version {self.version} {done} from the primary")

    def copy_tags(self) -> dict[str, str]:
        """The request's tags and the primary's patch summary (domain/version_tags.py)."""
        patch_tag = getattr(self.parent, "patch_tag", None)
        ours = {PATCH_TAG: patch_tag} if patch_tag else {}
        return version_tags(self.request.tags, ours)[0]

    def emit(self, kind: str, data: dict[str, Any]) -> Gen:
        yield from self.parent.emit(kind, {**data, "mirror": self.definition_id})

    def publish_status(self) -> None:
        self.parent.mirror_progress(self.index, self.status.to_dict())
