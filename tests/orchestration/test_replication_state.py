"""The replication monitor's bookkeeping: retries, stalls, ceilings, reporting granularity."""

from datetime import UTC, datetime, timedelta

from orchestrators.polling import MAX_DELAY_SECONDS, next_delay
from orchestrators.replication_state import advance, all_terminal, initial_state, mark_retry

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
TARGET = {
    "gallery": {"subscription_id": "s", "resource_group": "rg", "name": "g"},
    "definition": "d",
}


def _state(retries: int = 1, timeout: int | None = 60, stall: int = 240) -> dict:
    regions = [{"name": "westeurope", "replica_count": 1}, {"name": "eastus", "replica_count": 1}]
    return initial_state(
        target=TARGET,
        version="1.0.0",
        target_regions=regions,
        max_region_retries=retries,
        stall_minutes=stall,
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
    # ARM refuses updates while westeurope still replicates (azure-facts Q1): wait for it
    assert retry == [] and "retried when ARM allows" in state["regions"]["eastus"]["details"]
    state, retry, _ = advance(
        state,
        {"eastus": {"state": "Failed", "details": "boom"}, "westeurope": {"state": "Completed"}},
        T0,
    )
    assert retry == ["eastus"]
    assert state["regions"]["eastus"]["attempt"] == 1  # counts once ARM takes it
    mark_retry(state, retry, deferred=False, now=T0)
    assert state["regions"]["eastus"]["attempt"] == 2
    # the re-added region starts over: read it again soon
    assert datetime.fromisoformat(state["next_poll_at"]) == T0 + timedelta(seconds=15)
    state, retry, _ = advance(state, {"eastus": {"state": "Failed", "details": "boom"}}, T0)
    assert retry == []
    assert state["regions"]["eastus"]["state"] == "Failed"
    assert "boom" in state["regions"]["eastus"]["details"]


def test_hard_ceiling_counts_as_failure() -> None:
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
        stall_minutes=240,
        region_timeout_minutes=60,
        now=T0,
    )
    state, retry, _ = advance(
        state, {"westeurope": {"state": "Failed"}, "eastus": {"state": "Failed"}}, T0
    )
    assert retry == ["eastus"]
    assert state["regions"]["westeurope"]["state"] == "Failed"


def test_a_progressing_region_is_never_given_up_a_stalled_one_is_retried() -> None:
    state = _state(retries=1, timeout=None, stall=60)
    west = {"state": "Completed"}
    for minute in range(0, 24 * 60, 20):  # 24 h, 1 % every 20 min: slow but moving
        state, retry, _ = advance(
            state,
            {"eastus": {"state": "Replicating", "progress": minute // 20}, "westeurope": west},
            T0 + timedelta(minutes=minute),
        )
        assert retry == [] and state["regions"]["eastus"]["state"] == "Replicating"
    stuck_since = T0 + timedelta(minutes=24 * 60)
    for minute in range(0, 81, 20):
        state, retry, _ = advance(
            state,
            {"eastus": {"state": "Replicating", "progress": 72}, "westeurope": west},
            stuck_since + timedelta(minutes=minute),
        )
    assert retry == ["eastus"], state["regions"]["eastus"]
    mark_retry(state, retry, deferred=False, now=stuck_since + timedelta(minutes=80))
    assert "retrying after: no replication progress for" in state["regions"]["eastus"]["details"]


def test_next_poll_is_scheduled_by_the_eta() -> None:
    state = _state(timeout=None)
    reading = {"westeurope": {"state": "Completed"}}
    for minute, progress in ((0, 0), (20, 10), (40, 20)):
        state, _, _ = advance(
            state,
            {**reading, "eastus": {"state": "Replicating", "progress": progress}},
            T0 + timedelta(minutes=minute),
        )
    # 10 % per 20 min: done around minute 200; the cap (20 min) comes first
    due = datetime.fromisoformat(state["next_poll_at"])
    assert due == T0 + timedelta(minutes=40, seconds=MAX_DELAY_SECONDS)


def test_retry_is_asked_again_while_arm_defers_it() -> None:
    """docs/azure-facts.md#q1: no update while the version is busy (a stalled region keeps
    it Creating): the retry is deferred, no attempt spent, and asked again at the next poll."""
    state = _state(retries=1, timeout=None)
    done = {"westeurope": {"state": "Completed"}}
    state, retry, _ = advance(state, {**done, "eastus": {"state": "Failed"}}, T0)
    assert retry == ["eastus"]
    mark_retry(state, retry, deferred=True, now=T0)
    assert state["regions"]["eastus"]["attempt"] == 1
    state, retry, _ = advance(
        state, {**done, "eastus": {"state": "Failed"}}, T0 + timedelta(minutes=5)
    )
    assert retry == ["eastus"]
    mark_retry(state, retry, deferred=False, now=T0 + timedelta(minutes=9))
    assert state["regions"]["eastus"]["attempt"] == 2
    assert "retry_due" not in state["regions"]["eastus"]


def test_a_waiting_region_that_completes_after_all_is_completed() -> None:
    state = _state(retries=1, timeout=None, stall=60)
    state, _, _ = advance(
        state,
        {"eastus": {"progress": 10}, "westeurope": {"progress": 10}},
        T0,
    )
    state, retry, _ = advance(
        state,
        {"eastus": {"progress": 10}, "westeurope": {"progress": 50}},
        T0 + timedelta(minutes=61),
    )
    assert retry == []  # eastus stalled, but westeurope replicates: ARM would refuse
    assert state["regions"]["eastus"].get("retry_due")
    state, retry, changed = advance(
        state,
        {"eastus": {"state": "Completed"}, "westeurope": {"state": "Completed"}},
        T0 + timedelta(minutes=70),
    )
    assert retry == [] and changed
    assert state["regions"]["eastus"]["state"] == "Completed"
    assert state["regions"]["eastus"]["attempt"] == 1
    assert all_terminal(state)


def test_a_watched_region_is_polled_for_on_its_own() -> None:
    """A mirror's home region (`watch`): its own completion is a decision, so the next poll
    comes when it is due, not when the slowest region of its wave is."""
    regions = [{"name": "westeurope", "replica_count": 1}, {"name": "eastus", "replica_count": 1}]
    polls = {}
    for watch in ([], ["westeurope"]):
        state = initial_state(
            target=TARGET,
            version="1.0.0",
            target_regions=regions,
            max_region_retries=1,
            stall_minutes=240,
            region_timeout_minutes=None,
            now=T0,
            watch=watch,
        )
        # westeurope: 2 % a minute (done around minute 50); eastus: 0.5 % a minute
        for minute in (0, 20, 40):
            state, _, _ = advance(
                state,
                {
                    "westeurope": {"state": "Replicating", "progress": 2 * minute},
                    "eastus": {"state": "Replicating", "progress": minute // 2},
                },
                T0 + timedelta(minutes=minute),
            )
        polls[bool(watch)] = datetime.fromisoformat(state["next_poll_at"])
    # unwatched: the cap after minute 40 (20 min); watched: when westeurope is due
    assert polls[True] <= T0 + timedelta(minutes=52) < polls[False]
