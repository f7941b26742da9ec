"""The field tables of the publish, rollback and prune requests (docs/CONTRACTS.md).

These tables are the single source of truth: `request.py` validates with them and the
`*_json_schema()` functions render them for the OpenAPI document.
"""

from __future__ import annotations

import re
from typing import Any

from galleryflow.domain.encryption import ENCRYPTION_SPEC
from galleryflow.domain.fields import (
    Bool,
    Choice,
    Const,
    DateTime,
    Field,
    Int,
    ListOf,
    Nullable,
    Obj,
    Str,
)
from galleryflow.domain.patching import CUSTOMIZE_SPEC, PATCH_SPEC, SKIP_WHEN_CURRENT
from galleryflow.domain.regions import normalise_region, unknown_region_problem
from galleryflow.domain.replicas import MAX_REPLICAS_PER_REGION, StorageAccountType
from galleryflow.domain.version_tags import TAGS_SPEC
from galleryflow.domain.versions import (
    VERSION_HINT,
    VERSION_PATTERN,
    VersionStrategy,
    version_problem,
)

SCHEMA_VERSION = 1


def case_insensitive(word: str) -> str:
    """A regex matching `word` in any case, written without inline flags (JSON Schema
    patterns are ECMA-262 and have none)."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in word)


_GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_RESOURCE_GROUP = r"[-A-Za-z0-9_.()]{0,89}[-A-Za-z0-9_()]"
_VM_NAME = r"[A-Za-z0-9_][-A-Za-z0-9_.]{0,62}[A-Za-z0-9_]|[A-Za-z0-9_]"
VM_ID_PATTERN = (
    f"^/{case_insensitive('subscriptions')}/({_GUID})"
    f"/{case_insensitive('resourceGroups')}/({_RESOURCE_GROUP})"
    f"/{case_insensitive('providers')}/{case_insensitive('Microsoft.Compute')}"
    f"/{case_insensitive('virtualMachines')}/({_VM_NAME})$"
)

SUBSCRIPTION_ID = Str(
    description="Azure subscription id (a GUID)",
    pattern=f"^{_GUID}$",
    pattern_hint="use the subscription GUID, e.g. 00000000-0000-0000-0000-000000000000",
)
RESOURCE_GROUP = Str(
    description="resource group name",
    pattern=f"^{_RESOURCE_GROUP}$",
    pattern_hint="1-90 letters, digits, '-', '_', '.', '(' or ')', not ending in '.'",
    max_length=90,
)
GALLERY_NAME = Str(
    description="Azure Compute Gallery name",
    pattern=r"^[A-Za-z0-9_]([A-Za-z0-9_.]*[A-Za-z0-9_])?$",
    pattern_hint="1-80 letters, digits, '_' or '.', not starting or ending with '.'",
    max_length=80,
)
DEFINITION_NAME = Str(
    description="gallery image definition name",
    pattern=r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$",
    pattern_hint="1-80 letters, digits, '-', '_' or '.', "
    "starting and ending with a letter or digit",
    max_length=80,
)
REGION_NAME = Str(
    description="Azure region, e.g. westeurope or 'West Europe' (normalised to westeurope)",
    pattern=r"^[A-Za-z0-9 ]+$",
    pattern_hint="use an Azure region name such as westeurope",
    max_length=64,
    normalise=normalise_region,
    extra=unknown_region_problem,
)
VERSION_NAME = Str(
    description="image version name Major.Minor.Patch",
    pattern=VERSION_PATTERN,
    pattern_hint=VERSION_HINT,
    extra=version_problem,
)


def gallery_spec(subscription_note: str) -> Obj:
    return Obj(
        description="the target Azure Compute Gallery",
        fields=(
            Field("subscription_id", Nullable(SUBSCRIPTION_ID, subscription_note), None),
            Field("resource_group", RESOURCE_GROUP),
            Field("name", GALLERY_NAME),
        ),
    )


VERSION_SPEC = Obj(
    description="how the new version is named",
    fields=(
        Field(
            "strategy",
            Choice(
                tuple(s.value for s in VersionStrategy),
                "explicit (needs value), next_patch, next_minor, or date (YYYY.MMDD.N)",
            ),
        ),
        Field(
            "value", Nullable(VERSION_NAME, "the version name; only with strategy explicit"), None
        ),
    ),
    schema_extra={
        "if": {"properties": {"strategy": {"const": "explicit"}}},
        "then": {"required": ["value"], "properties": {"value": {"type": "string"}}},
        "else": {"properties": {"value": {"type": "null"}}},
    },
)

TARGET_REGION_SPEC = Obj(
    description="one region the version is replicated to",
    fields=(
        Field("name", REGION_NAME),
        Field(
            "replica_count",
            Nullable(
                Int(minimum=1, maximum=2**31 - 1),
                f"replicas in this region (Azure allows at most {MAX_REPLICAS_PER_REGION})",
            ),
            None,
        ),
        Field(
            "expected_concurrent_deployments",
            Nullable(
                Int(minimum=1, maximum=1_000_000),
                "VMs created at once from this image here; planning gives 1 replica per 20 "
                "(instead of replica_count)",
            ),
            None,
        ),
        Field(
            "concurrent_scale_sets",
            Nullable(
                Int(minimum=1, maximum=1_000_000),
                "scale sets scaling out at once from this image here; planning adds 1 replica "
                "per scale set (instead of replica_count)",
            ),
            None,
        ),
        Field(
            "storage_account_type",
            Nullable(
                Choice(tuple(s.value for s in StorageAccountType)),
                "replica storage; default Standard_ZRS where the region has zones, "
                "else Standard_LRS; Standard_ZRS and PremiumV2_LRS need zones",
            ),
            None,
        ),
        Field(
            "exclude_from_latest",
            Bool("keep this region from resolving `latest` to the new version"),
            False,
        ),
        Field("encryption", Nullable(ENCRYPTION_SPEC), None),
    ),
    schema_extra={
        "not": {
            "anyOf": [
                {
                    "required": ["replica_count", demand],
                    "properties": {
                        "replica_count": {"type": "integer"},
                        demand: {"type": "integer"},
                    },
                }
                for demand in ("expected_concurrent_deployments", "concurrent_scale_sets")
            ]
        }
    },
)

ROLLOUT_SPEC = Obj(
    description=(
        "when regions go live: canary (the default without `rollout`: the version's home "
        "region first, then all others, each wave live as soon as its regions replicated), "
        "waves (listed waves, optional soak and approval between them; later waves "
        "replicate together after the first) or all_at_once "
        "(the default when `rollout` is given without a mode)"
    ),
    fields=(
        Field(
            "mode",
            Choice(("all_at_once", "waves", "canary"), "all_at_once, waves or canary"),
            "all_at_once",
        ),
        Field(
            "waves",
            ListOf(
                ListOf(REGION_NAME, min_items=1),
                "with mode waves: lists of region names covering every target region once",
            ),
            [],
        ),
        Field("soak_minutes", Int("wait between waves", minimum=0, maximum=10_080), 0),
        Field("approval", Bool("wait for an `approve` event before each next wave"), False),
    ),
)

RETENTION_SPEC = Obj(
    description="which old versions to keep, delete or shrink after a publish",
    fields=(
        Field("keep_last", Int("always keep the newest N versions", minimum=1, maximum=10_000), 5),
        Field(
            "keep_newer_than_days",
            Int("keep versions published within this many days", minimum=0, maximum=36_500),
            30,
        ),
        Field(
            "min_good_versions",
            Int(
                "never fewer fully replicated, succeeded versions than this", minimum=1, maximum=100
            ),
            2,
        ),
        Field(
            "shrink_old_to_one_region",
            Bool("old versions shrink to the gallery's home region instead of being deleted"),
            False,
        ),
        Field(
            "quota_headroom",
            Int("free image-version slots to keep per region", minimum=0, maximum=10_000),
            0,
        ),
        Field("auto_prune", Bool("prune after a successful publish"), True),
        Field("dry_run", Bool("only report the plan; a new policy is a dry run by default"), True),
    ),
)

REPLICATION_SPEC = Obj(
    description="how replication failures are handled",
    fields=(
        Field("max_region_retries", Int("retries of a failed region", minimum=0, maximum=10), 2),
        Field(
            "on_region_failure",
            Choice(("fail", "promote_completed"), "fail the run, or promote the completed regions"),
            "fail",
        ),
        Field(
            "stall_minutes",
            Int(
                "retry a region whose progress has not moved for this long",
                minimum=1,
                maximum=10_080,
            ),
            240,
        ),
        Field(
            "region_timeout_minutes",
            Nullable(
                Int(
                    "hard ceiling per replication attempt, however it progresses "
                    "(null: none, a progressing region is never given up)",
                    minimum=1,
                    maximum=10_080,
                )
            ),
            None,
        ),
    ),
)

MIRROR_SPEC = Obj(
    description=(
        "a disaster-recovery copy in another gallery, made from the primary version as soon "
        "as it is replicated in the mirror gallery's home region (docs/pipeline.md, Mirrors)"
    ),
    fields=(
        Field("gallery", gallery_spec("defaults to the primary gallery's subscription")),
        Field(
            "image_definition",
            Nullable(DEFINITION_NAME, "defaults to the primary's image_definition"),
            None,
        ),
        Field("target_regions", ListOf(TARGET_REGION_SPEC, "the mirror's regions", min_items=1)),
        Field("rollout", ROLLOUT_SPEC, {"mode": "canary"}),
        Field(
            "on_failure",
            Choice(
                ("warn", "fail"),
                "a failed mirror never takes the primary down; warn: the run ends "
                "partially_succeeded with a warning; fail: the run fails (the primary stays live)",
            ),
            "warn",
        ),
    ),
)

PUBLISH_SPEC = Obj(
    description="a request to publish a VM as a new gallery image version",
    fields=(
        Field(
            "schema_version",
            Const(SCHEMA_VERSION, "version of this request schema"),
            SCHEMA_VERSION,
        ),
        Field(
            "source_vm_id",
            Str(
                description="resource id of the prepared source VM",
                pattern=VM_ID_PATTERN,
                pattern_hint="use /subscriptions/<guid>/resourceGroups/<rg>/providers/"
                "Microsoft.Compute/virtualMachines/<vm>",
            ),
        ),
        Field("gallery", gallery_spec("defaults to the source VM's subscription")),
        Field("image_definition", DEFINITION_NAME),
        Field("version", VERSION_SPEC, {"strategy": "next_patch"}),
        Field("target_regions", ListOf(TARGET_REGION_SPEC, "regions to replicate to", min_items=1)),
        Field("production", Bool("production image: at least 3 replicas per region"), True),
        Field("rollout", ROLLOUT_SPEC, {"mode": "canary"}),
        Field("end_of_life", Nullable(DateTime("end-of-life date of the version")), None),
        Field(
            "block_deletion_before_end_of_life",
            Bool("Azure refuses to delete the version before end_of_life"),
            False,
        ),
        Field(
            "allow_replicated_location_deletion",
            Bool(
                "safetyProfile.allowDeletionOfReplicatedLocations of the version: false (the "
                "default, as Azure recommends) protects replicated regions from removal; "
                "galleryflow lifts it only for its own shrink/retry and restores it"
            ),
            False,
        ),
        Field(
            "replication_mode",
            Choice(
                ("Full", "Shallow"),
                "Full copies the image to every replica; Shallow (dev/test only, refused for "
                "production) references the source and publishes faster",
            ),
            "Full",
        ),
        Field("retention", RETENTION_SPEC, {}),
        Field("replication", REPLICATION_SPEC, {}),
        Field("generalize", Bool("generalize the VM before capture"), False),
        Field("cleanup_on_failure", Bool("delete a half-made version when the run fails"), False),
        Field(
            "idempotency_key",
            Nullable(
                Str(
                    description="same key -> same run",
                    pattern=r"^[A-Za-z0-9_.-]{1,64}$",
                    pattern_hint="1-64 letters, digits, '-', '_' or '.'",
                )
            ),
            None,
        ),
        Field("tags", TAGS_SPEC, {}),
        Field("patch", Nullable(PATCH_SPEC, "install OS updates before capture"), None),
        Field("customize", Nullable(CUSTOMIZE_SPEC, "run a script after patching"), None),
        Field("skip_when_current", SKIP_WHEN_CURRENT, False),
        Field("mirrors", ListOf(MIRROR_SPEC, "copies in other galleries", max_items=5), []),
    ),
)


def publish_request_json_schema() -> dict[str, Any]:
    return PUBLISH_SPEC.schema_document("PublishRequest")
