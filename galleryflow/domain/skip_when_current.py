"""Assess first (`skip_when_current`): skip a rebuild that would publish the same image again.

A run with `skip_when_current` (default for nightly pipeline entries that patch) skips —
no capture, no new version — when both hold:
1. the patch assessment finds nothing that `installPatches` would install with the
   request's classifications and include/exclude lists (`installable`), and
2. the request is the one the current version was built from: its fingerprint equals the
   `galleryflow.fingerprint` tag of the definition's current version (`current_version`).

The fingerprint (`request_fingerprint`) is a SHA-256 over the canonical request without the
fields that name a run rather than an image (`version`, `idempotency_key`,
`skip_when_current`), so a nightly entry has the same fingerprint every night until its
entry changes. A version without the tag (made before this, or by hand) never matches.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from galleryflow.domain.inventory import SUCCEEDED, VersionRecord, sort_key
from galleryflow.domain.patching import PatchSettings
from galleryflow.domain.version_tags import FINGERPRINT_TAG

FINGERPRINT_SCHEME = "v1"
NOT_FINGERPRINTED = ("version", "idempotency_key", "skip_when_current")


def request_fingerprint(canonical: Mapping[str, Any]) -> str:
    """`v1:<sha256 hex>` of the canonical request (sorted-key JSON) minus NOT_FINGERPRINTED.

    71 characters: well within a tag value's 256."""
    kept = {k: v for k, v in canonical.items() if k not in NOT_FINGERPRINTED}
    text = json.dumps(kept, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return f"{FINGERPRINT_SCHEME}:{hashlib.sha256(text.encode()).hexdigest()}"


def current_version(versions: Iterable[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The version a rebuild compares with: the newest (by version number) whose provisioning
    succeeded and that is live (not excluded from latest) in at least one region — what the
    last successful publish left. A failed run's version (still excluded everywhere) or a
    rolled-back one does not count. `{"version", "fingerprint"}` (None: no tag) or None."""
    live = []
    for data in versions:
        record = VersionRecord.from_dict(data)
        if record.provisioning_state != SUCCEEDED:
            continue
        if any(not record.excluded_in(region) for region in record.region_names):
            live.append((record, data))
    if not live:
        return None
    record, data = max(live, key=lambda pair: sort_key(pair[0]))
    tags = data.get("tags") or {}
    return {"version": record.name, "fingerprint": tags.get(FINGERPRINT_TAG)}


def installable(available: Iterable[Mapping[str, Any]], settings: PatchSettings) -> list[str]:
    """The names of the assessed patches installPatches would install with `settings`: not
    excluded, and named by `include` when it is given, else of a requested classification.
    Masks match the patch name or KB id, `*` as a wildcard, case-insensitive."""
    classes = {c.lower() for c in settings.classifications}
    chosen = []
    for patch in available:
        names = _names(patch)
        if settings.exclude and _matches(names, settings.exclude):
            continue
        if settings.include:
            if _matches(names, settings.include):
                chosen.append(names[0])
        elif {str(c).lower() for c in patch.get("classifications") or []} & classes:
            chosen.append(names[0])
    return chosen


def _names(patch: Mapping[str, Any]) -> list[str]:
    name = str(patch.get("name") or patch.get("patchId") or "")
    kb = str(patch.get("kbId") or "")
    return [n.lower() for n in (name, kb, f"kb{kb}" if kb else "") if n]


def _matches(names: list[str], masks: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(n, mask.lower()) for mask in masks for n in names)


def skip_reason(
    *,
    to_install: list[str],
    fingerprint: str,
    current: Mapping[str, Any] | None,
    adopting: bool = False,
) -> tuple[str | None, str]:
    """(the reason to skip, or None; a line for the run log saying why or why not)."""
    if adopting:
        return None, "not skipped: this run already created its version"
    if to_install:
        shown = ", ".join(to_install[:5]) + (" ..." if len(to_install) > 5 else "")
        return None, f"not skipped: {len(to_install)} update(s) to install ({shown})"
    if current is None:
        return None, "not skipped: the definition has no live version to compare with"
    if current.get("fingerprint") != fingerprint:
        why = "has no fingerprint tag" if not current.get("fingerprint") else "was built"
        if current.get("fingerprint"):
            why += " from another request (the pipeline entry changed)"
        return None, f"not skipped: version {current['version']} {why}"
    reason = (
        f"skipped: nothing to install and the request did not change since version "
        f"{current['version']} (skip_when_current)"
    )
    return reason, reason
