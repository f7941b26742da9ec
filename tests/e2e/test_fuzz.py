"""Fuzz the HTTP API from its own OpenAPI document (schemathesis) on the sandbox stack.

The stack runs with Easy Auth (the host stands in for it) and the fuzz runs once per role,
as a signed-in caller holding only that role (the DevOps routes with the function key).
Every operation gets schema-valid and schema-invalid inputs; no answer may be a 5xx, and
every answer must use a documented status code (403 included: each role is refused the
routes it lacks), content type and response schema. The run is bounded: a fixed number of
examples per operation and role, and a wall-clock budget. Missing credentials are refused
as tested in tests/e2e/test_identity_e2e.py (people) and test_api_e2e.py (keys).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from galleryflow.identity.principal import ROLES
from sandbox.stack import EASY_AUTH_SETTINGS, Stack, as_user, start_stack

pytestmark = [pytest.mark.slow, pytest.mark.long]

EXAMPLES_PER_OPERATION = 10  # per role: 40 per operation in all
# A wall-clock bound, not a target: about 25 s on an idle 2-core machine, more under load.
BUDGET_SECONDS = 150.0
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    settings_ = {"GALLERYFLOW_DEVOPS_HOOK_SECRET": "fuzz-secret", **EASY_AUTH_SETTINGS}
    running = start_stack(tmp_path_factory.mktemp("fuzz"), settings=settings_)
    running.seed_demo()
    try:
        yield running
    finally:
        running.stop()


def test_no_operation_answers_5xx_or_breaks_its_schema_for_any_role(stack: Stack) -> None:
    key = {"x-functions-key": stack.keys["functionKeys"]["default"]}
    schema = schemathesis.openapi.from_url(
        f"{stack.host.url}/api/openapi.json", headers={**key, **as_user("fuzz", "reader")}
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    started = time.monotonic()
    statuses: dict[str, Counter[int]] = {role: Counter() for role in ROLES}
    tried: dict[str, list[str]] = {role: [] for role in ROLES}
    for role in ROLES:
        headers = {**key, **as_user(f"fuzz-{role}", role)}
        for operation in operations:
            if time.monotonic() - started > BUDGET_SECONDS:
                break
            exercise_operation(stack, operation, headers, statuses[role])
            tried[role].append(operation.label)
    # schemathesis leaves out the document's own route; everything else is exercised.
    assert len(operations) >= 12
    for role in ROLES:
        assert len(tried[role]) == len(operations), (role, tried[role])
        assert statuses[role][200] + statuses[role][202] > 0, (role, statuses[role])
    assert statuses["reader"][403] > 0 and statuses["approver"][403] > 0, statuses
    assert sum(statuses["publisher"][s] for s in (400, 409)) > 0, statuses
    assert not any(code >= 500 for counts in statuses.values() for code in counts), statuses
    total = sum(sum(c.values()) for c in statuses.values())
    print(f"fuzz: {total} requests in {time.monotonic() - started:.1f}s: {statuses}")


def exercise_operation(
    stack: Stack, operation: Any, headers: dict[str, str], statuses: Counter[int]
) -> None:
    strategy = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def exercise(case: schemathesis.Case) -> None:
        response = case.call(base_url=stack.host.url, headers=headers, timeout=30)
        statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS, headers=headers)

    exercise()
