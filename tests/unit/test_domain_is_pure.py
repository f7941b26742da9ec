"""galleryflow/domain imports nothing from azure.* (nor other I/O-heavy packages)."""

from __future__ import annotations

import ast
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[2] / "galleryflow" / "domain"
FORBIDDEN_ROOTS = {"azure", "requests", "urllib3", "aiohttp", "httpx", "socket", "subprocess"}


def imported_modules(source: Path) -> list[str]:
    tree = ast.parse(source.read_text(), filename=str(source))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return found


def test_domain_sources_import_no_azure() -> None:
    sources = sorted(DOMAIN.rglob("*.py"))
    assert len(sources) >= 5, "the domain package was not found"
    offenders = [
        f"{path.relative_to(DOMAIN)}: {module}"
        for path in sources
        for module in imported_modules(path)
        if module.split(".")[0] in FORBIDDEN_ROOTS
    ]
    assert offenders == []


def test_the_check_sees_azure_imports(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import os\nfrom azure.mgmt import compute\nimport azure.identity as i\n")
    assert [m for m in imported_modules(sample) if m.split(".")[0] == "azure"] == [
        "azure.mgmt",
        "azure.identity",
    ]
