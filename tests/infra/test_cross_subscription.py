"""Static checks that source VMs in another subscription than the gallery get what they need
there: the subscription role (subscription-scope reads and long-running-operation status
polls, e.g. of a source VM's deallocate) is assignable in and assigned to both subscriptions.
"""

from __future__ import annotations

import re
from pathlib import Path

INFRA = Path(__file__).resolve().parents[2] / "infra"
MAIN = (INFRA / "main.bicep").read_text()


def block(text: str, header: str) -> str:
    """The text of the top-level declaration starting with `header` (up to the next one)."""
    start = text.index(header)
    following = re.search(r"^(module|resource|var|param|output) ", text[start + 1 :], re.M)
    return text[start : start + 1 + following.start()] if following else text[start:]


def accessed_subscriptions_var() -> str:
    found = [
        match.group(1)
        for match in re.finditer(r"^var (\w+) = union\((.+)\)$", MAIN, re.MULTILINE)
        if "gallerySubscriptionId" in match.group(2) and "sourceVmSubscriptionId" in match.group(2)
    ]
    assert len(found) == 1, "expected one `var <name> = union([gallery sub], [source VM sub])`"
    return found[0]


def test_source_vm_subscription_may_differ_from_the_gallerys() -> None:
    assert "param sourceVmSubscriptionId string = gallerySubscriptionId" in MAIN


def test_subscription_access_is_deployed_to_every_accessed_subscription() -> None:
    subscriptions = accessed_subscriptions_var()
    module = block(MAIN, "module subscriptionAccess ")
    loop = re.search(r"for \((\w+), \w+\) in (\w+):", module)
    assert loop, f"subscriptionAccess must loop over the subscriptions:\n{module}"
    variable, iterated = loop.groups()
    assert iterated == subscriptions
    assert f"scope: subscription({variable})" in module
    # Named by GUID: each subscription names the tenant-wide role by its own path.
    assert "roleDefinitionName: role.outputs.subscriptionReaderRoleName" in module


def test_subscription_role_is_assignable_in_every_accessed_subscription() -> None:
    subscriptions = accessed_subscriptions_var()
    role = block(MAIN, "module role ")
    assert (
        f"subscriptionAssignableScopes: [for s in {subscriptions}: '/subscriptions/${{s}}']" in role
    )
    definition = (INFRA / "modules" / "role-definition.bicep").read_text()
    reader = block(definition, "resource subscriptionReader ")
    assert "assignableScopes: subscriptionAssignableScopes" in reader
    assert "subscription().id\n" not in reader.split("assignableScopes", 1)[1]
    assert "output subscriptionReaderRoleName string = subscriptionReader.name" in definition


def test_the_assignment_names_the_role_in_its_own_subscription() -> None:
    access = (INFRA / "modules" / "subscription-access.bicep").read_text()
    assert "targetScope = 'subscription'" in access
    assert (
        "subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionName)"
        in access
    )


def test_publisher_role_covers_source_groups_in_the_vm_subscription() -> None:
    assert "subscriptionId: sourceVmSubscriptionId" in block(MAIN, "var sourceScopes ")
    access = block(MAIN, "module access ")
    assert "scope: resourceGroup(s.subscriptionId, s.resourceGroup)" in access


def test_mirror_galleries_get_the_gallery_role_and_the_subscription_role() -> None:
    """#14 mirrors: a mirror gallery (maybe in another subscription) is written like the
    primary (copy, region PATCHes, prune), so its group gets the publisher role and its
    subscription the subscription-reads role (operation polls)."""
    assert "param mirrorGalleryScopes array = []" in MAIN
    assert "var accessScopes = union([galleryScope], sourceScopes, mirrorScopes)" in MAIN
    mirrors = block(MAIN, "var mirrorSubscriptions ")
    assert "for m in mirrorGalleryScopes: toLower(m.subscriptionId)" in mirrors
    subscriptions = accessed_subscriptions_var()
    assert re.search(rf"^var {subscriptions} = union\(.*mirrorSubscriptions\)$", MAIN, re.M)
