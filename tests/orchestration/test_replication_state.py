"""The replication monitor's bookkeeping: retries, timeouts, reporting granularity."""

from datetime import UTC, datetime, timedelta

from orchestrators.polling import MAX_DELAY_SECONDS, next_delay
from orchestrators.replication_state import advance, all_terminal, initial_state, mark_retry

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
TARGET = {
    "gallery": {"subscription_id": "s", "resource_group": "rg", "name": "g"},
    "definition": "d",
}


def _state(retries: int = 1, timeout: int = 60) -> dict:
    regions = [{"name": "westeurope", "replica_count": 1}, {"name": "eastus", "replica_count": 1}]
    return initial_state(
        target=TARGET,
        version="1.0.0",
        target_regions=regions,
        max_region_retries=retries,
        region_timeout_minutes=timeout,
        now=T0,
    )


def test_completed_and_small_progress() -> None:
    state, retry, changed = advance(
        _state(),
        {
            "westeurope": {"state": "Completed", "progress": 100},
            "eastus": {"state": "Replicating", "progress": 10},
        },
        T0,
    )
    assert retry == [] and changed
    assert state["regions"]["westeurope"]["state"] == "Completed"
    assert state["regions"]["eastus"] == {
        **state["regions"]["eastus"],
        "state": "Replicating",
        "progress": 10,
    }
    # 10 -> 20 % stays in the same quarter: nothing worth reporting
    _, _, changed = advance(state, {"eastus": {"state": "Replicating", "progress": 20}}, T0)
    assert not changed
    _, _, changed = advance(state, {"East US": {"state": "Replicating", "progress": 30}}, T0)
    assert changed


def test_failure_is_retried_then_final() -> None:
    state, retry, _ = advance(
        _state(retries=1), {"eastus": {"state": "Failed", "details": "boom"}}, T0
    )
    assert retry == ["eastus"] and state["delay"] is None
    mark_retry(state["regions"]["eastus"], deferred=False, now=T0)  # ARM took it
    assert state["regions"]["eastus"]["attempt"] == 2
    state, retry, _ = advance(state, {"eastus": {"state": "Failed", "details": "boom"}}, T0)
    assert retry == []
    assert state["regions"]["eastus"]["state"] == "Failed"
    assert "boom" in state["regions"]["eastus"]["details"]


def test_timeout_counts_as_failure() -> None:
    state, retry, _ = advance(
        _state(retries=0, timeout=30),
        {"eastus": {"state": "Replicating", "progress": 5}, "westeurope": {"state": "Completed"}},
        T0 + timedelta(minutes=31),
    )
    assert retry == []
    assert state["regions"]["eastus"]["state"] == "Failed"
    assert "30 minutes" in state["regions"]["eastus"]["details"]
    assert all_terminal(state)


def test_backoff_is_capped() -> None:
    delays = [next_delay(None)]
    for _ in range(12):
        delays.append(next_delay(delays[-1]))
    assert delays[0] < delays[1] < delays[2]
    assert max(delays) == MAX_DELAY_SECONDS == delays[-1]


def test_home_region_failure_is_final() -> None:
    state = initial_state(
        target=TARGET,
        version="1.0.0",
        target_regions=[{"name": "westeurope", "home_region": True}, {"name": "eastus"}],
        max_region_retries=3,
        region_timeout_minutes=60,
        now=T0,
    )
    state, retry, _ = advance(
        state, {"westeurope": {"state": "Failed"}, "eastus": {"state": "Failed"}}, T0
    )
    assert retry == ["eastus"]
    assert state["regions"]["westeurope"]["state"] == "Failed"


def test_retry_is_asked_again_while_arm_defers_it() -> None:
    """docs/azure-facts.md#q1: no update while another region still replicates."""
    busy = {
        "eastus": {"state": "Failed", "details": "boom"},
        "westeurope": {"state": "Replicating"},
    }
    state, retry, _ = advance(_state(retries=1), busy, T0)
    assert retry == ["eastus"]
    mark_retry(state["regions"]["eastus"], deferred=True, now=T0)
    assert state["regions"]["eastus"]["attempt"] == 1  # not taken: no attempt spent
    state, retry, _ = advance(state, busy, T0 + timedelta(minutes=5))
    assert retry == ["eastus"]  # asked again at the next poll
    mark_retry(state["regions"]["eastus"], deferred=False, now=T0 + timedelta(minutes=9))
    assert state["regions"]["eastus"]["attempt"] == 2
    assert "retry_pending" not in state["regions"]["eastus"]


def test_a_deferred_timed_out_region_that_completes_is_completed() -> None:
    slow = {
        "eastus": {"state": "Replicating", "progress": 40},
        "westeurope": {"state": "Completed"},
    }
    state, retry, _ = advance(_state(retries=1, timeout=30), slow, T0 + timedelta(minutes=31))
    assert retry == ["eastus"]
    mark_retry(state["regions"]["eastus"], deferred=True, now=T0 + timedelta(minutes=31))
    state, retry, changed = advance(state, {"eastus": {"state": "Completed"}}, T0)
    assert retry == [] and changed
    assert state["regions"]["eastus"]["state"] == "Completed"
    assert state["regions"]["eastus"]["attempt"] == 1
    assert all_terminal(state)
