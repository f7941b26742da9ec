"""The example Azure DevOps pipelines call /api/devops/task the way galleryflow needs."""

import json
from pathlib import Path

import pytest
import yaml

from galleryflow.devops.task import TASK_HEADERS
from galleryflow.domain.request import parse_publish_request

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
