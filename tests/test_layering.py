"""The gateway is the only product code that talks to Azure services.

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


def _azure_service_imports(source: Path) -> list[str]:
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
    return [
        m
        for m in modules
        if m.split(".")[0] == "azure"
        and not any(m == p or m.startswith(p + ".") for p in PROGRAMMING_MODEL)
    ]


def _product_sources() -> list[Path]:
    files: list[Path] = []
    for entry in PRODUCT:
        path = REPO / entry
        files.extend([path] if path.is_file() else sorted(path.rglob("*.py")))
    return [f for f in files if GATEWAY not in f.parents]


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
