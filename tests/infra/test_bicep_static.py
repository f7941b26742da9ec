"""Static checks of infra/*.bicep that checkov does not make: parameters, app settings
against docs/CONTRACTS.md, no secrets, tags on every taggable resource."""

from __future__ import annotations

import json
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
INFRA = REPO / "infra"

# Settings that only make sense in the sandbox (docs/CONTRACTS.md) and must never reach Azure.
SANDBOX_ONLY = {
    "GALLERYFLOW_ARM_CA_BUNDLE",
    "GALLERYFLOW_ARM_STATIC_TOKEN",
    "GALLERYFLOW_DEVOPS_CA_BUNDLE",
    "GALLERYFLOW_EVENTS_CONNECTION_STRING",
}
# Child and extension resources carry no tags of their own in ARM.
UNTAGGED_TYPES = {
    "Microsoft.Authorization/roleAssignments",
    "Microsoft.Authorization/roleDefinitions",
    "Microsoft.Authorization/locks",
    "Microsoft.Storage/storageAccounts/blobServices",
    "Microsoft.Storage/storageAccounts/blobServices/containers",
    "Microsoft.Storage/storageAccounts/queueServices",
    "Microsoft.Storage/storageAccounts/queueServices/queues",
    "Microsoft.Web/sites/basicPublishingCredentialsPolicies",
    "Microsoft.Web/sites/config",
}
RESOURCE = re.compile(r"^resource (\w+) '([^@']+)@[^']+' (existing )?=", re.MULTILINE)


def bicep_files() -> list[Path]:
    files = sorted(INFRA.rglob("*.bicep"))
    assert files, "no Bicep under infra/"
    return files


def params_of(text: str) -> dict[str, bool]:
    """Parameter name -> has a default value."""
    return {
        m.group(1): m.group(2) is not None
        for m in re.finditer(r"^param (\w+) \w+( = .+)?$", text, re.MULTILINE)
    }


def settings_set_by_bicep() -> dict[str, str]:
    text = "\n".join(p.read_text() for p in bicep_files())
    return dict(re.findall(r"\{ name: '([A-Za-z0-9_]+)', value: (.+?) \}", text))


def test_parameters_example_matches_main_bicep() -> None:
    main = (INFRA / "main.bicep").read_text()
    params = params_of(main)
    secure = set(re.findall(r"@secure\(\)\n(?:@.*\n)*param (\w+)", main))
    example = json.loads((INFRA / "main.parameters.example.json").read_text())["parameters"]
    unknown = set(example) - set(params)
    assert not unknown, f"example sets parameters main.bicep does not have: {sorted(unknown)}"
    required = {name for name, has_default in params.items() if not has_default}
    missing = required - secure - set(example)
    assert not missing, f"example lacks required parameters: {sorted(missing)}"
    leaked = secure & set(example)
    assert not leaked, f"secrets belong on the command line, not in the example: {leaked}"


def test_app_settings_are_the_documented_ones_and_never_sandbox_only() -> None:
    settings = settings_set_by_bicep()
    documented = set(
        re.findall(r"`(GALLERYFLOW_[A-Z0-9_]+)`", (REPO / "docs/CONTRACTS.md").read_text())
    )
    ours = {name for name in settings if name.startswith("GALLERYFLOW_")}
    assert ours - documented == set(), f"settings galleryflow never reads: {ours - documented}"
    assert not ours & SANDBOX_ONLY, f"sandbox-only settings in the Bicep: {ours & SANDBOX_ONLY}"
    for needed in (
        "AZURE_CLIENT_ID",
        "GALLERYFLOW_SUBSCRIPTION_ID",
        "GALLERYFLOW_EVENTS_QUEUE",
        "GALLERYFLOW_EVENTS_QUEUE_SERVICE_URI",
        "GALLERYFLOW_NIGHTLY_SCHEDULE",
        "GALLERYFLOW_DEVOPS_ALLOWED_HOSTS",
        "GALLERYFLOW_DEVOPS_HOOK_SECRET",
        "GALLERYFLOW_PIPELINES_FILE",
        "AzureWebJobsStorage__credential",
        "AzureWebJobsStorage__clientId",
    ):
        assert needed in settings, f"the Bicep does not set {needed}"
    assert settings["AzureWebJobsStorage__credential"] == "'managedidentity'"
    assert settings["GALLERYFLOW_DEVOPS_HOOK_SECRET"].startswith("'@Microsoft.KeyVault(SecretUri=")


def test_no_keys_or_connection_strings_with_secrets() -> None:
    for path in bicep_files():
        text = path.read_text()
        for secretish in ("listKeys(", "AccountKey=", "SharedAccessSignature", "listSecrets("):
            assert secretish not in text, f"{path.name} handles a key: {secretish}"
    storage = (INFRA / "modules" / "storage.bicep").read_text()
    assert "allowSharedKeyAccess: false" in storage


def test_every_taggable_resource_is_tagged() -> None:
    untagged = []
    for path in bicep_files():
        text = path.read_text()
        matches = list(RESOURCE.finditer(text))
        for i, match in enumerate(matches):
            name, rtype, existing = match.groups()
            if existing or rtype in UNTAGGED_TYPES:
                continue
            end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
            if not re.search(r"^\s+tags: \w+", text[match.start() : end], re.MULTILINE):
                untagged.append(f"{path.name}:{name} ({rtype})")
    assert not untagged, f"resources without tags: {untagged}"


def test_easy_auth_lets_through_exactly_the_key_and_anonymous_routes() -> None:
    """Easy Auth's excluded paths are the routes that never take a person's token: the
    anonymous health probe and the machine (function-key) routes, as the code declares."""
    from galleryflow.api.openapi import build_openapi
    from triggers.auth import REQUIRED_ROLES

    main = (INFRA / "main.bicep").read_text()
    block = re.search(r"excludedPaths: \[(.*?)\]", main, re.DOTALL)
    assert block, "main.bicep passes no excludedPaths to the Easy Auth module"
    excluded = set(re.findall(r"'(/api/[^']+)'", block.group(1)))
    paths = {
        op["operationId"]: path
        for path, item in build_openapi()["paths"].items()
        for op in item.values()
    }
    expected = {
        paths[name]
        for name, access in REQUIRED_ROLES.items()
        if access.callers == "machines" or access.describe() == "anonymous"
    }
    assert excluded == expected
    settings = settings_set_by_bicep()
    assert settings["GALLERYFLOW_EASY_AUTH"] == "empty(entraClientId) ? 'false' : 'true'"
    easyauth = (INFRA / "modules" / "easyauth.bicep").read_text()
    assert "unauthenticatedClientAction: 'Return401'" in easyauth
    assert "requireAuthentication: true" in easyauth
