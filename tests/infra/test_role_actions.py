"""The custom roles in infra/ grant exactly what galleryflow's gateway declares it does."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from galleryflow.azure.actions import (
    ARM_ACTIONS,
    LRO_POLL,
    RESOURCE_GROUP,
    SUBSCRIPTION,
    actions_at,
)

INFRA = Path(__file__).resolve().parents[2] / "infra"
ROLE_FILE = INFRA / "role-actions.json"
# role-actions.json key -> the scope whose declared actions it must hold exactly.
ROLE_KEYS = {"actions": RESOURCE_GROUP, "subscriptionScopeActions": SUBSCRIPTION}


def role_file() -> dict[str, list[str]]:
    data: dict[str, list[str]] = json.loads(ROLE_FILE.read_text())
    return data


@pytest.mark.parametrize(("key", "scope"), sorted(ROLE_KEYS.items()))
def test_each_role_holds_exactly_the_actions_declared_at_its_scope(key: str, scope: str) -> None:
    actions = role_file()[key]
    assert len(actions) == len(set(actions)), f"duplicate actions in {key}"
    declared = actions_at(scope)
    missing = sorted(declared - set(actions))
    extra = sorted(set(actions) - declared)
    assert not missing and not extra, (
        f"infra/role-actions.json {key} is out of date: missing {missing}, extra {extra}. "
        f'Set "{key}" to {json.dumps(sorted(declared))}'
    )
    assert actions == sorted(actions), "keep the actions sorted so diffs stay readable"


def test_the_roles_together_are_every_declared_action_and_nothing_else() -> None:
    data = role_file()
    assert set(data) - {"_comment"} == set(ROLE_KEYS), "one key per role, no exempt extras"
    granted = set().union(*(data[key] for key in ROLE_KEYS))
    assert granted == ARM_ACTIONS
    # Operation-status polls are declared like any other action, at subscription scope.
    assert LRO_POLL in data["subscriptionScopeActions"]
    assert LRO_POLL not in data["actions"]


def test_subscription_scope_role_is_read_only() -> None:
    reads = role_file()["subscriptionScopeActions"]
    assert reads, "quota usages and image-in-use lookups are subscription-scope calls"
    not_reads = [a for a in reads if not a.endswith("/read")]
    assert not not_reads, f"the subscription-wide role must stay read-only: {not_reads}"


def test_bicep_takes_role_actions_from_the_json_file_only() -> None:
    module = (INFRA / "modules" / "role-definition.bicep").read_text()
    for key in ROLE_KEYS:
        assert f"loadJsonContent('../role-actions.json', '$.{key}')" in module, key
    # No action strings written inline anywhere in the Bicep (they would escape the test).
    inline = re.compile(r"'Microsoft\.[A-Za-z]+/[A-Za-z/]+/(read|write|delete|action)'")
    for path in INFRA.rglob("*.bicep"):
        found = inline.findall(path.read_text())
        assert not found, f"{path.name} declares ARM actions inline: {found}"
