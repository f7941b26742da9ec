"""The `galleryflow` command as an operator installs it: `pip install .` into a clean venv
(offline, from the wheels `make bootstrap` downloads) gives a working command with only
typer, rich and requests, which talks to the sandbox host; `.[ui]` adds the dashboard.
The command's packages never import the sandbox or the Function App's code."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox.stack import Stack

REPO = Path(__file__).resolve().parents[2]
WHEELHOUSE = REPO / ".wheelhouse"
PACKAGES = ("galleryflow/cli", "galleryflow/ui")
# What the installed command may import from this repository: itself only.
FORBIDDEN = ("sandbox", "orchestrators", "activities", "triggers", "function_app", "azure")
FORBIDDEN_GALLERYFLOW = ("galleryflow.domain", "galleryflow.azure", "galleryflow.api")
# The optional `[entra]` extra (`--token-scope`): azure-identity, imported only when used.
OPTIONAL_IMPORTS = {"galleryflow/cli/entra.py": ("azure.identity", "azure.core.exceptions")}


def imported_modules(source: Path) -> list[str]:
    tree = ast.parse(source.read_text(), filename=str(source))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return found


def test_the_command_imports_nothing_of_the_sandbox_or_the_function_app() -> None:
    offenders = {}
    for package in PACKAGES:
        for source in sorted((REPO / package).rglob("*.py")):
            allowed = OPTIONAL_IMPORTS.get(str(source.relative_to(REPO)), ())
            bad = [
                m
                for m in imported_modules(source)
                if m not in allowed
                and (
                    m.split(".")[0] in FORBIDDEN
                    or any(m == f or m.startswith(f + ".") for f in FORBIDDEN_GALLERYFLOW)
                )
            ]
            if bad:
                offenders[str(source.relative_to(REPO))] = bad
    assert offenders == {}


def run(
    *args: str | Path, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=env,
        cwd="/",  # not the repository: nothing of it is importable by accident
    )


def pip_install(venv: Path, target: str) -> None:
    """Offline from the wheelhouse: tests only talk to 127.0.0.1."""
    done = run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        venv / "bin" / "python",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-index",
        "--find-links",
        WHEELHOUSE,
        target,
    )
    assert done.returncode == 0, f"pip install {target} failed:\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def source_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of what `pip install .` reads, so the build leaves the work tree clean."""
    root = tmp_path_factory.mktemp("source")
    shutil.copy2(REPO / "pyproject.toml", root / "pyproject.toml")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO / "galleryflow", root / "galleryflow", ignore=ignore)
    return root


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory, source_tree: Path) -> Path:
    deps = (REPO / "pyproject.toml").read_text()
    assert "typer" in deps and (WHEELHOUSE / ".downloaded").exists(), (
        f"{WHEELHOUSE} is missing: run `make bootstrap` (it downloads the wheels)"
    )
    path = tmp_path_factory.mktemp("operator") / "venv"
    created = run(sys.executable, "-m", "venv", "--without-pip", path, timeout=120)
    assert created.returncode == 0, created.stderr
    pip_install(path, str(source_tree))
    return path


def clean_env(stack: Stack | None = None) -> dict[str, str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp"), "COLUMNS": "200"}
    if stack is not None:
        env["GALLERYFLOW_URL"] = stack.host.url
        env["GALLERYFLOW_KEY"] = stack.keys["functionKeys"]["default"]
    return env


@pytest.mark.slow
@pytest.mark.long
def test_pip_install_dot_gives_a_galleryflow_command_that_talks_to_the_app(
    venv: Path, sandbox_stack: Stack
) -> None:
    command = venv / "bin" / "galleryflow"
    helped = run(command, "--help", env=clean_env())
    assert helped.returncode == 0, helped.stderr
    for word in ("publish", "runs", "rollback", "prune", "versions", "ui", "--install-completion"):
        assert word in helped.stdout, word
    # Only the command's own dependencies: none of the Function App's.
    for absent in ("azure.functions", "azure.mgmt.compute", "starlette", "sandbox"):
        probe = run(venv / "bin" / "python", "-c", f"import {absent}", env=clean_env())
        assert probe.returncode != 0, f"{absent} is importable from a plain `pip install .`"

    # --token-scope without the [entra] extra: a clear refusal naming the extra.
    scope = ("--token-scope", "api://x/.default")
    unsigned = run(command, *scope, "runs", "list", "--url", "http://127.0.0.1:9", env=clean_env())
    assert unsigned.returncode == 1 and "galleryflow[entra]" in unsigned.stdout + unsigned.stderr

    sandbox_stack.seed_demo()
    listed = run(command, "runs", "list", "--json", env=clean_env(sandbox_stack))
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == []
    versions = run(
        command,
        "versions",
        "--gallery-rg",
        "rg-images",
        "--gallery",
        "galDemo",
        "--definition",
        "ubuntu-golden",
        env=clean_env(sandbox_stack),
    )
    assert versions.returncode == 0 and "latest per region" in versions.stdout, versions.stderr
    bad_key = run(command, "runs", "list", env={**clean_env(sandbox_stack), "GALLERYFLOW_KEY": "x"})
    assert bad_key.returncode == 1 and "error (Unauthorized)" in bad_key.stderr

    no_ui = run(command, "ui", env=clean_env(sandbox_stack))
    assert no_ui.returncode == 1 and "pip install 'galleryflow[ui]'" in no_ui.stderr
    assert "Traceback" not in no_ui.stderr

    # The dashboard ships with it (templates, static files) and `[ui]` names its pins; the
    # dashboard itself is tested in tests/ui/ (make bootstrap installs `.[ui]` editable).
    shipped = run(
        venv / "bin" / "python",
        "-c",
        "import importlib.metadata as m, json; d = m.distribution('galleryflow'); "
        "print(json.dumps([d.requires, [str(f) for f in d.files]]))",
        env=clean_env(),
    )
    requires, files = json.loads(shipped.stdout)
    assert {"galleryflow/ui/templates/run.html", "galleryflow/ui/static/live.js"} <= set(files)
    assert 'starlette==1.10.0; extra == "ui"' in requires
    assert not any(f.startswith(("sandbox/", "triggers/", "galleryflow/domain/")) for f in files)
