"""Who holds an image definition among live runs (pure part of the run lock)."""

from galleryflow.domain.run_lock import holder_of

DEF = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/d"


def _run(instance_id: str, created: str, definition: str = DEF, name: str = "publish_image"):
    return {
        "instance_id": instance_id,
        "name": name,
        "created_time": created,
        "custom_status": {"definition": definition},
    }


def test_the_oldest_live_run_holds_the_definition() -> None:
    runs = [_run("b", "2026-01-01T00:00:02"), _run("a", "2026-01-01T00:00:01")]
    assert holder_of(DEF.upper(), runs) == "a"


def test_ties_break_on_instance_id_and_others_do_not_count() -> None:
    runs = [
        _run("z", "2026-01-01T00:00:01"),
        _run("y", "2026-01-01T00:00:01"),
        _run("x", "2026-01-01T00:00:00", definition=DEF + "-other"),
        _run("w", "2026-01-01T00:00:00", name="rollback_image"),
        {"instance_id": "v", "name": "publish_image", "created_time": "", "custom_status": None},
    ]
    assert holder_of(DEF, runs) == "y"
    assert holder_of(DEF + "-none", runs) is None
