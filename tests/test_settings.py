"""galleryflow/settings.py is the one place that reads app settings: every setting has a
default and a doc line, docs/CONTRACTS.md's table matches it, secrets stay out of reprs, and
no other product module reads os.environ."""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

from galleryflow.settings import SETTINGS, AppSettings, AzureSettings

REPO = Path(__file__).resolve().parents[1]
PRODUCT = ["function_app.py", "orchestrators", "activities", "triggers", "galleryflow"]
SETTINGS_MODULE = REPO / "galleryflow" / "settings.py"
ROW = re.compile(r"^\| `(?P<name>[A-Z_]+)` \| (?P<default>[^|]*) \| (?P<doc>.*) \|$")


def _documented() -> list[tuple[str, str, str]]:
    text = (REPO / "docs" / "CONTRACTS.md").read_text()
    section = text.split("## App settings that galleryflow reads", 1)[1].split("\n## ", 1)[0]
    return [
        (m["name"], m["default"].strip(), m["doc"])
        for line in section.splitlines()
        if (m := ROW.match(line))
    ]


def test_docs_table_is_the_settings_table() -> None:
    expected = [
        (
            s.name,
            "" if s.default is None else f"`{s.default}`",
            s.doc + (" — secret" if s.secret else ""),
        )
        for s in SETTINGS
    ]
    assert _documented() == expected


def test_every_setting_has_a_doc_line_and_one_entry() -> None:
    names = [s.name for s in SETTINGS]
    assert len(names) == len(set(names))
    assert all(s.doc.strip() for s in SETTINGS)


ENV_NAMES = ("environ", "getenv", "environb")


def _env_reads(source: Path) -> list[int]:
    tree = ast.parse(source.read_text(), filename=str(source))
    attributes = [
        n.lineno for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr in ENV_NAMES
    ]
    imports = [
        n.lineno
        for n in ast.walk(tree)
        if isinstance(n, ast.ImportFrom)
        and n.module == "os"
        and any(a.name in ENV_NAMES for a in n.names)
    ]
    return attributes + imports


def test_no_product_module_but_settings_reads_the_environment() -> None:
    files: list[Path] = []
    for entry in PRODUCT:
        path = REPO / entry
        files.extend([path] if path.is_file() else sorted(path.rglob("*.py")))
    offenders = {
        str(f.relative_to(REPO)): found
        for f in files
        if f != SETTINGS_MODULE and (found := _env_reads(f))
    }
    assert offenders == {}


def test_secrets_are_hidden_from_repr() -> None:
    env = {s.name: f"secret-{i}" for i, s in enumerate(SETTINGS) if s.secret}
    for view in (AzureSettings.from_env(env), AppSettings.from_env(env)):
        shown = repr(view)
        assert not [v for v in env.values() if v in shown]
        for f in dataclasses.fields(view):
            if f.name.endswith(("token", "secret", "connection_string")):
                assert f.repr is False, f.name


def test_app_settings_defaults_and_reads() -> None:
    assert AppSettings.from_env({}) == AppSettings()
    settings = AppSettings.from_env(
        {
            "GALLERYFLOW_SUBSCRIPTION_ID": " sub-1 ",
            "GALLERYFLOW_PIPELINES_FILE": "/p.yaml",
            "GALLERYFLOW_DEVOPS_ALLOWED_HOSTS": "127.0.0.1, dev.azure.com",
            "GALLERYFLOW_DEVOPS_CA_BUNDLE": "/ca.pem",
            "GALLERYFLOW_DEVOPS_HOOK_SECRET": "s3",
            "GALLERYFLOW_DEVOPS_POLL_SECONDS": "1",
            "GALLERYFLOW_DEVOPS_POLL_MAX_SECONDS": "not a number",
            "GALLERYFLOW_DEVOPS_RETRY_SECONDS": "-3",
        }
    )
    assert settings.default_subscription_id == "sub-1"
    assert settings.pipelines_file == "/p.yaml"
    assert settings.devops_allowed_hosts == ("127.0.0.1", "dev.azure.com")
    assert settings.devops_ca_bundle == "/ca.pem" and settings.devops_hook_secret == "s3"
    # The watcher's intervals are lenient: unreadable -> default, negative -> 0.
    assert (settings.devops_poll_seconds, settings.devops_poll_max_seconds) == (1.0, 120.0)
    assert settings.devops_retry_seconds == 0.0
