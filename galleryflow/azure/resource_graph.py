"""Images in use through Azure Resource Graph (GALLERYFLOW_INUSE_RESOURCE_GRAPH): ONE query
over the subscriptions asked for, reading what inuse.py reads from the lists (a VM's and a
scale set's image reference, a disk's `creationData.galleryImageReference.id`), a page of
up to 1000 rows at a time (`$skipToken`). Resources_Resources, api-version 2021-03-01
(azure-mgmt-resourcegraph 8.0); needs `Microsoft.ResourceGraph/resources/read` at each
subscription, and Resource Graph returns only resources the caller may read there, so the
subscription-reads role (VM, scale set and disk reads) stays needed.
"""

from __future__ import annotations

from typing import Any

from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions

from galleryflow.azure import actions as a
from galleryflow.azure._arm import azure_call
from galleryflow.azure.clients import resource_graph_client
from galleryflow.azure.inuse import count_users

# The emulator answers exactly this text (sandbox/arm/resource_graph.py; a test compares).
QUERY = """
Resources
| where type in~ ('microsoft.compute/virtualmachines', 'microsoft.compute/virtualmachinescalesets', 'microsoft.compute/disks')
| extend image = case(
    type =~ 'microsoft.compute/virtualmachines', tostring(properties.storageProfile.imageReference.id),
    type =~ 'microsoft.compute/virtualmachinescalesets', tostring(properties.virtualMachineProfile.storageProfile.imageReference.id),
    tostring(properties.creationData.galleryImageReference.id))
| where isnotempty(image)
| project id, type, managedBy, image
"""  # noqa: E501 (KQL)
PAGE = 1000  # Resource Graph's largest page ($top)


@a.requires(a.RESOURCE_GRAPH_READ)
def count_image_references_graph(subscriptions: list[str]) -> dict[str, int]:
    """As inuse.count_image_references, over all `subscriptions` in one query."""
    client = resource_graph_client()
    uses: list[tuple[str, str]] = []
    token: str | None = None
    with azure_call("/providers/Microsoft.ResourceGraph/resources"):
        while True:
            options = QueryRequestOptions(top=PAGE, skip_token=token, result_format="objectArray")
            answer = client.resources(
                QueryRequest(subscriptions=list(subscriptions), query=QUERY, options=options)
            )
            for row in _rows(answer.data):
                user = row.get("managedBy") or row.get("id")
                if row.get("image") and user:
                    uses.append((str(row["image"]), str(user)))
            token = answer.skip_token
            if not token:
                return count_users(uses)


def _rows(data: Any) -> list[dict[str, Any]]:
    return [r for r in data if isinstance(r, dict)] if isinstance(data, list) else []
