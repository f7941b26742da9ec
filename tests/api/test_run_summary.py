"""A Durable status becomes a summary a person reads, without internals."""

from galleryflow.api.runs import summarize

CUSTOM = {
    "step": "replicate",
    "version": "1.2.3",
    "definition": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/d",  # noqa: E501
    "regions": {
        "westeurope": {
            "state": "Replicating",
            "progress": 40,
            "attempt": 1,
            "wave": 1,
            "replication_started": "2026-11-23T10:01:00+00:00",
            "internal": "not shown",
        }
    },
    "waves": {"current": 1, "total": 2, "awaiting_approval": False},
    "log": ["captured 1.2.3", "replicating to westeurope"],
    "error": None,
}


def _status(**over):
    status = {
        "name": "publish_image",
        "instanceId": "pub-abc",
        "runtimeStatus": "Running",
        "customStatus": CUSTOM,
        "output": None,
        "input": {"secret": "do-not-show"},
        "createdTime": "2026-11-23T10:00:00Z",
        "lastUpdatedTime": "2026-11-23T10:05:30Z",
        "statusQueryGetUri": "http://host/runtime/webhooks/durabletask/instances/x?code=SYSTEMKEY",
    }
    status.update(over)
    return status


def test_running_publish_summary():
    summary = summarize(_status(), {"self": "/api/runs/pub-abc"})
    assert summary["state"] == "running" and not summary["finished"]
    assert summary["kind"] == "publish"
    assert summary["step"] == "replicate"
    assert summary["regions"]["westeurope"] == {
        "state": "Replicating",
        "progress": 40,
        "attempt": 1,
        "wave": 1,
        "replication_started": "2026-11-23T10:01:00+00:00",
        "replication_completed": None,
        "went_live": None,
    }
    assert summary["duration_seconds"] == 330.0
    assert summary["error"] is None
    text = repr(summary)
    assert "SYSTEMKEY" not in text and "do-not-show" not in text and "webhooks" not in text


def test_awaiting_approval_is_its_own_state():
    custom = dict(CUSTOM, waves={"current": 1, "total": 2, "awaiting_approval": True})
    assert summarize(_status(customStatus=custom))["state"] == "awaiting_approval"


def test_failed_run_carries_the_error_message():
    message = "capture failed on /subscriptions/s/.../vm1: OperationNotAllowed: VM is running"
    summary = summarize(
        _status(runtimeStatus="Failed", output=message, customStatus=dict(CUSTOM, step="failed"))
    )
    assert summary["state"] == "failed" and summary["finished"]
    assert summary["error"] == {"message": message}
    assert summary["result"] is None


def test_partially_succeeded_comes_from_the_result():
    output = {"status": "partially_succeeded", "version": "1.2.3", "regions": {}, "latest": {}}
    summary = summarize(
        _status(runtimeStatus="Completed", output=output, customStatus=dict(CUSTOM, step="done"))
    )
    assert summary["state"] == "partially_succeeded"
    assert summary["result"] == output


def test_terminated_is_canceled_and_garbage_custom_status_is_tolerated():
    summary = summarize(_status(runtimeStatus="Terminated", customStatus="weird"))
    assert summary["state"] == "canceled"
    assert summary["regions"] == {} and summary["log"] == []


def test_a_cancelled_run_reads_as_canceled():
    message = "replicate failed on /x/versions/1.0.0: Cancelled: cancelled by ann"
    summary = summarize(_status(runtimeStatus="Failed", output=message))
    assert summary["state"] == "canceled" and summary["error"] == {"message": message}


def test_rollback_runs_name_their_definition_from_the_input_only():
    run_input = {
        "gallery": {"subscription_id": "s1", "resource_group": "rg", "name": "g"},
        "image_definition": "d",
        "version": "1.0.1",
        "secret_looking": "never shown",
    }
    status = _status(name="rollback_image", customStatus={"step": "done"}, input=run_input)
    summary = summarize(status)
    assert summary["kind"] == "rollback"
    expected = (
        "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/d"
    )
    assert summary["definition"] == expected
    assert "never shown" not in repr(summary)
