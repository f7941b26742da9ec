"""`POST /admin/clock` refuses times it cannot hold with a 400 that names the allowed range."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from sandbox.host.testing import HostProcess, start_host

APP = Path(__file__).parent / "apps" / "patterns"


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostProcess]:
    process = start_host(
        APP,
        tmp_path_factory.mktemp("state"),
        settings={
            "PATTERNS_MARKER_DIR": str(tmp_path_factory.mktemp("markers")),
            "PATTERNS_SCHEDULE": "0 0 3 * * *",
        },
    )
    # held: simulated time stays still, so "nothing moved" is an exact comparison
    process.set_clock(hold=True)
    yield process
    process.stop()


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ('{"advance_seconds": 1e308}', "from 0 to 3155760000 (100 years)"),
        ('{"advance_seconds": Infinity}', "from 0 to 3155760000 (100 years)"),
        ('{"advance_seconds": NaN}', "from 0 to 3155760000 (100 years)"),
        ('{"advance_seconds": -60}', "time never moves back"),
        ('{"advance_seconds": "60"}', "'advance_seconds' must be a number"),
        ('{"now": "9999-12-31T00:00:00Z"}', "between 1970-01-01 and 2200-01-01"),
        ('{"now": "2199-12-31T00:00:00Z", "advance_seconds": 172800}', "past 2200-01-01"),
        ('{"now": "not a time"}', "ISO-8601"),
        ('{"hold": "no"}', "'hold' must be true or false"),
        ('{"speed": 2}', '{"advance_seconds": n}'),
    ],
)
def test_out_of_range_clock_requests_are_400_and_move_nothing(
    host: HostProcess, body: str, words: str
) -> None:
    before = host.set_clock()
    response = requests.post(
        f"{host.url}/admin/clock",
        data=body,
        headers={**host.admin_headers(), "Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "BadClockRequest"
    assert words in error["message"]
    assert "Traceback" not in response.text
    assert host.set_clock() == before  # refused: nothing moved, and the host still answers


def test_a_valid_advance_still_moves_the_clock(host: HostProcess) -> None:
    before = host.set_clock()["now"]
    after = host.set_clock(advance_seconds=3600)["now"]
    assert after > before
