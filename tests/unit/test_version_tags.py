"""The version's tags stay within Azure's limits whatever the input (#14 item 3, tag risk):
at most 50 per resource counting galleryflow's bookkeeping tags, names <= 512, values <= 256.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from galleryflow.domain.patching import PatchOutcome
from galleryflow.domain.request import RequestValidationError, parse_publish_request
from galleryflow.domain.version_tags import (
    BOOKKEEPING_TAGS,
    FINGERPRINT_TAG,
    INFORMATIONAL_TAGS,
    MAX_NAME,
    MAX_REQUEST_TAGS,
    MAX_TAGS,
    MAX_VALUE,
    PATCH_TAG,
    RESERVED_SLOTS,
    version_tags,
)

BASE: dict[str, Any] = {
    "source_vm_id": "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg"
    "/providers/Microsoft.Compute/virtualMachines/vm",
    "gallery": {"resource_group": "rg", "name": "gal"},
    "image_definition": "img",
    "target_regions": [{"name": "westeurope", "replica_count": 1}],
    "production": False,
}


def test_reserved_slots_cover_every_name_galleryflow_writes() -> None:
    assert len(BOOKKEEPING_TAGS) + len(INFORMATIONAL_TAGS) <= RESERVED_SLOTS
    assert MAX_REQUEST_TAGS + RESERVED_SLOTS == MAX_TAGS == 50


def test_a_valid_request_always_fits_with_all_our_tags() -> None:
    request_tags = {f"t{i}": "v" * MAX_VALUE for i in range(MAX_REQUEST_TAGS)}
    parse_publish_request({**BASE, "tags": request_tags})  # valid
    ours = {FINGERPRINT_TAG: "v1:" + "a" * 64, PATCH_TAG: "x" * 1000}
    tags, left_out = version_tags(request_tags, ours)
    assert left_out == []
    assert len(tags) + len(BOOKKEEPING_TAGS) <= MAX_TAGS
    assert tags[PATCH_TAG].endswith("...") and len(tags[PATCH_TAG]) == MAX_VALUE


def test_too_many_or_reserved_request_tags_are_refused() -> None:
    too_many = {f"t{i}": "" for i in range(MAX_REQUEST_TAGS + 1)}
    with pytest.raises(RequestValidationError) as refused:
        parse_publish_request({**BASE, "tags": too_many})
    assert refused.value.problems[0].path == "$.tags"
    assert "more than 45" in refused.value.problems[0].message
    with pytest.raises(RequestValidationError) as reserved:
        parse_publish_request({**BASE, "tags": {"GalleryFlow.patch": "mine", "ok": "1"}})
    assert [p.path for p in reserved.value.problems] == ["$.tags['GalleryFlow.patch']"]


def test_room_runs_out_informational_tags_go_last_first_never_request_tags() -> None:
    room = MAX_TAGS - len(BOOKKEEPING_TAGS)
    ours = {FINGERPRINT_TAG: "v1:f", PATCH_TAG: "p"}
    one_short = {f"t{i}": "v" for i in range(room - 1)}
    tags, left_out = version_tags(one_short, ours)
    assert left_out == [PATCH_TAG] and tags[FINGERPRINT_TAG] == "v1:f"
    full = {f"t{i}": "v" for i in range(room)}
    tags, left_out = version_tags(full, ours)
    assert left_out == [FINGERPRINT_TAG, PATCH_TAG] and tags == full


def test_only_informational_names_are_accepted_as_ours() -> None:
    with pytest.raises(ValueError, match="informational"):
        version_tags({}, {"galleryflow-idempotency": "run"})


def test_the_patch_summary_tag_is_at_most_256_characters() -> None:
    outcome = PatchOutcome.from_result(
        {
            "status": "Succeeded",
            "installedPatchCount": 300,
            "patches": [
                {"name": f"package-{i}", "installationState": "Installed"} for i in range(300)
            ],
        }
    )
    assert len(outcome.tag("2026-12-03T02:00Z")) == MAX_VALUE


@given(
    request_tags=st.dictionaries(st.text(max_size=600), st.text(max_size=400), max_size=80),
    patch=st.none() | st.text(max_size=600),
)
def test_whatever_the_input_the_tags_fit_azure(request_tags: dict[str, str], patch: Any) -> None:
    ours = {FINGERPRINT_TAG: "v1:" + "0" * 64}
    if patch is not None:
        ours[PATCH_TAG] = patch
    tags, left_out = version_tags(request_tags, ours)
    assert len(tags) + len(BOOKKEEPING_TAGS) <= MAX_TAGS
    assert all(len(name) <= MAX_NAME and len(value) <= MAX_VALUE for name, value in tags.items())
    assert set(left_out) <= set(ours)
    assert all(name in tags for name in ours if name not in left_out)
