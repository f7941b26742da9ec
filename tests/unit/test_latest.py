"""Which version `latest` means per region: regional exclude beats global, only Completed."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from galleryflow.domain.inventory import ReplicationState, VersionRecord
from galleryflow.domain.latest import latest_by_region, latest_in, latest_names


def version(name: str, *regions: dict[str, Any], **fields: Any) -> VersionRecord:
    return VersionRecord.from_dict({"name": name, "regions": list(regions), **fields})


def region(name: str, state: str = "Completed", exclude: bool | None = None) -> dict[str, Any]:
    return {"name": name, "replica_count": 3, "state": state, "exclude_from_latest": exclude}


def test_from_dict_maps_the_gateway_shape_and_round_trips() -> None:
    data = {
        "name": "1.2.3",
        "published_date": "2026-01-01T10:00:00Z",
        "end_of_life": None,
        "exclude_from_latest": False,
        "block_deletion_before_end_of_life": True,
        "regions": [
            {
                "name": "West Europe",
                "replica_count": 3,
                "storage_account_type": "Standard_ZRS",
                "exclude_from_latest": None,
                "state": "Completed",
            }
        ],
        "in_use": True,
        "provisioning_state": "Succeeded",
    }
    record = VersionRecord.from_dict(data)
    assert record.region_names == ("westeurope",)
    assert record.is_good and record.in_use
    out = record.to_dict()
    assert out["regions"][0]["name"] == "westeurope"
    assert VersionRecord.from_dict(out) == record
    assert ReplicationState.parse("InProgress") is ReplicationState.UNKNOWN


def test_numeric_order_and_exclusions() -> None:
    versions = [
        version("1.9.0", region("westeurope"), region("eastus")),
        version("1.10.0", region("westeurope"), region("eastus", exclude=True)),
        version("1.11.0", region("westeurope", state="Replicating"), region("eastus")),
        version("2.0.0", region("westeurope"), exclude_from_latest=True),
    ]
    assert latest_by_region(versions) == {"eastus": "1.11.0", "westeurope": "1.10.0"}
    assert latest_names(versions) == {"1.11.0": ["eastus"], "1.10.0": ["westeurope"]}
    found = latest_in(versions, "West Europe")
    assert found is not None and found.name == "1.10.0"


def test_regional_false_beats_global_true() -> None:
    versions = [
        version("1.0.0", region("westeurope")),
        version(
            "2.0.0", region("westeurope", exclude=False), region("eastus"), exclude_from_latest=True
        ),
    ]
    assert latest_by_region(versions) == {"eastus": None, "westeurope": "2.0.0"}


def test_regions_without_candidates_and_asked_regions() -> None:
    versions = [version("1.0.0", region("westeurope", state="Failed"))]
    assert latest_by_region(versions) == {"westeurope": None}
    assert latest_by_region(versions, ["uksouth"]) == {"uksouth": None}
    assert latest_in([], "westeurope") is None


POOL = ["westeurope", "eastus", "uksouth"]
states = st.sampled_from(["Completed", "Completed", "Replicating", "Failed", "Unknown"])


@st.composite
def inventories(draw: st.DrawFn) -> list[VersionRecord]:
    names = draw(
        st.lists(st.tuples(*[st.integers(0, 3)] * 3), max_size=8, unique=True).map(
            lambda ts: [".".join(map(str, t)) for t in ts]
        )
    )
    out = []
    for name in names:
        regions = draw(st.lists(st.sampled_from(POOL), min_size=1, unique=True))
        out.append(
            version(
                name,
                *(
                    region(r, draw(states), draw(st.sampled_from([None, True, False])))
                    for r in regions
                ),
                exclude_from_latest=draw(st.booleans()),
            )
        )
    return out


@given(inventories())
def test_latest_is_the_highest_serving_version(versions: list[VersionRecord]) -> None:
    result = latest_by_region(versions, POOL)
    for r in POOL:
        serving = [v for v in versions if v.serves_latest_in(r)]
        expected = max(serving, key=lambda v: v.version).name if serving else None
        assert result[r] == expected
        chosen = latest_in(versions, r)
        assert (chosen.name if chosen else None) == expected


@given(inventories(), st.randoms())
def test_latest_does_not_depend_on_input_order(versions: list[VersionRecord], rnd: Any) -> None:
    shuffled = list(versions)
    rnd.shuffle(shuffled)
    assert latest_by_region(shuffled, POOL) == latest_by_region(versions, POOL)
