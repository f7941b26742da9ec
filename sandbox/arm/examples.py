"""Replay the official ARM REST examples against the emulator with a plain HTTPS client.

An example (tests/fixtures/arm-examples, from azure-rest-api-specs) holds an operation's
parameters and its documented answers per status code. `replay` sends that request and
`problems` compares the answer with the documented one: the status must be documented, the
documented headers present, the body an ARM error envelope for errors, and every property path
of the documented body present in the answer. Paths are compared, not values (ids, names and
times differ by nature); array items are merged (`a[].b`), keys under `tags` are free-form.
A path the caller seeded through the control API does not count as produced by the emulator.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES_DIR = REPO_ROOT / "tests" / "fixtures" / "arm-examples"

_SUB = "/subscriptions/{subscriptionId}"
_RG = _SUB + "/resourceGroups/{resourceGroupName}"
_CP = "/providers/Microsoft.Compute"
_GAL = _RG + _CP + "/galleries/{galleryName}"
_IMG = _GAL + "/images/{galleryImageName}"
_VER = _IMG + "/versions/{galleryImageVersionName}"
_VM = _RG + _CP + "/virtualMachines/{vmName}"
_VMSS = _RG + _CP + "/virtualMachineScaleSets/{vmScaleSetName}"

# operationId -> (method, path template, body parameter or None)
OPERATIONS: dict[str, tuple[str, str, str | None]] = {
    "Galleries_CreateOrUpdate": ("PUT", _GAL, "gallery"),
    "Galleries_Get": ("GET", _GAL, None),
    "Galleries_Update": ("PATCH", _GAL, "gallery"),
    "Galleries_Delete": ("DELETE", _GAL, None),
    "Galleries_ListByResourceGroup": ("GET", _RG + _CP + "/galleries", None),
    "Galleries_List": ("GET", _SUB + _CP + "/galleries", None),
    "GalleryImages_CreateOrUpdate": ("PUT", _IMG, "galleryImage"),
    "GalleryImages_Get": ("GET", _IMG, None),
    "GalleryImages_Update": ("PATCH", _IMG, "galleryImage"),
    "GalleryImages_Delete": ("DELETE", _IMG, None),
    "GalleryImages_ListByGallery": ("GET", _GAL + "/images", None),
    "GalleryImageVersions_CreateOrUpdate": ("PUT", _VER, "galleryImageVersion"),
    "GalleryImageVersions_Get": ("GET", _VER, None),
    "GalleryImageVersions_Update": ("PATCH", _VER, "galleryImageVersion"),
    "GalleryImageVersions_Delete": ("DELETE", _VER, None),
    "GalleryImageVersions_ListByGalleryImage": ("GET", _IMG + "/versions", None),
    "VirtualMachines_Get": ("GET", _VM, None),
    "VirtualMachines_InstanceView": ("GET", _VM + "/instanceView", None),
    "VirtualMachines_Deallocate": ("POST", _VM + "/deallocate", None),
    "VirtualMachines_PowerOff": ("POST", _VM + "/powerOff", None),
    "VirtualMachines_Start": ("POST", _VM + "/start", None),
    "VirtualMachines_Generalize": ("POST", _VM + "/generalize", None),
    "VirtualMachines_List": ("GET", _RG + _CP + "/virtualMachines", None),
    "VirtualMachines_ListAll": ("GET", _SUB + _CP + "/virtualMachines", None),
    "VirtualMachineScaleSets_Get": ("GET", _VMSS, None),
    "VirtualMachineScaleSets_List": ("GET", _RG + _CP + "/virtualMachineScaleSets", None),
    "VirtualMachineScaleSets_ListAll": ("GET", _SUB + _CP + "/virtualMachineScaleSets", None),
    "Usage_List": ("GET", _SUB + _CP + "/locations/{location}/usages", None),
}
QUERY = ("api-version", "$expand", "hibernate", "skipShutdown")
_PLACEHOLDER = re.compile(r"\{[A-Za-z-]+\}")


@dataclass(frozen=True)
class Example:
    name: str  # file stem, e.g. "Gallery_Create"
    operation_id: str
    parameters: dict[str, Any]
    responses: dict[str, Any]


def load_examples() -> list[Example]:
    examples = []
    for path in sorted(EXAMPLES_DIR.rglob("*.json")):
        data = json.loads(path.read_text())
        examples.append(
            Example(path.stem, data["operationId"], data["parameters"], data["responses"])
        )
    return examples


def substitute(value: Any, mapping: dict[str, str]) -> Any:
    """`value` with `{placeholder}`s replaced (unknown ones are left as they are)."""
    if isinstance(value, str):
        return _PLACEHOLDER.sub(lambda m: mapping.get(m.group(0), m.group(0)), value)
    if isinstance(value, list):
        return [substitute(v, mapping) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, mapping) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    body: Any


def request_of(example: Example, parameters: dict[str, Any]) -> Request:
    """The example's HTTP request built from (substituted) `parameters`."""
    method, template, body_name = OPERATIONS[example.operation_id]
    path = re.sub(r"\{(\w+)\}", lambda m: str(parameters[m.group(1)]), template)
    query = {k: _query_value(parameters[k]) for k in QUERY if k in parameters}
    return Request(method, path, query, parameters.get(body_name) if body_name else None)


def _query_value(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def replay(
    session: requests.Session, base_url: str, ca_file: str, req: Request
) -> requests.Response:
    # verify per request: REQUESTS_CA_BUNDLE in the environment would override session.verify
    return session.request(
        req.method,
        base_url + req.path,
        params=req.query,
        json=req.body,
        verify=ca_file,
        timeout=30,
    )


def property_paths(node: Any, prefix: str = "") -> set[str]:
    """Every property path in `node` (`a.b`, `a[].b`; keys under `tags` collapse)."""
    paths: set[str] = {prefix} if prefix else set()
    if isinstance(node, dict):
        if prefix.rsplit(".", 1)[-1] == "tags":
            return paths
        for key, value in node.items():
            paths |= property_paths(value, f"{prefix}.{key}" if prefix else key)
    elif isinstance(node, list):
        for item in node:
            paths |= property_paths(item, f"{prefix}[]")
    return paths


def problems(
    example: Example, response: requests.Response, seeded: set[str] | None = None
) -> list[str]:
    """What in `response` differs from the example's documented answer (empty: conforms)."""
    status = str(response.status_code)
    documented = example.responses.get(status)
    if documented is None:
        return [f"status {status} is not documented (documented: {sorted(example.responses)})"]
    found: list[str] = []
    headers = {k.lower() for k in response.headers}
    found += [
        f"header {h} missing" for h in documented.get("headers", {}) if h.lower() not in headers
    ]
    expected = documented.get("body")
    if expected is None:
        return found
    body = response.json() if response.content else None
    produced = property_paths(body) - (seeded or set())
    found += [f"path {p} missing" for p in sorted(property_paths(expected) - produced)]
    state = (expected.get("properties") or {}).get("provisioningState")
    actual = ((body or {}).get("properties") or {}).get("provisioningState")
    if state is not None and str(state).lower() != str(actual).lower():
        found.append(f"provisioningState {actual!r}, documented {state!r}")
    return found


def error_problems(response: requests.Response, status: int) -> list[str]:
    """An error answer must have `status` and the ARM envelope {"error": {"code", "message"}}."""
    found = [] if response.status_code == status else [f"status {response.status_code} != {status}"]
    try:
        error = response.json()["error"]
        if not (isinstance(error["code"], str) and isinstance(error["message"], str)):
            found.append(f"error code/message are not strings: {error}")
    except (ValueError, KeyError, TypeError):
        found.append(f"not an ARM error envelope: {response.text[:200]}")
    return found
