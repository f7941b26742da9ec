"""The tags of an image version: the request's `tags` field, the names galleryflow keeps for
itself, and the one rule that keeps every version's tags within Azure's limits.

Azure (learn.microsoft.com, "Use tags to organize your Azure resources", limitations): at
most 50 tag name/value pairs per resource, names at most 512 characters, values at most
256, names without `< > % & \\ ? /`, names case-insensitive.

galleryflow writes its own tags next to the request's (all named `galleryflow...`):

- bookkeeping: `galleryflow-idempotency` (the run id, so a run adopts its own version;
  written by the gateway's capture), `galleryflow-safety-lifted` (a shrink's PATCH, removed
  by the next);
- informational: `galleryflow.fingerprint` (the request's fingerprint, skip_when_current)
  and `galleryflow.patch` (the patch summary), both written at capture;
- mirrors: `galleryflow.mirror.<n>` (one per mirror gallery, its definition id; how
  rollback and prune find them), written at capture; a request with mirrors is refused
  unless its tags, the mirrors and the four names above fit (galleryflow/domain/mirrors.py).

The rule (`version_tags`), whatever the input:
1. Request tags: names starting with `galleryflow` (any case) are refused, and at most
   `MAX_REQUEST_TAGS` (50 - `RESERVED_SLOTS`) are allowed — both checked when the request is
   validated (HTTP 400), so a valid request always fits.
2. Bookkeeping tags are added by the gateway and always fit (they have reserved slots).
3. Informational tags follow the request's tags; a value longer than 256 characters is cut
   to 253 and ends in "..."; if they would still take the version past its share
   (50 - bookkeeping) they are left out, last first (the patch summary before the
   fingerprint) — never a request tag — and the caller is told which.
4. Defensively (a request that skipped validation): request tags named like galleryflow's
   are dropped, values cut as in 3, and tags past the share are dropped in order.
"""

from __future__ import annotations

from collections.abc import Mapping

from galleryflow.domain.fields import MapOf, Str
from galleryflow.domain.problems import Problem, child

MAX_TAGS = 50  # per resource
MAX_NAME = 512
MAX_VALUE = 256
RESERVED_PREFIX = "galleryflow"
BOOKKEEPING_TAGS = ("galleryflow-idempotency", "galleryflow-safety-lifted")
FINGERPRINT_TAG = "galleryflow.fingerprint"
PATCH_TAG = "galleryflow.patch"
INFORMATIONAL_TAGS = (FINGERPRINT_TAG, PATCH_TAG)  # kept in this order when room runs out
RESERVED_SLOTS = 5  # the 4 names above and one spare, so a new one does not shrink requests
MAX_REQUEST_TAGS = MAX_TAGS - RESERVED_SLOTS

TAGS_SPEC = MapOf(
    key=Str(
        description=f"tag name (names starting with '{RESERVED_PREFIX}' are galleryflow's own)",
        pattern=r"^[^<>%&\\?/]+$",
        pattern_hint="tag names cannot contain < > % & \\ ? /",
        max_length=MAX_NAME,
    ),
    value=Str(description="tag value", min_length=0, max_length=MAX_VALUE),
    description=(
        f"tags for the image version (at most {MAX_REQUEST_TAGS}: galleryflow keeps "
        f"{RESERVED_SLOTS} of Azure's {MAX_TAGS} for its own)"
    ),
    max_entries=MAX_REQUEST_TAGS,
)


def tag_problems(tags: object, path: str = "$.tags") -> list[Problem]:
    """Request tags named like galleryflow's own (checked once the map itself is valid)."""
    if not isinstance(tags, dict):
        return []
    return [
        Problem(
            child(path, name),
            f"tag names starting with '{RESERVED_PREFIX}' are galleryflow's own",
            "rename the tag",
        )
        for name in tags
        if isinstance(name, str) and name.lower().startswith(RESERVED_PREFIX)
    ]


def fit_value(value: str) -> str:
    """A tag value within Azure's 256 characters (cut, ending in '...')."""
    return value if len(value) <= MAX_VALUE else value[: MAX_VALUE - 3] + "..."


def version_tags(
    request_tags: Mapping[str, str], ours: Mapping[str, str]
) -> tuple[dict[str, str], list[str]]:
    """The tags a new version is created with (before the gateway's bookkeeping tags), and
    the names of informational tags left out for lack of room (see the module's rule).

    `ours` holds informational tags only (names in INFORMATIONAL_TAGS)."""
    unknown = set(ours) - set(INFORMATIONAL_TAGS)
    if unknown:
        raise ValueError(f"not galleryflow's informational tags: {sorted(unknown)}")
    room = MAX_TAGS - len(BOOKKEEPING_TAGS)
    tags = {
        name: fit_value(value)
        for name, value in request_tags.items()
        if len(name) <= MAX_NAME and not name.lower().startswith(RESERVED_PREFIX)
    }
    tags = dict(list(tags.items())[:room])
    left_out: list[str] = []
    for name in INFORMATIONAL_TAGS:
        if name not in ours:
            continue
        if len(tags) < room:
            tags[name] = fit_value(ours[name])
        else:
            left_out.append(name)
    return tags, left_out
