"""The pipelines config file: JSON and YAML, every problem reported at once."""

from datetime import date
from pathlib import Path

import pytest

from galleryflow.pipelines import (
    PipelinesConfigError,
    configured_pipelines,
    load_pipelines,
    nightly_request,
    parse_pipelines,
    validate_requests,
)
from galleryflow.settings import AppSettings
from triggers.nightly import load_checked_pipelines

VM = (
    "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-build"
    "/providers/Microsoft.Compute/virtualMachines/vm1"
)
REQUEST = {
    "schema_version": 1,
    "source_vm_id": VM,
    "gallery": {"resource_group": "rg-images", "name": "galProd"},
    "image_definition": "ubuntu-golden",
    "version": {"strategy": "next_patch"},
    "target_regions": [{"name": "westeurope", "replica_count": 3}],
}


def test_yaml_and_json_load(tmp_path: Path) -> None:
    yaml_file = tmp_path / "p.yaml"
    yaml_file.write_text(
        "schema_version: 1\npipelines:\n"
        "  - name: ubuntu-nightly\n    request:\n      image_definition: x\n"
    )
    json_file = tmp_path / "p.json"
    json_file.write_text(
        '{"schema_version": 1, "pipelines": [{"name": "a", "nightly": false, "request": {}}]}'
    )
    assert load_pipelines(yaml_file).pipelines[0].name == "ubuntu-nightly"
    config = load_pipelines(json_file)
    assert config.nightly() == [] and config.by_name("a") is not None


def test_every_problem_is_reported() -> None:
    text = (
        "schema_version: 2\nextra: 1\npipelines:\n  - name: Bad Name\n    request: 3\n"
        "  - name: ok\n    request: {}\n  - name: ok\n    request: {}\n"
    )
    with pytest.raises(PipelinesConfigError) as caught:
        parse_pipelines(text, source="p.yaml")
    paths = {p.path for p in caught.value.problems}
    assert paths == {
        "$.schema_version",
        "$.extra",
        "$.pipelines[0].name",
        "$.pipelines[0].request",
        "$.pipelines[2].name",
    }
    assert all(p.hint for p in caught.value.problems)


def test_unreadable_and_malformed(tmp_path: Path) -> None:
    with pytest.raises(PipelinesConfigError, match="cannot read"):
        load_pipelines(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(PipelinesConfigError, match="not valid JSON/YAML"):
        load_pipelines(bad)


def test_requests_are_checked_by_the_domain(tmp_path: Path) -> None:
    broken = {**REQUEST, "target_regions": [{"name": "westeurope", "replica_count": 1}]}
    path = tmp_path / "p.json"
    import json

    path.write_text(
        json.dumps(
            {
                "schema_version": 1,
                "pipelines": [
                    {"name": "good", "request": REQUEST},
                    {"name": "bad", "request": broken},
                ],
            }
        )
    )
    with pytest.raises(PipelinesConfigError) as caught:
        load_checked_pipelines(str(path))
    assert caught.value.problems[0].path.startswith("$.pipelines[1].request.target_regions[0]")


def test_the_one_loader_types_unset_missing_and_loaded(tmp_path: Path) -> None:
    """Triggers read the file only through `configured_pipelines`: None when the setting is
    unset, PipelinesConfigError when the file is missing, the config otherwise."""
    assert configured_pipelines(AppSettings(pipelines_file=None)) is None
    missing = AppSettings(pipelines_file=str(tmp_path / "absent.yaml"))
    with pytest.raises(PipelinesConfigError):
        configured_pipelines(missing)
    path = tmp_path / "p.yaml"
    path.write_text("schema_version: 1\npipelines:\n  - name: a\n    request: {}\n")
    loaded = configured_pipelines(AppSettings(pipelines_file=str(path)))
    assert loaded is not None and [p.name for p in loaded.pipelines] == ["a"]
    with pytest.raises(PipelinesConfigError):  # `check` problems make it invalid too
        configured_pipelines(
            AppSettings(pipelines_file=str(path)), check=lambda r: [{"message": "bad"}]
        )


def test_nightly_request_is_dated_and_idempotent() -> None:
    config = parse_pipelines(
        '{"schema_version": 1, "pipelines": [{"name": "n", "request": {"a": 1}}]}', source="x.json"
    )
    first = nightly_request(config.pipelines[0], date(2026, 11, 23))
    again = nightly_request(config.pipelines[0], date(2026, 11, 23))
    assert first == again and first["version"] == {"strategy": "date"}
    assert first["idempotency_key"] == "nightly-n-20261123"
    validate_requests(config, lambda request: [])  # no problems: no error


def test_a_name_with_a_trailing_newline_is_refused() -> None:
    text = '{"schema_version": 1, "pipelines": [{"name": "nightly\\n", "request": {}}]}'
    with pytest.raises(PipelinesConfigError) as caught:
        parse_pipelines(text, source="p.json")
    assert [p.path for p in caught.value.problems] == ["$.pipelines[0].name"]
