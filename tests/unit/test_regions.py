"""Region names: normalise, deduplicate, known names, zones, replica planning, waves."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from galleryflow.domain.regions import (
    REGIONS,
    dedupe_regions,
    duplicate_indexes,
    has_zones,
    is_known_region,
    normalise_region,
    source_region_missing,
    unknown_region_problem,
)


def test_normalise_ignores_case_and_spaces() -> None:
    assert normalise_region("West Europe") == "westeurope"
    assert normalise_region(" east  US 2 ") == "eastus2"
    for info in REGIONS.values():
        assert normalise_region(info.display_name) == info.name


def test_known_regions_and_zones() -> None:
    assert is_known_region("West Europe")
    assert not is_known_region("westeruope")
    assert has_zones("westeurope") and not has_zones("westus") and not has_zones("mars")
    message, hint = unknown_region_problem("westeruope") or ("", "")
    assert "not a known Azure region" in message and "westeurope" in hint
    assert unknown_region_problem("North Europe") is None


def test_dedupe_keeps_first_occurrence_order() -> None:
    assert dedupe_regions(["West Europe", "northeurope", "westeurope", "NorthEurope"]) == [
        "westeurope",
        "northeurope",
    ]
    assert duplicate_indexes(["West Europe", "northeurope", "westeurope"]) == [(2, 0)]


def test_source_region_rule() -> None:
    assert not source_region_missing(["West Europe"], "westeurope")
    assert source_region_missing(["westeurope"], "westus")


region_names = st.sampled_from(sorted(REGIONS))
spellings = region_names.flatmap(
    lambda n: st.sampled_from(
        [n, n.upper(), REGIONS[n].display_name, f" {REGIONS[n].display_name}"]
    )
)


@given(st.lists(spellings, max_size=12))
def test_dedupe_properties(names: list[str]) -> None:
    out = dedupe_regions(names)
    assert len(out) == len(set(out))
    assert set(out) == {normalise_region(n) for n in names}
    assert dedupe_regions(out) == out
    assert len(duplicate_indexes(names)) == len(names) - len(out)
