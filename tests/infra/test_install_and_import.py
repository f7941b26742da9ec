"""What Azure runs: requirements.txt installs into a clean Python 3.11 venv, and
function_app.py imports from it and registers the functions galleryflow needs.

The Azure Python worker imports `function_app` from the app root (cwd = app root, which
`azure.durable_functions` relies on to read host.json) and indexes `app.get_functions()`
into function.json bindings. The subprocess below does the same with nothing but the
runtime requirements, from a directory staged with only the files docs/deploy.md packages,
so a runtime import of a dev-only package or of the sandbox fails here.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sandbox.app_copy import copy_parts

REPO = Path(__file__).resolve().parents[2]
WHEELHOUSE = REPO / ".wheelhouse"
# What docs/deploy.md ("Stage only what Azure runs") copies into the package.
PACKAGE = (
    "function_app.py",
    "host.json",
    "requirements.txt",
    "galleryflow",
    "orchestrators",
    "activities",
    "triggers",
)

# Prints {function name: {"trigger": type, "bindings": [...]}} as the worker would index it.
DUMP_FUNCTIONS = """
import json
import function_app
functions = {}
for f in function_app.app.get_functions():
    bindings = json.loads(f.get_function_json())["bindings"]
    functions[f.get_function_name()] = {"trigger": f.get_trigger().type, "bindings": bindings}
print(json.dumps(functions, sort_keys=True))
"""

# Core functions whose names other parts and users depend on (CONTRACTS.md, HTTP API).
CORE_FUNCTIONS = {
    "publish_image": "orchestrationTrigger",
    "rollback_image": "orchestrationTrigger",
    "prune_image": "orchestrationTrigger",
    "api_publish": "httpTrigger",
    "api_rollback": "httpTrigger",
    "api_prune": "httpTrigger",
    "api_health": "httpTrigger",
    "api_devops_task": "httpTrigger",
    "api_devops_hook": "httpTrigger",
    "nightly_rebuild": "timerTrigger",
}


def python311() -> str:
    found = shutil.which("python3.11")
    if found:
        return found
    assert sys.version_info[:2] == (3, 11), "Python 3.11 is what Azure runs; none found here"
    return sys.executable


def dump_functions(python: str, app_root: Path = REPO) -> dict[str, Any]:
    """Index function_app with `python`, from `app_root`, with a minimal environment."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(Path.home()), "PYTHONNOUSERSITE": "1"}
    done = subprocess.run(
        [python, "-c", DUMP_FUNCTIONS],
        cwd=app_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"importing function_app failed:\n{done.stderr[-4000:]}"
    functions: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return functions


@pytest.fixture(scope="module")
def clean_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("azure-venv") / "venv"
    subprocess.run([python311(), "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    # Offline, from the wheels `make bootstrap` downloaded: tests only talk to 127.0.0.1.
    assert (WHEELHOUSE / ".downloaded").exists(), (
        f"{WHEELHOUSE} is missing: run `make bootstrap` (it downloads the runtime wheels)"
    )
    # The project's pip installs into the clean venv (`--python`); nothing else is in it.
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-index",
            "--find-links",
            str(WHEELHOUSE),
            "-r",
            str(REPO / "requirements.txt"),
        ],
        capture_output=True,
        text=True,
        timeout=540,
        check=False,
    )
    assert install.returncode == 0, f"pip install -r requirements.txt failed:\n{install.stderr}"
    return python


@pytest.fixture(scope="module")
def staged_app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_parts(tmp_path_factory.mktemp("wwwroot"), PACKAGE)


def test_clean_venv_is_python_311_with_only_the_runtime_requirements(clean_venv: Path) -> None:
    version = subprocess.run(
        [str(clean_venv), "-c", "import sys; print(sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert version.stdout.strip() == "(3, 11)"
    for dev_only in ("pytest", "typer", "rich", "trustme"):
        probe = subprocess.run(
            [str(clean_venv), "-c", f"import {dev_only}"], capture_output=True, check=False
        )
        assert probe.returncode != 0, f"{dev_only} leaked into the runtime venv"


def test_function_app_registers_the_same_functions_from_the_runtime_requirements(
    clean_venv: Path, staged_app: Path
) -> None:
    deployed = dump_functions(str(clean_venv), staged_app)
    developed = dump_functions(sys.executable)
    assert deployed == developed, "function_app registers differently with only requirements.txt"
    triggers = {name: f["trigger"] for name, f in deployed.items()}
    for name, trigger in CORE_FUNCTIONS.items():
        assert triggers.get(name) == trigger, f"{name} should be registered as a {trigger}"
    # Every activity and orchestration is reachable: each function has exactly one trigger.
    for name, function in deployed.items():
        trigger_bindings = [b for b in function["bindings"] if b["type"].endswith("Trigger")]
        assert len(trigger_bindings) == 1, f"{name} has {len(trigger_bindings)} triggers"


def test_app_setting_placeholders_in_bindings_are_set_by_the_bicep() -> None:
    """A binding like `schedule: %GALLERYFLOW_NIGHTLY_SCHEDULE%` fails the host at start in
    Azure unless the deployment sets that app setting."""
    functions = dump_functions(sys.executable)
    placeholders = {
        match
        for function in functions.values()
        for binding in function["bindings"]
        for value in binding.values()
        if isinstance(value, str)
        for match in re.findall(r"%([A-Za-z0-9_]+)%", value)
    }
    bicep = "\n".join(p.read_text() for p in sorted((REPO / "infra").rglob("*.bicep")))
    set_by_bicep = set(re.findall(r"name: '([A-Za-z0-9_]+)'", bicep))
    # CONTRACTS.md: the nightly timer reads its schedule from this setting.
    assert "GALLERYFLOW_NIGHTLY_SCHEDULE" in placeholders
    missing = placeholders - set_by_bicep
    assert not missing, f"bindings use app settings the Bicep never sets: {sorted(missing)}"


def test_host_json_is_what_azure_needs() -> None:
    host = json.loads((REPO / "host.json").read_text())
    assert host["version"] == "2.0"
    bundle = host["extensionBundle"]
    assert bundle["id"] == "Microsoft.Azure.Functions.ExtensionBundle"
    # Bundle 4.x carries Durable Functions 2.x with identity-based storage connections.
    assert re.fullmatch(r"\[4\.\*, 5\.0\.0\)", bundle["version"]), bundle["version"]
    hub = host["extensions"]["durableTask"]["hubName"]
    # Task hub names: 3-45 chars, letters and digits, starting with a letter.
    assert re.fullmatch(r"[A-Za-z][A-Za-z0-9]{2,44}", hub), hub
    assert hub == "galleryflow"
    assert host["extensions"]["http"]["routePrefix"] == "api"
