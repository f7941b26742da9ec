"""The example Azure DevOps pipelines call /api/devops/task the way galleryflow needs."""

import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import yaml

from galleryflow.devops.task import TASK_HEADERS
from galleryflow.domain.request import parse_publish_request
from triggers.api_versions import parse_versions_query

INFRA = Path(__file__).resolve().parents[2] / "infra"


def _function_tasks(doc):
    for stage in doc["stages"]:
        for job in stage["jobs"]:
            for step in job.get("steps", []):
                if step.get("task", "").startswith("AzureFunction@"):
                    yield job, step


@pytest.mark.parametrize("name", ["azure-pipelines.yml", "nightly-pipeline.yml"])
def test_example_pipeline_uses_the_callback_mode_correctly(name):
    doc = yaml.safe_load((INFRA / name).read_text())
    ((job, step),) = list(_function_tasks(doc))
    assert job["pool"] == "server" and job["timeoutInMinutes"] >= 720
    inputs = step["inputs"]
    assert step["task"] == "AzureFunction@2"
    assert inputs["waitForCompletion"] == "true"
    assert inputs["function"].endswith("/api/devops/task")
    assert set(TASK_HEADERS) <= set(json.loads(inputs["headers"]))
    body = json.loads(inputs["body"])
    if set(body) != {"pipeline"}:
        parse_publish_request(body)  # a full request must be valid as it stands


def nightly_verify_step() -> tuple[str, str]:
    """(the URL the nightly example's verify job reads, the Python it pipes the answer to)."""
    doc = yaml.safe_load((INFRA / "nightly-pipeline.yml").read_text())
    (stage,) = [s for s in doc["stages"] if s["stage"] == "verify"]
    (step,) = stage["jobs"][0]["steps"]
    script = step["script"]
    url = re.search(r'"\$\(galleryflowUrl\)(/api/[^"]+)"', script)
    code = re.search(r"python3 -c '([^']+)'", script)
    assert url and code, script
    assert step["env"] == {"GALLERYFLOW_KEY": "$(galleryflowFunctionKey)"}  # secret mapped
    assert "$GALLERYFLOW_KEY" in script and "set -euo pipefail" in script
    return url.group(1), code.group(1)


def test_nightly_verify_job_reads_the_versions_route_of_the_published_definition():
    doc = yaml.safe_load((INFRA / "nightly-pipeline.yml").read_text())
    ((_, step),) = list(_function_tasks(doc))
    request = parse_publish_request(json.loads(step["inputs"]["body"]))
    assert request.skip_when_current and request.patch is not None
    url, _ = nightly_verify_step()
    parts = urlsplit(url)
    assert parts.path == (
        f"/api/galleries/{request.gallery.name}/images/{request.image_definition}/versions"
    )
    query = dict(parse_qsl(parts.query))
    route = {"gallery": request.gallery.name, "definition": request.image_definition}
    target = parse_versions_query(route, query)  # the API's own query parsing
    assert target["gallery"] == request.gallery.to_dict()


def _verify(code: str, versions: list[dict]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps({"versions": versions}),
        capture_output=True,
        text=True,
        check=False,
    )


def test_nightly_verify_job_logic():
    _, code = nightly_verify_step()
    ok = "2026-12-03T02:10Z Succeeded installed=3 failed=0 pending=0 reboot=Completed"
    bad = "2026-12-04T02:10Z Failed installed=2 failed=1 pending=0 reboot=Completed"
    older = {"name": "2026.1203.0", "tags": {"galleryflow.patch": ok}}
    assert _verify(code, [older]).returncode == 0
    newest = {"name": "2026.1210.0", "tags": {}}  # numbers, not text: 1210 > 1203
    assert _verify(code, [newest, older]).returncode == 1
    result = _verify(code, [older, {"name": "2026.1204.0", "tags": {"galleryflow.patch": bad}}])
    assert result.returncode == 1 and "2026.1204.0" in result.stdout
