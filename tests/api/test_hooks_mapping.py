"""The real service-hook sample payloads map onto configured image pipelines."""

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from galleryflow.devops.hooks import matching_pipelines, read_event

# Real Azure DevOps payloads, copied from ../shared/reference/devops-payloads.
PAYLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "devops-payloads"


@dataclass
class P:
    name: str
    devops: dict = field(default_factory=dict)


def _load(name):
    return json.loads((PAYLOADS / f"{name}.json").read_text())


@pytest.mark.parametrize(
    ("event_file", "source"),
    [
        ("build.complete", "MainRepo (1)"),
        ("ms.vss-pipelines.run-state-changed-event", "TEST-CI"),
        ("ms.vss-pipelines.stage-state-changed-event", "TEST-CI"),
        ("ms.vss-release.deployment-completed-event", "Dev"),
    ],
)
def test_sample_events_start_the_pipeline_mapped_to_their_source(event_file, source):
    event = read_event(_load(event_file))
    assert event is not None and event.finished and event.result == "succeeded"
    pipelines = [
        P("ubuntu", {"source": source.lower()}),
        P("other", {"source": "nope"}),
        P("nightly-only"),
    ]
    assert [p.name for p in matching_pipelines(event, pipelines)] == ["ubuntu"]


def test_event_type_filter_and_result_filter():
    event = read_event(_load("build.complete"))
    assert (
        matching_pipelines(
            event, [P("a", {"events": ["ms.vss-pipelines.run-state-changed-event"]})]
        )
        == []
    )
    assert matching_pipelines(event, [P("a", {"results": ["failed"]})]) == []


@pytest.mark.parametrize("event_file", ["git.push", "ms.vss-release.deployment-started-event"])
def test_unhandled_events_are_ignored(event_file):
    assert read_event(_load(event_file)) is None
