"""Rollout stages (galleryflow/domain/rollout.py): the first wave replicates first, every
later wave's regions are added at once by the first wave's update, each region goes live with
its own wave."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from galleryflow.domain.rollout import stages

REGIONS = [f"r{i}" for i in range(12)]


@st.composite
def waves_and_home(draw: st.DrawFn) -> tuple[list[list[str]], str]:
    regions = draw(st.permutations(REGIONS))
    count = draw(st.integers(1, len(regions)))
    cuts = sorted(draw(st.sets(st.integers(1, count - 1), max_size=5))) if count > 1 else []
    bounds = [0, *cuts, count]
    waves = [list(regions[a:b]) for a, b in itertools.pairwise(bounds)]
    home = draw(st.sampled_from(regions[:count]))
    return waves, home


@given(waves_and_home())
def test_each_region_added_once_and_live_with_its_own_wave(
    case: tuple[list[list[str]], str],
) -> None:
    waves, home = case
    out = stages(waves, home)
    added = [r for stage in out for r in stage.adds]
    assert sorted(added) == sorted(r for w in waves for r in w)  # each region once
    assert home in out[0].adds  # ARM needs the version's location from the start
    assert [list(s.wave) for s in out] == waves
    if len(out) > 1:  # the first wave's update adds every later region at once
        assert set(out[1].adds) == {r for w in waves[1:] for r in w} - {home}
        assert all(not s.adds for s in out[2:])


def test_the_canary_and_all_at_once_are_unchanged() -> None:
    canary = stages([["home"], ["a", "b"]], "home")
    assert [(s.adds, s.wave) for s in canary] == [(("home",), ("home",)), (("a", "b"), ("a", "b"))]
    single = stages([["a", "home"]], "home")
    assert [(s.adds, s.wave) for s in single] == [(("a", "home"), ("a", "home"))]
