"""`make repeat`: the lock and crash tests that must never flake, run N times in a row.

Each round is its own pytest process (fresh sandbox stacks: the tests name fixed
resources), the four tests of issue #15's done-when: the 20-publish race, one VM shared by
two definitions, SIGKILL during capture and the safe deploy. Last line, exactly:
`repeat: T tests x N rounds: P passed, F failed`.

Run: .venv/bin/python -m tests.reliability.repeat [--rounds 20] [node ids...]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time

from sandbox.process import REPO_ROOT

TESTS = (
    "tests/orchestration/test_resource_lock.py::test_twenty_concurrent_publishes_capture_once",
    "tests/orchestration/test_resource_lock.py::test_one_source_vm_shared_by_two_definitions",
    "tests/reliability/test_fault_matrix.py::test_sigkill_during_capture_leaves_one_version",
    "tests/orchestration/test_safe_deploy.py::"
    "test_a_run_in_flight_survives_a_deploy_that_reorders_its_steps",
)


def _round(tests: list[str]) -> tuple[int, int, str]:
    """(passed, failed, pytest's summary line) of one pytest process over `tests`."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "", *tests],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    summary = lines[-1] if lines else done.stderr[-300:]
    passed = int(m[1]) if (m := re.search(r"(\d+) passed", summary)) else 0
    failed = len(tests) - passed
    if failed:
        print(done.stdout[-4000:], flush=True)
    return passed, failed, summary


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("tests", nargs="*", default=list(TESTS))
    args = parser.parse_args(argv)
    started = time.monotonic()
    passed = failed = 0
    for number in range(1, args.rounds + 1):
        began = time.monotonic()
        ok, bad, summary = _round(args.tests)
        passed, failed = passed + ok, failed + bad
        print(
            f"round {number}/{args.rounds}: {summary} ({time.monotonic() - began:.0f} s)",
            flush=True,
        )
    minutes = (time.monotonic() - started) / 60
    print(f"({minutes:.1f} min)")
    print(
        f"repeat: {len(args.tests)} tests x {args.rounds} rounds: {passed} passed, {failed} failed"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
