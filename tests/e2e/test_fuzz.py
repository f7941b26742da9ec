"""Fuzz the HTTP API from its own OpenAPI document (schemathesis) on the sandbox stack.

Every operation gets schema-valid and schema-invalid inputs; no answer may be a 5xx, and
every answer must use a documented status code, content type and response schema, and
every keyed route must refuse a missing or wrong function key. The
run is bounded: a fixed number of examples per operation and a wall-clock budget.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_schema_conformance,
    status_code_conformance,
)

from sandbox.stack import Stack, start_stack

pytestmark = pytest.mark.slow

EXAMPLES_PER_OPERATION = 40
# A wall-clock bound, not a target: about 10 s on an idle 2-core machine, 45 s under load.
BUDGET_SECONDS = 90.0
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    ignored_auth,
]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    settings_ = {"GALLERYFLOW_DEVOPS_HOOK_SECRET": "fuzz-secret"}
    running = start_stack(tmp_path_factory.mktemp("fuzz"), settings=settings_)
    running.seed_demo()
    try:
        yield running
    finally:
        running.stop()


def test_no_operation_answers_5xx_or_breaks_its_schema(stack: Stack) -> None:
    key = {"x-functions-key": stack.keys["functionKeys"]["default"]}
    schema = schemathesis.openapi.from_url(f"{stack.host.url}/api/openapi.json", headers=key)
    operations = [result.ok() for result in schema.get_all_operations()]
    started = time.monotonic()
    tried = []
    statuses: Counter[int] = Counter()
    for operation in operations:
        if time.monotonic() - started > BUDGET_SECONDS:
            break
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
            response = case.call(base_url=stack.host.url, headers=key, timeout=30)
            statuses[response.status_code] += 1
            case.validate_response(response, checks=CHECKS, headers=key)

        exercise()
        tried.append(operation.label)
    # schemathesis leaves out the document's own route; everything else is exercised.
    assert len(tried) == len(operations) >= 12, ", ".join(tried)
    assert statuses[200] + statuses[202] > 0 and statuses[400] > 0, statuses
    print(
        f"fuzz: {sum(statuses.values())} requests in {time.monotonic() - started:.1f}s: {statuses}"
    )
