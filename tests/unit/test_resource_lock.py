"""The run lock's state machine (galleryflow/domain/resource_lock.py)."""

from __future__ import annotations

from galleryflow.domain.resource_lock import lock_key, operate

DEF = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/d"


def test_keys_are_case_insensitive_and_free_of_slashes() -> None:
    key = lock_key("definition", DEF)
    assert key == lock_key("definition", DEF.upper()) and "/" not in key
    assert key.startswith("definition-") and key != lock_key("vm", DEF)


def test_acquire_is_granted_once_and_names_the_holder() -> None:
    state, answer = operate({}, "acquire", {"run_id": "a", "kind": "publish", "resource": DEF})
    assert answer == {"granted": True, "holder": "a"}
    state, again = operate(state, "acquire", {"run_id": "a", "kind": "publish"})
    assert again["granted"]  # a replayed call of the holder
    state, refused = operate(state, "acquire", {"run_id": "b", "kind": "prune"})
    assert refused == {"granted": False, "holder": "a", "kind": "publish"}
    assert state["holder"] == "a"


def test_release_only_by_the_holder_and_stale_release_only_of_that_holder() -> None:
    state, _ = operate(None, "acquire", {"run_id": "a", "kind": "publish"})
    state, answer = operate(state, "release", {"run_id": "b"})
    assert not answer["released"] and state["holder"] == "a"
    state, answer = operate(state, "release_stale", {"holder": "a"})
    assert answer["released"] and state["holder"] is None
    state, _ = operate(state, "acquire", {"run_id": "c", "kind": "publish"})
    state, answer = operate(state, "release_stale", {"holder": "a"})  # a late second freer
    assert not answer["released"] and state["holder"] == "c"
    assert operate(state, "read", None)[1]["holder"] == "c"
    assert operate(state, "release", {"run_id": "c"})[0] == {"holder": None}
