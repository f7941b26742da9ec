"""Problem paths and the validation error."""

from __future__ import annotations

import pytest

from galleryflow.domain.problems import Problem, RequestValidationError, child


def test_json_paths() -> None:
    assert child("$", "target_regions") == "$.target_regions"
    assert child("$.target_regions", 1) == "$.target_regions[1]"
    assert child("$.tags", "cost-center") == "$.tags['cost-center']"
    assert child("$.tags", "it's") == "$.tags['it\\'s']"


def test_error_carries_every_problem_and_a_readable_message() -> None:
    problems = [Problem("$.a", "is required", "add it"), Problem("$.b", "bad", "fix it")]
    error = RequestValidationError(problems)
    assert error.problems == problems
    assert str(error) == "$.a: is required (and 1 more problem)"
    assert error.to_dicts()[1] == {"path": "$.b", "message": "bad", "hint": "fix it"}
    with pytest.raises(ValueError):
        RequestValidationError([])
