"""Gallery quotas of a subscription in one region (the Compute usages API)."""

from __future__ import annotations

from galleryflow.azure import actions as a
from galleryflow.azure._arm import azure_call, raw
from galleryflow.azure.clients import compute_client
from galleryflow.domain.regions import normalise_region

# Matched on name.value with case and spaces ignored; localizedValue differs per language.
_USAGE_NAMES: dict[str, frozenset[str]] = {
    "galleries": frozenset({"gallery", "galleries"}),
    "image_definitions": frozenset({"galleryimage", "galleryimages", "galleryimagedefinitions"}),
    "image_versions": frozenset({"galleryimageversion", "galleryimageversions"}),
}


@a.requires(a.USAGES_READ)
def get_usages(subscription_id: str, location: str) -> dict[str, tuple[int, int] | None]:
    """`{"galleries": (used, limit), "image_definitions": ..., "image_versions": ...}`.

    A quota ARM does not report is None. Tuples become lists once JSON-serialised.
    """
    region = normalise_region(location)
    with azure_call(
        f"/subscriptions/{subscription_id}/providers/Microsoft.Compute/locations/{region}"
    ):
        usages = [raw(u) for u in compute_client(subscription_id).usage.list(region)]
    found: dict[str, tuple[int, int] | None] = dict.fromkeys(_USAGE_NAMES)
    for usage in usages:
        name = "".join(str((usage.get("name") or {}).get("value", "")).split()).lower()
        for key, aliases in _USAGE_NAMES.items():
            if name in aliases:
                found[key] = (int(usage.get("currentValue", 0)), int(usage.get("limit", 0)))
    return found
