"""App settings: local.settings.json `Values` reach the app, the environment wins over the
file (as with Core Tools), and a malformed file is refused with a clear AppLoadError."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from sandbox.host.app_loader import AppLoadError, read_settings
from sandbox.host.testing import HostProcess

SETTINGS_APP = """
import json
import os

import azure.functions as func

app = func.FunctionApp()


@app.route(route="settings", auth_level=func.AuthLevel.ANONYMOUS)
def settings(req: func.HttpRequest) -> func.HttpResponse:
    names = ("FROM_FILE_ONLY", "IN_BOTH")
    return func.HttpResponse(json.dumps({n: os.environ.get(n) for n in names}))
"""


def write_app(app_dir: Path, local_settings: object) -> Path:
    app_dir.mkdir()
    (app_dir / "function_app.py").write_text(SETTINGS_APP)
    (app_dir / "host.json").write_text(json.dumps({"version": "2.0"}))
    (app_dir / "local.settings.json").write_text(json.dumps(local_settings))
    return app_dir


def test_local_settings_values_reach_the_app_and_the_environment_wins(
    sandbox_host: Callable[..., HostProcess], tmp_path: Path
) -> None:
    app_dir = write_app(
        tmp_path / "app",
        {"IsEncrypted": False, "Values": {"FROM_FILE_ONLY": "file", "IN_BOTH": "file"}},
    )
    host = sandbox_host(app_dir, settings={"IN_BOTH": "environment"})
    response = requests.get(f"{host.url}/api/settings", timeout=10)
    assert response.status_code == 200, response.text
    assert response.json() == {"FROM_FILE_ONLY": "file", "IN_BOTH": "environment"}


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        ([{"Values": {}}], "must be a JSON object"),
        ("Values", "must be a JSON object"),
        ({"Values": ["A=1"]}, "'Values' must be a JSON object"),
    ],
)
def test_local_settings_that_is_not_an_object_is_refused_clearly(
    tmp_path: Path, content: object, complaint: str
) -> None:
    (tmp_path / "local.settings.json").write_text(json.dumps(content))
    with pytest.raises(AppLoadError, match=complaint) as raised:
        read_settings(tmp_path)
    assert "local.settings.json" in str(raised.value)
