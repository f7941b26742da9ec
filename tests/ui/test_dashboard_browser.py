"""The dashboard in headless Chromium (Debian's chromium + chromium-driver, via Selenium)
against the sandbox stack: publish in two waves, watch the run page update live, approve
from the page, check the matrix's `latest` markers against the emulator, roll back from the
page and undo that rollback from the page. Screenshots go to the test's tmp dir
(GALLERYFLOW_SCREENSHOTS: `make screenshots` puts them in docs/img/). Without Chromium this
fails, naming the install command."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.dashboard_testing import Dashboard
from sandbox.stack import DemoIds, Stack

pytestmark = [pytest.mark.slow, pytest.mark.browser]

INSTALL = "apt-get install -y chromium chromium-driver"
REGIONS = ["westeurope", "westus3", "eastus", "northeurope"]
WAVES = [["westeurope", "westus3"], ["eastus", "northeurope"]]
WAIT = 60.0


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.fail(f"the browser tests need Debian's Chromium: {INSTALL}", pytrace=False)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(shutil.which("chromium"))
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1360,1000",
        "--no-first-run",
        "--disable-extensions",
    ):
        options.add_argument(argument)
    # The driver path is given, so Selenium Manager never looks for (or downloads) one.
    driver = webdriver.Chrome(options=options, service=Service(str(shutil.which("chromedriver"))))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    wanted = os.environ.get("GALLERYFLOW_SCREENSHOTS")
    target = Path(wanted).resolve() if wanted else tmp_path / "screenshots"
    target.mkdir(parents=True, exist_ok=True)
    return target


def wait_for(driver: Any, condition: Any, what: str) -> Any:
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, WAIT, poll_frequency=0.05).until(condition, what)
    except TimeoutException:
        page = driver.find_element(By.TAG_NAME, "body").text
        pytest.fail(f"waited {WAIT:g} s for {what} at {driver.current_url}:\n{page[:3000]}")


def css(driver: Any, selector: str) -> Any:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, selector)


def click(driver: Any, selector: str) -> None:
    """Click, again if the live refresh swapped the element out between find and click."""
    from selenium.common.exceptions import StaleElementReferenceException

    for _ in range(50):
        try:
            css(driver, selector).click()
            return
        except StaleElementReferenceException:
            continue
    pytest.fail(f"{selector} kept going stale")


def snapshot(driver: Any) -> dict[str, Any]:
    """The live part of a run page read in one go (it is replaced every refresh)."""
    return dict(
        driver.execute_script(
            """
            const states = {};
            document.querySelectorAll('#regions tr[data-region]').forEach(
                (row) => { states[row.dataset.region] = row.dataset.state; });
            const timeline = document.getElementById('timeline');
            const log = document.getElementById('log');
            return {states: states, timeline: timeline ? timeline.innerHTML : '',
                    log: log ? log.textContent : ''};
            """
        )
    )


def has(selector: str) -> Any:
    def check(driver: Any) -> Any:
        from selenium.webdriver.common.by import By

        found = driver.find_elements(By.CSS_SELECTOR, selector)
        return found[0] if found else False

    return check


def emulator_latest(stack: Stack, target: DemoIds) -> dict[str, str]:
    """`latest` per region from the emulator's raw state: the highest version replicated
    (Completed) there and not excluded there (a regional flag beats the global one)."""
    best: dict[str, tuple[tuple[int, ...], str]] = {}
    for name, version in stack.versions(target).items():
        profile = version["properties"]["publishingProfile"]
        done = {
            s["region"].replace(" ", "").lower()
            for s in version["properties"].get("replicationStatus", {}).get("summary", [])
            if s.get("state") == "Completed"
        }
        for region in profile["targetRegions"]:
            key = region["name"].replace(" ", "").lower()
            excluded = region.get("excludeFromLatest")
            excluded = profile.get("excludeFromLatest", False) if excluded is None else excluded
            number = tuple(int(p) for p in name.split("."))
            if key in done and not excluded and number > best.get(key, ((-1,), ""))[0]:
                best[key] = (number, name)
    return {region: name for region, (_, name) in best.items()}


def latest_marks(driver: Any) -> dict[str, str]:
    """region -> the version whose matrix cell carries the ★ latest marker there."""
    return {
        cell.get_attribute("data-region"): row.get_attribute("data-version")
        for row in driver.find_elements("css selector", "#matrix tbody tr")
        for cell in row.find_elements("css selector", 'td[data-latest="true"]')
    }


def act_on_version(driver: Any, link: str, done: str, look: Any) -> dict[str, list[str]]:
    """From the matrix: open the action's confirmation, read its preview (region -> [latest
    now, latest after]), confirm, wait for the result page `done`, and go back to the matrix."""
    css(driver, link).click()
    wait_for(driver, has("#preview"), f"the preview of {link}")
    look()
    rows = driver.find_elements("css selector", "#preview tbody tr")
    preview = {r.get_attribute("data-region"): r.text.split()[1:] for r in rows}
    css(driver, "#confirm").click()
    wait_for(driver, has(done), f"the result of {link}")
    look()
    css(driver, "#back").click()
    wait_for(driver, has("#matrix"), "the matrix again")
    return preview


def test_publish_watch_approve_check_latest_roll_back_and_undo_in_the_browser(
    sandbox_stack: Stack, dashboard: Dashboard, browser: Any, shots: Path
) -> None:
    stack = sandbox_stack
    key = stack.keys["functionKeys"]["default"]
    target = stack.add_definition(stack.seed_demo(), "ubuntu-golden-ui")
    first = str(stack.api("POST", "publish", target.request(REGIONS)).json()["id"])
    assert stack.wait_for_run(first)["runtimeStatus"] == "Completed"
    stack.hold_clock(True)  # the next run stays in replication until we look at it
    body = target.request(
        REGIONS,
        rollout={"mode": "waves", "waves": WAVES, "soak_minutes": 30, "approval": True},
    )
    run_id = str(stack.api("POST", "publish", body).json()["id"])
    seen: list[str] = []

    def look() -> None:
        seen.append(browser.current_url)
        seen.append(browser.page_source)

    # The run page while it replicates; then it updates itself (no reload) up to the gate.
    browser.get(f"{dashboard.url}/runs/{run_id}")
    wait_for(browser, has('#live[data-state="running"]'), "the run page of a running run")
    look()
    browser.execute_script("window.notReloaded = true;")
    stack.hold_clock(False)
    wait_for(browser, has('#live[data-state="awaiting_approval"]'), "the approval gate")
    assert browser.execute_script("return window.notReloaded === true;"), "the page reloaded"
    gate = snapshot(browser)
    assert gate["states"] == {
        "westeurope": "Promoted",
        "westus3": "Promoted",
        "eastus": "Completed",
        "northeurope": "Completed",
    }
    assert "wave 1" in gate["timeline"] and "wave 2" not in gate["timeline"]
    look()

    # Approve from the page, behind its confirmation form.
    click(browser, "#action-approve")
    wait_for(browser, has("#confirm"), "the confirmation page")
    look()
    css(browser, 'input[name="by"]').send_keys("ann")
    css(browser, "#confirm").click()
    wait_for(browser, has("#sent"), "the run page after approving")
    wait_for(browser, has('#live[data-state="succeeded"]'), "the run to succeed")
    done = snapshot(browser)
    assert set(done["states"].values()) == {"Promoted"}
    assert "wave 2" in done["timeline"] and done["timeline"].count("live-mark") == len(REGIONS)
    assert "approved by function key (note: ann)" in done["log"]
    browser.save_screenshot(str(shots / "dashboard-run.png"))
    look()

    # The matrix: latest markers agree with the emulator; a VM built from 1.0.0 is counted.
    stack.arm_control(
        "POST",
        "vms",
        {
            "subscription_id": target.subscription_id,
            "resource_group": "rg-apps",
            "name": "vm-web-1",
            "location": "westeurope",
            "image_reference_id": f"{stack.definition_id(target)}/versions/1.0.0",
        },
    )
    click(browser, "#definition-link")
    wait_for(browser, has("#matrix"), "the versions matrix")
    look()
    expected = emulator_latest(stack, target)
    assert expected == dict.fromkeys(REGIONS, "1.0.1")
    assert latest_marks(browser) == expected
    in_use = {
        row.get_attribute("data-version"): row.find_element("css selector", ".in-use").text
        for row in browser.find_elements("css selector", "#matrix tbody tr")
    }
    assert in_use == {"1.0.1": "0", "1.0.0": "1"}

    # Roll back 1.0.1 from the page: the preview names the fallback, then it is done.
    preview = act_on_version(browser, "#rollback-1\\.0\\.1", "#rolled-back", look)
    assert preview == {region: ["1.0.1", "1.0.0"] for region in REGIONS}
    assert emulator_latest(stack, target) == dict.fromkeys(REGIONS, "1.0.0")
    assert latest_marks(browser) == dict.fromkeys(REGIONS, "1.0.0")
    assert not browser.find_elements("css selector", "#undo-1\\.0\\.0")  # nothing to undo
    browser.save_screenshot(str(shots / "dashboard-matrix.png"))  # with the undo offered
    look()

    # Undo that rollback from the page: its preview names 1.0.1 as latest again, then the
    # matrix's markers and the emulator agree on it.
    preview = act_on_version(browser, "#undo-1\\.0\\.1", "#undone", look)
    assert preview == {region: ["1.0.0", "1.0.1"] for region in REGIONS}
    assert emulator_latest(stack, target) == dict.fromkeys(REGIONS, "1.0.1")
    assert latest_marks(browser) == emulator_latest(stack, target)
    assert not browser.find_elements("css selector", "#undo-1\\.0\\.1")
    look()

    # The key never reached the browser: no page, no URL, no log line.
    assert all(key not in text for text in seen)
    assert key not in dashboard.log_text()
