"""Instance ids, DevOps task headers, the PlanUrl allow-list and the hook secret."""

import base64

import pytest

from galleryflow.api.errors import from_devops
from galleryflow.api.ids import hook_delivery_key, publish_instance_id
from galleryflow.devops.errors import DevOpsInputError
from galleryflow.devops.hooks import check_hook_secret
from galleryflow.devops.lines import new_lines, next_poll_seconds
from galleryflow.devops.task import allowed_hosts_from_setting, host_allowed, parse_task_headers

GALLERY = {
    "subscription_id": "00000000-0000-0000-0000-000000000001",
    "resource_group": "rg",
    "name": "gal",
}

HEADERS = {
    "PlanUrl": "https://dev.azure.com/fabrikam/",
    "ProjectId": "p1",
    "HubName": "release",
    "PlanId": "plan-1",
    "JobId": "job-1",
    "TimelineId": "tl-1",
    "TaskInstanceId": "task-1",
    "AuthToken": "secret-token",
}


def test_publish_instance_id_is_stable_per_key_and_definition():
    request = {"gallery": GALLERY, "image_definition": "ubuntu", "idempotency_key": "k1"}
    same = publish_instance_id(dict(request, gallery=dict(GALLERY, name="GAL")))
    assert publish_instance_id(request) == same
    assert (
        publish_instance_id(request).startswith("pub-") and len(publish_instance_id(request)) == 28
    )
    assert publish_instance_id(dict(request, idempotency_key="k2")) != publish_instance_id(request)
    assert publish_instance_id(dict(request, image_definition="other")) != publish_instance_id(
        request
    )
    assert publish_instance_id(dict(request, idempotency_key=None)) is None


def test_task_headers_parse_case_insensitively_and_hide_the_token():
    task = parse_task_headers({k.lower(): v for k, v in HEADERS.items()}, ["dev.azure.com"])
    assert task.plan_id == "plan-1" and task.auth_token == "secret-token"
    assert "secret-token" not in repr(task)


def test_missing_headers_are_all_listed():
    with pytest.raises(DevOpsInputError) as caught:
        parse_task_headers({"PlanUrl": HEADERS["PlanUrl"]}, ["dev.azure.com"])
    assert from_devops(caught.value).status == 400
    assert len(caught.value.details) == 7


@pytest.mark.parametrize(
    "plan_url",
    [
        "https://evil.example.com/",
        "http://dev.azure.com/org/",
        "https://dev.azure.com.evil.io/",
        "not a url",
    ],
)
def test_plan_url_outside_allow_list_is_refused(plan_url):
    with pytest.raises(DevOpsInputError) as caught:
        parse_task_headers(dict(HEADERS, PlanUrl=plan_url), allowed_hosts_from_setting(None))
    assert from_devops(caught.value).status == 400 and caught.value.code == "PlanUrlNotAllowed"
    assert "secret-token" not in repr(from_devops(caught.value).body())


def test_allow_list_patterns():
    default = allowed_hosts_from_setting("")
    assert host_allowed("dev.azure.com", default)
    assert host_allowed("fabrikam.visualstudio.com", default)
    assert not host_allowed("visualstudio.com.evil", default)
    assert host_allowed("127.0.0.1", allowed_hosts_from_setting("127.0.0.1, dev.azure.com"))


def test_hook_secret_header_or_basic_auth():
    check_hook_secret({"X-Galleryflow-Hook-Secret": "s3"}, "s3")
    basic = base64.b64encode(b"anyone:s3").decode()
    check_hook_secret({"Authorization": f"Basic {basic}"}, "s3")
    for headers in ({}, {"X-Galleryflow-Hook-Secret": "nope"}, {"Authorization": "Basic !!"}):
        with pytest.raises(DevOpsInputError) as caught:
            check_hook_secret(headers, "s3")
        assert from_devops(caught.value).status == 401
    with pytest.raises(DevOpsInputError) as caught:
        check_hook_secret({"X-Galleryflow-Hook-Secret": "s3"}, None)
    assert from_devops(caught.value).status == 403


def test_hook_delivery_key_separates_events_sharing_a_placeholder_id():
    a = {"id": "a0a0", "eventType": "build.complete"}
    b = {"id": "a0a0", "eventType": "ms.vss-pipelines.run-state-changed-event"}
    assert hook_delivery_key(a) != hook_delivery_key(b)
    assert hook_delivery_key(a) == hook_delivery_key(dict(a))
    assert hook_delivery_key(dict(a, notificationId=1)) != hook_delivery_key(
        dict(a, notificationId=2)
    )


def test_new_lines_follow_the_overlap_of_sliding_windows():
    assert new_lines([], ["a", "b"]) == ["a", "b"]
    assert new_lines(["a", "b", "c"], ["b", "c", "d", "e"]) == ["d", "e"]
    assert new_lines(["a", "b"], ["a", "b"]) == []
    assert new_lines(["x"], ["y", "z"]) == ["y", "z"]


def test_polling_backs_off_to_a_cap():
    assert [next_poll_seconds(n, 15, 120) for n in range(6)] == [15, 30, 60, 120, 120, 120]
