"""The custom roles in infra/ grant exactly what galleryflow's gateway declares it does."""

from __future__ import annotations

import json
import re
from pathlib import Path

from galleryflow.azure.actions import ARM_ACTIONS

INFRA = Path(__file__).resolve().parents[2] / "infra"
ROLE_FILE = INFRA / "role-actions.json"


def role_file() -> dict[str, list[str]]:
    data: dict[str, list[str]] = json.loads(ROLE_FILE.read_text())
    return data


def test_publisher_role_actions_are_exactly_the_gateway_actions() -> None:
    actions = role_file()["actions"]
    assert len(actions) == len(set(actions)), "duplicate actions in infra/role-actions.json"
    missing = sorted(ARM_ACTIONS - set(actions))
    extra = sorted(set(actions) - ARM_ACTIONS)
    assert not missing and not extra, (
        f"infra/role-actions.json is out of date: missing {missing}, extra {extra}. "
        f'Set "actions" to {json.dumps(sorted(ARM_ACTIONS))}'
    )
    assert actions == sorted(actions), "keep the actions sorted so diffs stay readable"


def test_subscription_scope_role_only_reads_what_the_gateway_declares() -> None:
    reads = role_file()["subscriptionScopeActions"]
    assert reads, "quota usages and image-in-use lookups are subscription-scope calls"
    assert set(reads) <= ARM_ACTIONS, sorted(set(reads) - ARM_ACTIONS)
    not_reads = [a for a in reads if not a.endswith("/read")]
    assert not not_reads, f"the subscription-wide role must stay read-only: {not_reads}"


def test_lro_polling_role_only_reads_operation_status() -> None:
    # azure-core's pollers GET .../providers/Microsoft.Compute/locations/<r>/operations/<id>;
    # the gateway never names that call, so it is not in ARM_ACTIONS.
    assert role_file()["lroPollingActions"] == ["Microsoft.Compute/locations/operations/read"]


def test_bicep_takes_role_actions_from_the_json_file_only() -> None:
    module = (INFRA / "modules" / "role-definition.bicep").read_text()
    for key in ("actions", "subscriptionScopeActions", "lroPollingActions"):
        assert f"loadJsonContent('../role-actions.json', '$.{key}')" in module, key
    # No action strings written inline anywhere in the Bicep (they would escape the test).
    inline = re.compile(r"'Microsoft\.[A-Za-z]+/[A-Za-z/]+/(read|write|delete|action)'")
    for path in INFRA.rglob("*.bicep"):
        found = inline.findall(path.read_text())
        assert not found, f"{path.name} declares ARM actions inline: {found}"
