"""`galleryflow ui` over plain HTTP against the sandbox stack: pages, the CSRF rule, error
pages with the API's message (no trace), security headers, the host check, and the key in
no response or log line. The browser flow is in test_dashboard_browser.py."""

from __future__ import annotations

import re

import pytest
import requests

from sandbox.dashboard_testing import Dashboard
from sandbox.stack import DemoIds, Stack
from tests.orchestration.test_mirrors import _mirror, _seed

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def ids(sandbox_stack: Stack) -> DemoIds:
    return sandbox_stack.seed_demo()


@pytest.fixture(scope="module")
def awaiting(sandbox_stack: Stack, ids: DemoIds) -> tuple[DemoIds, str]:
    """A run waiting for approval of its second wave."""
    target = sandbox_stack.add_definition(ids, "ui-http")
    body = target.request(
        ["westeurope", "eastus"],
        rollout={"mode": "waves", "waves": [["westeurope"], ["eastus"]], "approval": True},
    )
    run_id = str(sandbox_stack.api("POST", "publish", body).json()["id"])
    sandbox_stack.wait_until(
        lambda: sandbox_stack.api("GET", f"runs/{run_id}").json()["state"] == "awaiting_approval",
        what="the run to wait for approval",
    )
    return target, run_id


def get(dashboard: Dashboard, path: str, **kwargs: object) -> requests.Response:
    return requests.get(f"{dashboard.url}{path}", timeout=30, allow_redirects=False, **kwargs)  # type: ignore[arg-type]


def post(
    dashboard: Dashboard, path: str, data: dict[str, str], **headers: str
) -> requests.Response:
    return requests.post(
        f"{dashboard.url}{path}", data=data, headers=headers, timeout=30, allow_redirects=False
    )


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF token in the form"
    return found.group(1)


def forged_posts(
    dashboard: Dashboard, path: str, token: str, fields: dict[str, str]
) -> list[requests.Response]:
    """The form without a token, with a forged one, and with the real one from another site."""
    return [
        post(dashboard, path, fields),
        post(dashboard, path, {"csrf": "forged", **fields}),
        post(dashboard, path, {"csrf": token, **fields}, Origin="http://evil.example"),
    ]


def test_run_page_shows_waves_regions_and_timeline(
    dashboard: Dashboard, awaiting: tuple[DemoIds, str]
) -> None:
    _, run_id = awaiting
    page = get(dashboard, f"/runs/{run_id}")
    assert page.status_code == 200
    html = page.text
    assert 'data-state="awaiting_approval"' in html and 'id="action-approve"' in html
    assert 'data-region="westeurope"' in html and 'data-region="eastus"' in html
    assert "<svg" in html and "wave 1" in html  # timeline with the first wave's marker
    for header, value in (
        ("X-Frame-Options", "DENY"),
        ("X-Content-Type-Options", "nosniff"),
        ("Cache-Control", "no-store"),
    ):
        assert page.headers[header] == value
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    listed = get(dashboard, "/runs")
    assert listed.status_code == 200 and run_id in listed.text
    fragment = get(dashboard, f"/runs/{run_id}/live")
    assert fragment.status_code == 200 and fragment.text.lstrip().startswith('<section id="live"')


def galleries_of(html: str) -> str:
    """The run page's Galleries section ("" when there is none)."""
    found = re.search(r'<section class="galleries" id="galleries".*?</section>', html, re.S)
    return found.group(0) if found else ""


def test_run_page_shows_each_gallery_of_a_publish_with_a_mirror(
    sandbox_stack: Stack, dashboard: Dashboard, awaiting: tuple[DemoIds, str]
) -> None:
    """A mirror wave waiting for approval, then the run approved to its end: the Galleries
    section follows the mirror (definition, state, regions); a run without mirrors has none."""
    stack = sandbox_stack
    primary, mirror = _seed(stack, "ui-mirrored")
    gate = {"mode": "waves", "waves": [["northeurope", "eastus"]], "approval": True}
    request = primary.request(
        ["westeurope", "northeurope"],
        mirrors=[_mirror(mirror, ["northeurope", "eastus"], rollout=gate)],
    )
    run_id = str(stack.api("POST", "publish", request).json()["id"])
    stack.wait_until(
        lambda: stack.api("GET", f"runs/{run_id}").json()["state"] == "awaiting_approval",
        what="the mirror's wave to wait for approval",
    )
    mirror_id = stack.definition_id(mirror)
    waiting = get(dashboard, f"/runs/{run_id}").text
    section = galleries_of(waiting)
    assert '<h2 id="galleries-title">Galleries</h2>' in section
    assert f'data-definition="{mirror_id}" data-state="running"' in section
    assert "galMirror/ui-mirrored" in section and "galDemo/ui-mirrored" in section
    assert "Waiting for approval before mirror 1's wave 1" in waiting
    assert 'id="action-approve"' in waiting

    # through the API, as the page's button does: a mirror's gate waits in the run's child
    assert stack.api("POST", f"runs/{run_id}/approve", {"by": "test"}).status_code == 202
    assert stack.wait_for_run(run_id)["output"]["status"] == "succeeded"
    for path in (f"/runs/{run_id}", f"/runs/{run_id}/live"):
        section = galleries_of(get(dashboard, path).text)
        assert f'data-definition="{mirror_id}" data-state="succeeded"' in section, path
        assert '<span class="state state-succeeded">succeeded</span>' in section
        mirror_table = section.split('id="regions-mirror-1"', 1)[1].split("</table>", 1)[0]
        assert re.findall(r'data-region="(\w+)" data-state="(\w+)"', mirror_table) == [
            ("northeurope", "Promoted"),
            ("eastus", "Promoted"),
        ]
    assert f"subscription <code>{mirror.subscription_id}</code>" in section

    _, plain_run = awaiting  # no mirrors: no Galleries section
    plain = get(dashboard, f"/runs/{plain_run}").text
    assert galleries_of(plain) == "" and "Galleries" not in plain


def test_posts_without_a_valid_csrf_token_or_from_another_origin_change_nothing(
    sandbox_stack: Stack, dashboard: Dashboard, awaiting: tuple[DemoIds, str]
) -> None:
    _, run_id = awaiting
    confirm = get(dashboard, f"/runs/{run_id}/reject")
    assert confirm.status_code == 200
    token = csrf_of(confirm.text)
    refused = forged_posts(dashboard, f"/runs/{run_id}/reject", token, {"by": "mallory"})
    assert [r.status_code for r in refused] == [403, 403, 403]
    assert "CSRF" in refused[0].text and "another site" in refused[2].text
    assert sandbox_stack.api("GET", f"runs/{run_id}").json()["state"] == "awaiting_approval"


def test_undo_rollback_shows_its_preview_and_refuses_forged_posts_and_busy_definitions(
    sandbox_stack: Stack, dashboard: Dashboard, awaiting: tuple[DemoIds, str]
) -> None:
    """The waiting run left 1.0.0 excluded in its second wave's region: the matrix offers
    the undo, its confirmation shows the preview and why it is refused now (the run holds
    the definition); forged posts change nothing; the API's 409 and 400 show as pages."""
    target, run_id = awaiting
    base = f"/galleries/rg-images/galDemo/{target.definition}"
    matrix = get(dashboard, base)
    assert matrix.status_code == 200 and 'id="undo-1.0.0"' in matrix.text
    page = get(dashboard, f"{base}/undo-rollback?version=1.0.0")
    assert page.status_code == 200 and 'id="preview"' in page.text
    assert 'data-region="eastus" class="affected"' in page.text  # 1.0.0 would become latest
    assert 'id="busy"' in page.text and run_id in page.text and 'id="confirm"' not in page.text
    token = csrf_of(get(dashboard, f"/runs/{run_id}/reject").text)
    forged = forged_posts(dashboard, f"{base}/undo-rollback", token, {"version": "1.0.0"})
    assert [r.status_code for r in forged] == [403, 403, 403]
    busy = post(dashboard, f"{base}/undo-rollback", {"csrf": token, "version": "1.0.0"})
    assert busy.status_code == 409 and "RunInProgress" in busy.text and run_id in busy.text
    invalid = get(dashboard, f"{base}/undo-rollback?version=x")
    assert invalid.status_code == 400 and "ValidationFailed" in invalid.text
    assert "<code>$.version</code>" in invalid.text  # the error body's details
    for answer in (*forged, busy, invalid):
        assert "Traceback" not in answer.text and 'File "' not in answer.text
    assert sandbox_stack.api("GET", f"runs/{run_id}").json()["state"] == "awaiting_approval"
    profile = sandbox_stack.versions(target)["1.0.0"]["properties"]["publishingProfile"]
    flags = {
        r["name"].replace(" ", "").lower(): r.get("excludeFromLatest")
        for r in profile["targetRegions"]
    }
    assert flags["eastus"] is True  # still excluded: nothing was undone


def test_api_errors_show_the_error_body_never_a_trace(dashboard: Dashboard, ids: DemoIds) -> None:
    missing = get(dashboard, "/runs/no-such-run")
    assert missing.status_code == 404
    assert "NotFound" in missing.text and "no-such-run" in missing.text
    unknown = get(dashboard, "/galleries/rg-images/galDemo/no-such-definition")
    assert unknown.status_code == 404 and "Not found in Azure" in unknown.text
    bad_status = get(dashboard, "/runs?status=bogus")
    assert bad_status.status_code == 400 and "unknown status" in bad_status.text
    nowhere = get(dashboard, "/nowhere")
    assert nowhere.status_code == 404
    for page in (missing, unknown, bad_status, nowhere):
        assert "Traceback" not in page.text and 'File "' not in page.text


def test_foreign_host_headers_are_refused(dashboard: Dashboard) -> None:
    """A DNS-rebinding page cannot read the dashboard through another host name."""
    page = get(dashboard, "/runs", headers={"Host": "evil.example"})
    assert page.status_code == 400


def test_the_key_is_in_no_page_url_or_log_line(
    sandbox_stack: Stack, dashboard: Dashboard, awaiting: tuple[DemoIds, str]
) -> None:
    target, run_id = awaiting
    key = sandbox_stack.keys["functionKeys"]["default"]
    paths = [
        "/runs",
        f"/runs/{run_id}",
        f"/runs/{run_id}/live",
        f"/runs/{run_id}/approve",
        f"/galleries/rg-images/galDemo/{target.definition}",
        f"/galleries/rg-images/galDemo/{target.definition}/rollback?version=1.0.0",
        f"/galleries/rg-images/galDemo/{target.definition}/undo-rollback?version=1.0.0",
        "/static/live.js",
        "/static/app.css",
        "/runs/nope",
    ]
    for path in paths:
        page = get(dashboard, path)
        assert page.status_code < 500, (path, page.status_code)
        assert key not in page.text and key not in str(page.headers), path
    assert key not in dashboard.log_text()
    assert "GET /runs" in dashboard.log_text()  # the access log is there, without the key
