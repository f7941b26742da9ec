"""A copy of the function app with another orchestration version in host.json: what a
deploy would ship (tests/orchestration/test_safe_deploy.py) or what an older release ran
(benchmarks/mirror_start.py's 1.0 baseline). `Stack.restart_host(app_dir=...)` runs it."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from pathlib import Path

from sandbox.process import REPO_ROOT

APP_PARTS = (
    "function_app.py",
    "host.json",
    "galleryflow",
    "orchestrators",
    "activities",
    "triggers",
)


def copy_parts(target: Path, parts: Iterable[str]) -> Path:
    """The repository's `parts` (files and folders, without __pycache__) under `target`."""
    target.mkdir(parents=True, exist_ok=True)
    for part in parts:
        source = REPO_ROOT / part
        if source.is_dir():
            shutil.copytree(source, target / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target / part)
    return target


def copy_app(target: Path, version: str) -> Path:
    """A copy of the app under `target` with host.json's defaultVersion `version`."""
    copy_parts(target, APP_PARTS)
    host_json = json.loads((target / "host.json").read_text())
    host_json["extensions"]["durableTask"]["defaultVersion"] = version
    (target / "host.json").write_text(json.dumps(host_json))
    return target
