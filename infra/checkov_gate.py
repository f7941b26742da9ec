"""Run checkov over infra/ and fail unless it is clean: `make checkov` (own venv, .venv-checkov).

Scans the Bicep (frameworks bicep, arm) and the example Azure DevOps pipelines
(azure_pipelines). Clean means: every Bicep file and pipeline parses and is scanned, no check
fails, and every skipped check carries an inline reason (`// checkov:skip=CKV_AZURE_NN:why`,
`# checkov:skip=CKV_AZUREPIPELINES_N:why` in YAML). checkov itself exits 0 on parse errors and
on reason-less skips, hence this gate.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

INFRA = Path(__file__).resolve().parent
NO_REASON = "No comment provided"
# The example pipelines (docs/devops.md).
PIPELINES = sorted(INFRA.glob("*.yml"))
# checkov's azure_pipelines runner only parses files whose names end like this.
PIPELINE_SUFFIX = "azure-pipelines.yml"


def staged_name(pipeline: Path) -> str:
    """The name checkov scans a pipeline under (nightly-pipeline.yml ->
    nightly-pipeline.azure-pipelines.yml); azure-pipelines.yml keeps its name."""
    if pipeline.name.endswith(PIPELINE_SUFFIX):
        return pipeline.name
    return f"{pipeline.stem}.{PIPELINE_SUFFIX}"


def checkov_command(directory: Path, frameworks: list[str]) -> list[str]:
    return [
        sys.executable,
        "-m",
        "checkov.main",
        "--directory",
        str(directory),
        "--framework",
        *frameworks,
        "--skip-download",  # no network here; the guidelines download only adds links
        "--output",
        "json",
    ]


def _reports(command: list[str]) -> list[dict[str, Any]]:
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise SystemExit(f"checkov did not print a JSON report (exit {done.returncode})") from None
    # One framework with findings -> a dict; several -> a list; nothing scanned -> a summary.
    reports = report if isinstance(report, list) else [report]
    return [r for r in reports if "check_type" in r]


def _rename_files(report: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """Report the staged copies under the pipelines' real names."""
    for checks in report["results"].values():
        for check in checks if isinstance(checks, list) else []:
            if isinstance(check, dict) and check.get("file_path") in names:
                check["file_path"] = names[check["file_path"]]
    return report


def run_checkov() -> list[dict[str, Any]]:
    reports = _reports(checkov_command(INFRA, ["bicep", "arm"]))
    with tempfile.TemporaryDirectory() as staging:
        names = {}
        for pipeline in PIPELINES:
            shutil.copyfile(pipeline, Path(staging) / staged_name(pipeline))
            names[f"/{staged_name(pipeline)}"] = f"/{pipeline.name}"
        pipeline_reports = _reports(checkov_command(Path(staging), ["azure_pipelines"]))
    return reports + [_rename_files(r, names) for r in pipeline_reports]


def scanned_files(report: dict[str, Any]) -> set[str]:
    results = report["results"]
    return {
        check["file_path"]
        for kind in ("passed_checks", "failed_checks", "skipped_checks")
        for check in results.get(kind, [])
    }


def problems_in(reports: list[dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    by_type = {r["check_type"]: r for r in reports}
    bicep = by_type.get("bicep")
    if bicep is None or bicep["summary"]["resource_count"] == 0:
        problems.append("checkov scanned no Bicep resources under infra/")
    pipelines = by_type.get("azure_pipelines")
    scanned = scanned_files(pipelines) if pipelines else set()
    for pipeline in PIPELINES:
        if f"/{pipeline.name}" not in scanned:
            problems.append(f"checkov scanned no jobs of the pipeline infra/{pipeline.name}")
    for report in reports:
        results = report["results"]
        for path in results.get("parsing_errors", []):
            problems.append(f"{report['check_type']}: cannot parse {path}")
        for check in results.get("failed_checks", []):
            problems.append(
                f"FAILED {check['check_id']} {check['check_name']!r} on {check['resource']} "
                f"({check['file_path']}:{check['file_line_range'][0]}) - fix it, or skip it inline "
                f"with a reason: // checkov:skip={check['check_id']}:<why>"
            )
        for check in results.get("skipped_checks", []):
            reason = (check.get("check_result") or {}).get("suppress_comment", "").strip()
            if not reason or reason == NO_REASON:
                problems.append(
                    f"skip of {check['check_id']} on {check['resource']} ({check['file_path']}) "
                    "has no reason: write // checkov:skip=ID:<why>"
                )
    return problems


def main() -> int:
    reports = run_checkov()
    for report in reports:
        s = report["summary"]
        print(
            f"checkov {report['check_type']}: {s['passed']} checks passed, {s['failed']} failed, "
            f"{s['skipped']} skipped, {s['parsing_errors']} parse errors, "
            f"{s['resource_count']} resources"
        )
    problems = problems_in(reports)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
