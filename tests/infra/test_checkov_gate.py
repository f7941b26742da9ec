"""infra/checkov_gate.py scans the example Azure DevOps pipelines too, and fails when one of
them was not scanned (checkov silently skips pipelines not named *azure-pipelines.yml).
The real scan runs in `make checkov` (its own venv)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

INFRA = Path(__file__).resolve().parents[2] / "infra"


def load_gate() -> ModuleType:
    spec = importlib.util.spec_from_file_location("checkov_gate", INFRA / "checkov_gate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GATE = load_gate()


def report(check_type: str, passed_files: list[str], resources: int = 1) -> dict[str, Any]:
    return {
        "check_type": check_type,
        "summary": {"resource_count": resources},
        "results": {
            "passed_checks": [{"file_path": f} for f in passed_files],
            "failed_checks": [],
            "skipped_checks": [],
            "parsing_errors": [],
        },
    }


def test_both_example_pipelines_are_scanned_under_names_checkov_parses() -> None:
    assert [p.name for p in GATE.PIPELINES] == ["azure-pipelines.yml", "nightly-pipeline.yml"]
    staged = [GATE.staged_name(p) for p in GATE.PIPELINES]
    assert staged == ["azure-pipelines.yml", "nightly-pipeline.azure-pipelines.yml"]
    assert all(name.endswith("azure-pipelines.yml") for name in staged)
    assert "azure_pipelines" in GATE.checkov_command(INFRA, ["azure_pipelines"])


def test_a_pipeline_checkov_did_not_scan_is_a_problem() -> None:
    bicep = report("bicep", ["/main.bicep"])
    only_one = report("azure_pipelines", ["/azure-pipelines.yml"])
    problems = GATE.problems_in([bicep, only_one])
    assert problems == ["checkov scanned no jobs of the pipeline infra/nightly-pipeline.yml"]
    assert len(GATE.problems_in([bicep])) == 2  # no pipeline report at all


def test_clean_reports_pass_and_staged_names_map_back() -> None:
    staged = report(
        "azure_pipelines", ["/azure-pipelines.yml", "/nightly-pipeline.azure-pipelines.yml"]
    )
    names = {"/nightly-pipeline.azure-pipelines.yml": "/nightly-pipeline.yml"}
    renamed = GATE._rename_files(staged, names)
    assert GATE.scanned_files(renamed) == {"/azure-pipelines.yml", "/nightly-pipeline.yml"}
    assert GATE.problems_in([report("bicep", ["/main.bicep"]), renamed]) == []


def test_a_pipeline_skip_without_reason_is_a_problem() -> None:
    pipelines = report("azure_pipelines", ["/azure-pipelines.yml", "/nightly-pipeline.yml"])
    pipelines["results"]["skipped_checks"] = [
        {
            "check_id": "CKV_AZUREPIPELINES_5",
            "resource": "jobs[0]",
            "file_path": "/nightly-pipeline.yml",
            "check_result": {"suppress_comment": "No comment provided"},
        }
    ]
    problems = GATE.problems_in([report("bicep", ["/main.bicep"]), pipelines])
    assert len(problems) == 1 and "has no reason" in problems[0]
