"""The DevOps callback client against the HTTPS DevOps fake: URLs, bearer token, retries."""

import pytest

from galleryflow.devops.client import CallbackError, DevOpsClient
from galleryflow.devops.task import TaskContext

PLAN = "/org/proj-1/_apis/distributedtask/hubs/release/plans/plan-1"


def _task(fake, token=None):
    return TaskContext(
        plan_url=fake.plan_url,
        project_id="proj-1",
        hub_name="release",
        plan_id="plan-1",
        job_id="job-1",
        timeline_id="tl-1",
        task_instance_id="task-1",
        auth_token=token or fake.token,
    )


def _client(fake, sleeps):
    return DevOpsClient(ca_bundle=fake.ca_file, backoff_seconds=0.5, sleep=sleeps.append)


def test_task_completed_and_feed_reach_the_documented_paths(devops_fake):
    sleeps: list[float] = []
    client = _client(devops_fake, sleeps)
    client.feed(_task(devops_fake), ["line 1", "line 2"])
    client.task_completed(_task(devops_fake), succeeded=True)
    feed, event = devops_fake.requests()
    assert feed["path"] == PLAN + "/timelines/tl-1/records/job-1/feed"
    assert feed["body"] == {"value": ["line 1", "line 2"], "count": 2}
    assert event["path"] == PLAN + "/events"
    assert event["query"] == {"api-version": "2.0-preview.1"}
    assert event["body"] == {
        "name": "TaskCompleted",
        "taskId": "task-1",
        "jobId": "job-1",
        "result": "succeeded",
    }
    assert all(r["authorized"] and r["status"] == 200 for r in (feed, event))
    assert sleeps == []


def test_transient_errors_are_retried_with_backoff(devops_fake):
    devops_fake.fail_next(503, count=2, kind="event")
    sleeps: list[float] = []
    _client(devops_fake, sleeps).task_completed(_task(devops_fake), succeeded=False)
    statuses = [r["status"] for r in devops_fake.requests()]
    assert statuses == [503, 503, 200]
    assert sleeps == [0.5, 1.0]
    assert devops_fake.requests()[-1]["body"]["result"] == "failed"


def test_wrong_token_is_permanent_and_never_in_the_error(devops_fake):
    sleeps: list[float] = []
    with pytest.raises(CallbackError) as caught:
        _client(devops_fake, sleeps).task_completed(
            _task(devops_fake, token="wrong-token-xyz"), succeeded=True
        )
    assert caught.value.status == 401 and not caught.value.transient
    assert "wrong-token-xyz" not in str(caught.value)
    assert sleeps == [] and len(devops_fake.requests()) == 1


def test_exhausted_retries_raise(devops_fake):
    devops_fake.fail_next(500, count=10)
    sleeps: list[float] = []
    with pytest.raises(CallbackError) as caught:
        _client(devops_fake, sleeps).feed(_task(devops_fake), ["x"])
    assert caught.value.transient and len(devops_fake.requests()) == 4


def test_a_redirect_is_not_followed_and_is_a_loud_permanent_failure(devops_fake, caplog):
    devops_fake.fail_next(307, kind="event", location=f"{devops_fake.url}/_sandbox/landing")
    sleeps: list[float] = []
    with (
        caplog.at_level("ERROR", logger="galleryflow.devops.client"),
        pytest.raises(CallbackError) as caught,
    ):
        _client(devops_fake, sleeps).task_completed(_task(devops_fake), succeeded=True)
    assert caught.value.status == 307 and not caught.value.transient
    assert [r["kind"] for r in devops_fake.requests()] == ["event"]  # nothing reached landing
    assert sleeps == []
    logged = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert len(logged) == 1 and "redirected (HTTP 307) to 127.0.0.1" in logged[0], logged
    assert devops_fake.token not in logged[0] and devops_fake.token not in str(caught.value)
