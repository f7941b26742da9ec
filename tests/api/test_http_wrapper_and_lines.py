"""The trigger wrapper's error mapping, and log-line deltas over sliding windows."""

import asyncio
import json
import logging

import azure.functions as func
from hypothesis import given
from hypothesis import strategies as st

from galleryflow.api.errors import ApiError
from galleryflow.devops.lines import new_lines
from triggers.http import api_route, json_response


def _call(handler):
    request = func.HttpRequest(method="GET", url="/api/x", body=b"")
    return asyncio.run(api_route(handler)(request))


def test_api_errors_become_their_json_4xx():
    async def handler(req):
        raise ApiError(409, "RunInProgress", "busy", [{"path": "$", "message": "m", "hint": "h"}])

    response = _call(handler)
    assert response.status_code == 409 and response.mimetype == "application/json"
    assert json.loads(response.get_body())["error"]["code"] == "RunInProgress"


def test_unexpected_errors_are_a_json_500_without_the_message(caplog):
    async def handler(req):
        raise RuntimeError("connection to http://host/?code=SYSTEMKEY failed")

    with caplog.at_level(logging.ERROR, logger="galleryflow.api"):
        response = _call(handler)
    body = response.get_body().decode()
    assert response.status_code == 500 and "SYSTEMKEY" not in body
    assert json.loads(body)["error"]["code"] == "InternalError"
    assert any("RuntimeError" in r.getMessage() for r in caplog.records)
    assert "SYSTEMKEY" not in caplog.text and "test_http_wrapper_and_lines.py" in caplog.text


def test_handlers_answer_normally():
    async def handler(req):
        return json_response(200, {"ok": True})

    response = _call(handler)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"


@given(
    total=st.integers(min_value=0, max_value=60),
    window=st.integers(min_value=2, max_value=10),
    steps=st.lists(st.integers(min_value=0, max_value=9), max_size=40),
)
def test_windows_that_overlap_rebuild_the_whole_log(total, window, steps):
    """Looks that advance by less than a window (so consecutive windows share a line)
    reconstruct every line exactly once, in order."""
    log = [f"line {i}" for i in range(total)]
    end, previous, seen = 0, [], []
    for step in [*steps, total]:
        end = min(total, end + min(step, window - 1))
        current = log[max(0, end - window) : end]
        seen += new_lines(previous, current)
        previous = current
    assert seen == log[:end]
