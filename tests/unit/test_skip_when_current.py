"""Assess first (#14 item 3): the request fingerprint, the version compared with, which
assessed patches would be installed, the skip decision, and the nightly firing day."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from galleryflow.domain.patching import PatchSettings
from galleryflow.domain.request import RequestValidationError, parse_publish_request
from galleryflow.domain.skip_when_current import (
    current_version,
    installable,
    request_fingerprint,
    skip_reason,
)
from galleryflow.pipelines import firing_day, nightly_request, parse_pipelines

VM = (
    "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg"
    "/providers/Microsoft.Compute/virtualMachines/vm"
)
BASE: dict[str, Any] = {
    "source_vm_id": VM,
    "gallery": {"resource_group": "rg", "name": "gal"},
    "image_definition": "img",
    "target_regions": [{"name": "westeurope", "replica_count": 1}],
    "production": False,
    "patch": {},
}


def canonical(**changes: Any) -> dict[str, Any]:
    return parse_publish_request({**BASE, **changes}).to_dict()


def test_fingerprint_ignores_what_names_a_run_and_sees_what_makes_the_image() -> None:
    first = request_fingerprint(canonical(idempotency_key="nightly-a-20261201"))
    assert first.startswith("v1:") and len(first) == 67
    # another night: another key and version, same entry -> same fingerprint
    again = canonical(
        idempotency_key="nightly-a-20261202",
        version={"strategy": "explicit", "value": "2.0.0"},
        skip_when_current=True,
    )
    assert request_fingerprint(again) == first
    # the entry changed: another fingerprint
    assert request_fingerprint(canonical(tags={"team": "x"})) != first
    assert request_fingerprint(canonical(patch={"classifications": ["Security"]})) != first
    assert request_fingerprint(canonical(customize={"script": "echo hi"})) != first
    assert request_fingerprint(canonical(target_regions=[{"name": "eastus"}])) != first


def _version(name: str, *, excluded: bool = False, state: str = "Succeeded", fp: str = "") -> Any:
    return {
        "name": name,
        "exclude_from_latest": excluded,
        "regions": [{"name": "westeurope", "exclude_from_latest": excluded}],
        "provisioning_state": state,
        "tags": {"galleryflow.fingerprint": fp} if fp else {},
    }


def test_current_version_is_the_newest_live_one() -> None:
    versions = [
        _version("1.0.0", fp="v1:a"),
        _version("1.2.0", fp="v1:b"),
        _version("1.10.0", excluded=True, fp="v1:c"),  # a failed run's or rolled back
        _version("1.11.0", state="Failed", fp="v1:d"),
        _version("1.9.0"),
    ]
    assert current_version(versions) == {"version": "1.9.0", "fingerprint": None}
    assert current_version(versions[:2]) == {"version": "1.2.0", "fingerprint": "v1:b"}
    assert current_version([versions[2]]) is None
    assert current_version([]) is None


def test_installable_follows_installpatches_selection() -> None:
    available = [
        {"name": "openssl", "kbId": "", "classifications": ["Security"]},
        {"name": "vim", "classifications": ["Other"]},
        {"name": "Cumulative", "kbId": "5034441", "classifications": ["Critical"]},
    ]
    assert installable(available, PatchSettings()) == ["openssl", "cumulative"]
    assert installable(available, PatchSettings(exclude=("open*",))) == ["cumulative"]
    assert installable(available, PatchSettings(exclude=("KB5034441",))) == ["openssl"]
    assert installable(available, PatchSettings(include=("vim",))) == ["vim"]
    other = PatchSettings(classifications=("Other",))
    assert installable(available, other) == ["vim"]
    assert installable([], PatchSettings()) == []


def test_skip_only_when_nothing_to_install_and_the_request_did_not_change() -> None:
    current = {"version": "2026.1201.0", "fingerprint": "v1:x"}
    reason, line = skip_reason(to_install=[], fingerprint="v1:x", current=current)
    assert reason == line and "skipped" in reason and "2026.1201.0" in reason
    for kwargs, expected in [
        ({"to_install": ["openssl"]}, "1 update(s) to install (openssl)"),
        ({"fingerprint": "v1:y"}, "pipeline entry changed"),
        ({"current": None}, "no live version"),
        ({"current": {"version": "1.0.0", "fingerprint": None}}, "no fingerprint tag"),
        ({"adopting": True}, "already created its version"),
    ]:
        args: dict[str, Any] = {"to_install": [], "fingerprint": "v1:x", "current": current}
        reason, line = skip_reason(**{**args, **kwargs})
        assert reason is None and line.startswith("not skipped") and expected in line, line


def test_skip_when_current_needs_patch() -> None:
    with pytest.raises(RequestValidationError) as refused:
        parse_publish_request({**BASE, "patch": None, "skip_when_current": True})
    assert [p.path for p in refused.value.problems] == ["$.skip_when_current"]
    assert canonical()["skip_when_current"] is False  # API/DevOps: off unless asked


def test_nightly_entries_that_patch_get_skip_when_current_when_loaded() -> None:
    text = """
schema_version: 1
pipelines:
  - {name: plain, request: {image_definition: a}}
  - {name: no-patch, request: {image_definition: b, patch: null}}
  - {name: opted-out, request: {image_definition: c, skip_when_current: false}}
  - {name: devops-only, nightly: false, request: {image_definition: d}}
"""
    config = parse_pipelines(text)
    by_name = {p.name: p.request for p in config.pipelines}
    assert by_name["plain"]["skip_when_current"] is True
    assert "skip_when_current" not in by_name["no-patch"]
    assert by_name["opted-out"]["skip_when_current"] is False
    assert "skip_when_current" not in by_name["devops-only"]
    plain = config.by_name("plain")
    assert plain is not None
    assert nightly_request(plain, date(2026, 12, 3))["skip_when_current"] is True


NOW = datetime(2026, 12, 3, 2, 0, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "day"),
    [
        (None, date(2026, 12, 3)),
        ({}, date(2026, 12, 3)),
        ({"Last": "2026-12-02T02:00:00", "Next": "2026-12-03T02:00:00"}, date(2026, 12, 3)),
        # past due: the app was down at 02:00 on the 1st
        ({"Next": "2026-12-01T02:00:00+00:00"}, date(2026, 12, 1)),
        # a manual run in the afternoon: Next is tomorrow's occurrence, still ahead
        ({"Next": "2026-12-04T02:00:00Z"}, date(2026, 12, 3)),
        ({"Next": "not a time"}, date(2026, 12, 3)),
    ],
)
def test_firing_day(status: dict[str, str] | None, day: date) -> None:
    assert firing_day(status, NOW) == day
