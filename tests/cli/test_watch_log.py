"""The watch loop prints each log line once although the API sends a sliding window."""

from __future__ import annotations

from galleryflow.cli.watch import exit_code, new_log_lines


def test_new_log_lines_follow_a_sliding_window() -> None:
    assert new_log_lines([], ["a", "b"]) == ["a", "b"]
    assert new_log_lines(["a", "b"], ["a", "b"]) == []
    assert new_log_lines(["a", "b"], ["a", "b", "c"]) == ["c"]
    # the window moved on: the oldest lines dropped out, two new ones arrived
    assert new_log_lines(["a", "b", "c"], ["c", "d", "e"]) == ["d", "e"]
    # nothing in common (more than a window passed between two polls): print it all
    assert new_log_lines(["a"], ["x", "y"]) == ["x", "y"]


def test_exit_codes_by_final_state() -> None:
    assert exit_code({"state": "succeeded"}) == 0
    assert exit_code({"state": "failed"}) == 1
    assert exit_code({"state": "canceled"}) == 1
    assert exit_code({"state": "partially_succeeded"}) == 2
    assert exit_code({"state": "running"}) == 3
