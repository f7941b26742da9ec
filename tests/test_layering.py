"""Layering: the gateway is the only product code that talks to Azure services, and the
layers import only downwards (FORBIDDEN below).

orchestrators/, activities/, triggers/, function_app.py and galleryflow/ outside
galleryflow/azure may import the Functions programming model (azure.functions,
azure.durable_functions) but no Azure service SDK. The sandbox is exempt: it emulates Azure
and drives the real SDKs on purpose.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PRODUCT = ["function_app.py", "orchestrators", "activities", "triggers", "galleryflow"]
GATEWAY = REPO / "galleryflow" / "azure"
PROGRAMMING_MODEL = ("azure.functions", "azure.durable_functions")


def _imported_modules(source: Path) -> list[str]:
    """Absolute imports of a file; `from azure import x` counts as `azure.x`."""
    tree = ast.parse(source.read_text(), filename=str(source))
    modules: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.extend(
                f"{node.module}.{alias.name}" if node.module == "azure" else node.module
                for alias in node.names
            )
    return modules


def _azure_service_imports(source: Path) -> list[str]:
    return [
        m
        for m in _imported_modules(source)
        if m.split(".")[0] == "azure"
        and not any(m == p or m.startswith(p + ".") for p in PROGRAMMING_MODEL)
    ]


def _product_files() -> list[Path]:
    files: list[Path] = []
    for entry in PRODUCT:
        path = REPO / entry
        files.extend([path] if path.is_file() else sorted(path.rglob("*.py")))
    return files


# The operator command's own sign-in (`--token-scope`): azure-identity on the operator's
# machine, an optional extra of the CLI package, never loaded by the Function App.
OPERATOR_SIGN_IN = REPO / "galleryflow" / "cli" / "entra.py"


def _product_sources() -> list[Path]:
    return [f for f in _product_files() if GATEWAY not in f.parents and f != OPERATOR_SIGN_IN]


def test_only_the_gateway_imports_azure_service_sdks() -> None:
    sources = _product_sources()
    assert len(sources) > 20, "product sources not found"
    offenders = {
        str(f.relative_to(REPO)): found for f in sources if (found := _azure_service_imports(f))
    }
    assert offenders == {}


def test_the_check_tells_service_sdks_from_the_programming_model(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import azure.functions as func\n"
        "import azure.durable_functions as df\n"
        "from azure import functions\n"
        "from azure.mgmt.compute import ComputeManagementClient\n"
        "from azure import identity\n"
        "import azure.storage.queue\n"
    )
    assert _azure_service_imports(sample) == [
        "azure.mgmt.compute",
        "azure.identity",
        "azure.storage.queue",
    ]


# Import directions (docs/CONTRACTS.md "Layers"): importer prefix -> forbidden prefixes.
# triggers/, orchestrators/ and activities/ meet only through galleryflow.durable (names,
# failures, LIVE); galleryflow/ never imports the function modules; the HTTP helpers in
# galleryflow.api do no Azure I/O; the domain stays pure (no I/O package, no settings).
FORBIDDEN = {
    "activities": ("orchestrators", "triggers"),
    "orchestrators": ("activities", "triggers"),
    "triggers": ("orchestrators", "activities"),
    "galleryflow": ("orchestrators", "activities", "triggers", "function_app"),
    "galleryflow.api": ("galleryflow.azure",),
    "galleryflow.domain": (
        *("galleryflow.azure", "galleryflow.api", "galleryflow.devops", "galleryflow.settings"),
        *("azure", "requests", "urllib3", "aiohttp", "httpx", "socket", "subprocess", "os"),
    ),
    "galleryflow.devops": ("galleryflow.azure", "galleryflow.api"),
    "galleryflow.durable": ("galleryflow.azure", "galleryflow.api", "galleryflow.devops"),
    "galleryflow.identity": (
        "galleryflow.azure",
        "galleryflow.api",
        "galleryflow.devops",
        "galleryflow.durable",
    ),
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def layering_offences(module: str, imported: list[str]) -> list[str]:
    offences = []
    for importer, forbidden in FORBIDDEN.items():
        if not _within(module, importer):
            continue
        offences.extend(
            f"{module} -> {m}" for m in imported if any(_within(m, f) for f in forbidden)
        )
    return offences


def test_layers_import_only_downwards() -> None:
    files = _product_files()
    offences = [
        offence
        for f in files
        for offence in layering_offences(_module_name(f), _imported_modules(f))
    ]
    assert offences == []


def test_the_layering_check_catches_sideways_imports() -> None:
    assert layering_offences("activities.guard", ["orchestrators.failures"]) == [
        "activities.guard -> orchestrators.failures"
    ]
    assert layering_offences("triggers.devops_task", ["orchestrators.devops_callback"])
    assert layering_offences("galleryflow.api.inventory", ["galleryflow.azure.compute"])
    assert layering_offences("galleryflow.api.runs", ["galleryflow.durable.names"]) == []
    assert layering_offences("activities.guard", ["galleryflow.durable.failures"]) == []
    assert layering_offences("galleryflow.domain.x", ["azure.identity", "requests"]) == [
        "galleryflow.domain.x -> azure.identity",
        "galleryflow.domain.x -> requests",
    ]


MAX_PRODUCT_LINES = 400


def test_product_files_are_at_most_400_lines() -> None:
    files = _product_files()
    too_long = {
        str(f.relative_to(REPO)): n
        for f in files
        if (n := len(f.read_text().splitlines())) > MAX_PRODUCT_LINES
    }
    assert too_long == {}
