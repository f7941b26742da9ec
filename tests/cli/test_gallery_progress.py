"""The per-gallery model both run views render (galleryflow/cli/galleries.py), on the run
summary's `galleries` shape (galleryflow/api/runs.py); the sandbox runs are in
tests/cli/test_operator_cli.py and tests/ui/test_dashboard_http.py."""

from __future__ import annotations

from galleryflow.cli.galleries import gallery_progress, waiting_mirror

PRIMARY = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Compute/galleries/g1/images/d"
MIRROR = "/subscriptions/s2/resourceGroups/rg/providers/Microsoft.Compute/galleries/g2/images/d"


def test_no_mirrors_no_galleries() -> None:
    assert gallery_progress({"galleries": None, "regions": {"westeurope": {}}}) == []


def test_a_waiting_mirror_wave_is_the_mirror_s_not_the_primary_s() -> None:
    live = {"state": "Promoted"}
    summary = {
        "waves": {"current": 2, "total": 2, "awaiting_approval": True},
        "galleries": {
            "primary": {"definition": PRIMARY, "regions": {"a": live, "b": live}},
            "mirrors": [
                {
                    "definition": MIRROR,
                    "state": "running",
                    "regions": {"b": live, "c": {"state": "Completed"}},
                    "waves": {"current": 1, "total": 2, "awaiting_approval": True},
                    "log": [str(n) for n in range(20)],
                },
                {"definition": "not an id", "state": "pending"},
            ],
        },
    }
    primary, mirror, pending = gallery_progress(summary)
    assert (primary.role, primary.name, primary.subscription) == ("primary", "g1/d", "s1")
    assert primary.wave_text == "2/2" and not primary.awaiting_approval
    assert (mirror.role, mirror.name, mirror.subscription, mirror.live) == (
        "mirror 1",
        "g2/d",
        "s2",
        (1, 2),
    )
    assert mirror.region_states == [("Promoted", 1), ("Completed", 1)]
    assert mirror.log_tail == ["15", "16", "17", "18", "19"]
    assert waiting_mirror([primary, mirror, pending]) is mirror and mirror.next_wave == 2
    assert (pending.name, pending.subscription, pending.wave_text) == ("not an id", None, "")


def test_the_primary_s_own_gate_comes_first_when_both_wait() -> None:
    """The API gives the primary's own waves apart (galleries.primary.waves): when its gate
    and a mirror's both wait, approve/reject go to the primary, and the views say so."""
    waiting = {"current": 1, "total": 2, "awaiting_approval": True}
    summary = {
        "waves": waiting,
        "galleries": {
            "primary": {"definition": PRIMARY, "regions": {}, "waves": waiting},
            "mirrors": [{"definition": MIRROR, "state": "running", "waves": waiting}],
        },
    }
    galleries = gallery_progress(summary)
    assert galleries[0].awaiting_approval and galleries[1].awaiting_approval
    assert waiting_mirror(galleries) is None
    summary["galleries"]["primary"]["waves"] = {**waiting, "awaiting_approval": False}
    assert waiting_mirror(gallery_progress(summary)) == galleries[1]
