"""The dashboard's pure parts: timeline geometry, the versions x regions matrix, the bind
rule and the CSRF token."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from galleryflow.ui.matrix import build_matrix
from galleryflow.ui.security import CsrfToken, UnsafeBind, bind_address
from galleryflow.ui.timeline import build_chart, elapsed

REPO = Path(__file__).resolve().parents[2]


def region(wave: int, started: str | None, completed: str | None, live: str | None) -> dict:
    return {
        "state": "Promoted" if live else "Replicating",
        "wave": wave,
        "replication_started": started,
        "replication_completed": completed,
        "went_live": live,
    }


def test_timeline_places_bars_live_marks_and_wave_lines_on_one_time_axis() -> None:
    summary = {
        "updated": "2026-01-01T03:00:00Z",
        "regions": {
            "westeurope": region(
                1, "2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z", "2026-01-01T01:00:00Z"
            ),
            "eastus": region(
                2, "2026-01-01T00:00:00Z", "2026-01-01T02:00:00Z", "2026-01-01T03:00:00Z"
            ),
            "westus3": region(2, "2026-01-01T00:00:00Z", None, None),
        },
    }
    chart = build_chart(summary)
    assert chart is not None
    west, east, still = chart.rows
    assert west.bar_x == east.bar_x == chart.plot_left
    # one hour of three: a third of the plot
    assert west.bar_width == pytest.approx((chart.plot_right - chart.plot_left) / 3, abs=0.2)
    assert east.live_x == chart.plot_right and west.live_x == west.bar_x + west.bar_width
    assert still.replicating and still.live_x is None
    assert still.bar_x is not None and still.bar_x + still.bar_width == chart.plot_right
    assert [label for _, label, _, _ in chart.waves] == ["wave 1", "wave 2"]
    assert chart.waves[1][3] == "end"  # the last wave's label stays inside the chart
    assert [label for _, label in chart.ticks] == [
        "+0s",
        "+36m",
        "+1h 12m",
        "+1h 48m",
        "+2h 24m",
        "+3h 00m",
    ]


def test_timeline_waits_for_the_first_timestamp() -> None:
    assert build_chart({"regions": {"westeurope": {"state": "Pending"}}}) is None
    assert elapsed(3 * 86_400 + 7200) == "+3d 2h"


def test_matrix_has_a_cell_per_version_and_region_with_the_latest_marker() -> None:
    answer = {
        "image_definition": "ubuntu",
        "latest": {"westeurope": "1.10.0", "eastus": "1.9.0"},
        "versions": [
            {
                "name": "1.9.0",
                "regions": [
                    {
                        "name": "westeurope",
                        "state": "Completed",
                        "replica_count": 2,
                        "exclude_from_latest": False,
                    },
                    {
                        "name": "eastus",
                        "state": "Completed",
                        "replica_count": 1,
                        "exclude_from_latest": False,
                    },
                ],
                "in_use": True,
                "in_use_count": 3,
                "end_of_life": "2027-01-01T00:00:00Z",
            },
            {
                "name": "1.10.0",
                "exclude_from_latest": False,
                "regions": [
                    {
                        "name": "westeurope",
                        "state": "Completed",
                        "replica_count": 1,
                        "exclude_from_latest": False,
                    },
                    {
                        "name": "eastus",
                        "state": "Replicating",
                        "replica_count": 1,
                        "exclude_from_latest": True,
                    },
                ],
                "in_use": False,
            },
        ],
    }
    matrix = build_matrix(answer)
    assert matrix.regions == ["eastus", "westeurope"]
    assert [row.name for row in matrix.rows] == ["1.10.0", "1.9.0"]  # numeric order
    newest, older = matrix.rows
    assert newest.cells["westeurope"] is not None and newest.cells["westeurope"].latest
    east = newest.cells["eastus"]
    assert east is not None and east.excluded and not east.latest and east.state == "Replicating"
    assert older.cells["eastus"] is not None and older.cells["eastus"].latest
    assert (older.in_use_count, older.end_of_life, newest.in_use_count) == (3, "2027-01-01", 0)
    # 1.10.0 is excluded in eastus but still replicating there: nothing to undo yet.
    assert newest.excluded_in == ("eastus",) and not newest.can_undo
    assert newest.undo_blocked == "not fully replicated (eastus: Replicating)"
    assert older.excluded_in == () and not older.can_undo and older.undo_blocked is None


def test_the_global_exclude_flag_applies_where_no_regional_one_is_set_and_can_be_undone() -> None:
    rolled_back = {
        "name": "1.0.1",
        "exclude_from_latest": True,
        "provisioning_state": "Succeeded",
        "regions": [
            {"name": "westeurope", "state": "Completed", "exclude_from_latest": None},
            {"name": "eastus", "state": "Completed", "exclude_from_latest": False},
        ],
    }
    [row] = build_matrix({"versions": [rolled_back], "latest": {"eastus": "1.0.1"}}).rows
    west, east = row.cells["westeurope"], row.cells["eastus"]
    assert west is not None and west.excluded  # the global flag
    assert east is not None and not east.excluded and east.latest  # the regional flag wins
    assert row.excluded_in == ("westeurope",) and row.can_undo
    busy = {**rolled_back, "provisioning_state": "Updating"}
    [row] = build_matrix({"versions": [busy]}).rows
    assert not row.can_undo and row.undo_blocked == "provisioning state Updating"


def test_the_dashboard_binds_loopback_unless_another_address_is_asked_for() -> None:
    assert bind_address(None, explicit=False) == ("127.0.0.1", None)
    assert bind_address("::1", explicit=True) == ("::1", None)
    assert bind_address("localhost", explicit=True) == ("localhost", None)
    with pytest.raises(UnsafeBind, match="pass --host explicitly"):
        bind_address("0.0.0.0", explicit=False)
    address, warning = bind_address("0.0.0.0", explicit=True)
    assert address == "0.0.0.0" and warning is not None and "not loopback" in warning


def test_csrf_token_is_random_and_compared_whole() -> None:
    token = CsrfToken()
    assert token.value != CsrfToken().value and len(token.value) >= 40
    assert token.matches(token.value)
    assert not token.matches(None) and not token.matches("") and not token.matches(token.value[:-1])


def test_make_test_without_chromium_stops_with_one_line_naming_the_install(
    tmp_path: Path,
) -> None:
    """`make test` with a PATH that holds no chromium: its first prerequisite, the
    `browser` check, fails at once (never skips; nothing else runs) and says how to install
    it."""
    make = shutil.which("make")
    assert make, "make is needed for `make test`"
    done = subprocess.run(
        [make, "-s", "test"],
        cwd=REPO,
        env={"PATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode != 0
    ours = [line for line in done.stderr.splitlines() if not line.startswith("make:")]
    assert len(ours) == 1 and ours[0].endswith(": apt-get install -y chromium chromium-driver")
