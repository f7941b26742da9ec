"""Azure Resource Graph, only as far as galleryflow uses it: `POST /providers/
Microsoft.ResourceGraph/resources?api-version=2021-03-01` (Resources_Resources, the version
azure-mgmt-resourcegraph 8.0 sends) answering ONE query, galleryflow's image-in-use query
(galleryflow/azure/resource_graph.py; the two texts are compared after collapsing white
space). Any other query is 400 `BadRequest` with an `InvalidQuery` detail, as ARG answers a
query it cannot run.

Request `{"subscriptions": [ids], "query", "options"?: {"$top", "$skipToken", "resultFormat"}}`;
answer `{"totalRecords", "count", "resultTruncated": "false", "$skipToken"?, "data": [rows],
"facets": []}` with `objectArray` rows (the 2021-03-01 default). Pages hold `$top` rows
(default 100, at most 1000, as ARG documents); `$skipToken` is opaque. Rows come from the
emulator's VMs, scale sets and disks of the listed subscriptions, in the query's projection
`{"id", "type" (lower case, as ARG keeps types), "managedBy", "image"}`. Authorization is
`Microsoft.ResourceGraph/resources/read` at each listed subscription (handlers.py); ARG also
leaves out rows the caller may not read, which the emulator does not model.
"""

from __future__ import annotations

import base64
import re
from typing import Any

from sandbox.arm import disks, vms
from sandbox.arm.errors import ArmError
from sandbox.arm.store import Store

ACTION = "Microsoft.ResourceGraph/resources/read"
QUERY = """
Resources
| where type in~ ('microsoft.compute/virtualmachines', 'microsoft.compute/virtualmachinescalesets', 'microsoft.compute/disks')
| extend image = case(
    type =~ 'microsoft.compute/virtualmachines', tostring(properties.storageProfile.imageReference.id),
    type =~ 'microsoft.compute/virtualmachinescalesets', tostring(properties.virtualMachineProfile.storageProfile.imageReference.id),
    tostring(properties.creationData.galleryImageReference.id))
| where isnotempty(image)
| project id, type, managedBy, image
"""  # noqa: E501 (KQL, compared as text)
DEFAULT_TOP = 100
MAX_TOP = 1000


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


class InvalidQuery(ArmError):
    status = 400
    code = "BadRequest"


def subscriptions(body: dict[str, Any]) -> list[str]:
    subs = body.get("subscriptions")
    if not isinstance(subs, list) or not subs or not all(isinstance(s, str) for s in subs):
        raise ArmError(
            "The request needs 'subscriptions': a non-empty list of subscription ids (the "
            "emulator does not resolve tenant-wide or management-group scopes).",
            code="InvalidRequestContent",
        )
    return [s.lower() for s in subs]


def query(store: Store, body: dict[str, Any]) -> dict[str, Any]:
    if _flat(str(body.get("query") or "")) != _flat(QUERY):
        raise InvalidQuery(
            "Please provide below info when asking for support: timestamp, correlationId. "
            "InvalidQuery: the emulator answers only galleryflow's image-in-use query "
            "(sandbox/arm/resource_graph.py)."
        )
    options = body.get("options") or {}
    top = options.get("$top", DEFAULT_TOP)
    if not isinstance(top, int) or not 1 <= top <= MAX_TOP:
        raise ArmError(f"'$top' must be an integer 1..{MAX_TOP}.", code="InvalidParameter")
    if options.get("resultFormat", "objectArray") != "objectArray":
        raise ArmError("The emulator answers resultFormat 'objectArray' only.", code="BadRequest")
    start = _offset(options.get("$skipToken"))
    rows = _rows(store, subscriptions(body))
    page = rows[start : start + top]
    answer: dict[str, Any] = {
        "totalRecords": len(rows),
        "count": len(page),
        "resultTruncated": "false",
        "data": page,
        "facets": [],
    }
    if start + top < len(rows):
        answer["$skipToken"] = base64.b64encode(f"offset:{start + top}".encode()).decode()
    return answer


def _offset(token: Any) -> int:
    if token in (None, ""):
        return 0
    try:
        text = base64.b64decode(str(token)).decode()
        return int(text.removeprefix("offset:"))
    except ValueError:
        raise ArmError("Invalid '$skipToken': pass it on as given.", code="BadRequest") from None


def _rows(store: Store, subs: list[str]) -> list[dict[str, Any]]:
    prefixes = tuple(f"/subscriptions/{s}/" for s in subs)
    rows: list[dict[str, Any]] = []
    for key, record in sorted(store.collection("vms").items()):
        if key.startswith(prefixes):
            body = vms.render_vm(store, record)
            storage = body["properties"].get("storageProfile") or {}
            image = (storage.get("imageReference") or {}).get("id")
            rows.append(_row(body, "microsoft.compute/virtualmachines", "", image))
    for key, record in sorted(store.collection("scale_sets").items()):
        if key.startswith(prefixes):
            body = record["body"]
            profile = body.get("properties", {}).get("virtualMachineProfile") or {}
            image = ((profile.get("storageProfile") or {}).get("imageReference") or {}).get("id")
            rows.append(_row(body, "microsoft.compute/virtualmachinescalesets", "", image))
    for prefix in prefixes:
        for disk in disks.list_disks(store, prefix):
            creation = disk["properties"].get("creationData") or {}
            image = (creation.get("galleryImageReference") or {}).get("id")
            rows.append(_row(disk, "microsoft.compute/disks", disk.get("managedBy") or "", image))
    return [r for r in rows if r["image"]]


def _row(body: dict[str, Any], kind: str, managed_by: str, image: Any) -> dict[str, Any]:
    return {"id": body["id"], "type": kind, "managedBy": managed_by, "image": str(image or "")}
