"""Staged rollout: waves of regions must cover every target region exactly once."""

from __future__ import annotations

from collections.abc import Sequence

from galleryflow.domain.problems import Problem, child
from galleryflow.domain.regions import normalise_region


def wave_problems(
    waves: Sequence[Sequence[str]], targets: Sequence[str], path: str = "$.rollout.waves"
) -> list[Problem]:
    """Every problem with `waves` against the (normalised) target region names."""
    problems: list[Problem] = []
    target_set = {normalise_region(t) for t in targets}
    if not waves:
        return [
            Problem(
                path,
                "mode 'waves' needs at least one wave",
                'list the regions per wave, e.g. [["westeurope"], ["northeurope"]], '
                "or use mode 'all_at_once'",
            )
        ]
    placed: dict[str, int] = {}
    for w, wave in enumerate(waves):
        wave_path = child(path, w)
        if not wave:
            problems.append(Problem(wave_path, "wave is empty", "remove it or add regions to it"))
        for r, name in enumerate(wave):
            region = normalise_region(name)
            item = child(wave_path, r)
            if region not in target_set:
                problems.append(
                    Problem(
                        item,
                        f"{region} is not a target region",
                        "add it to target_regions or remove it; "
                        f"targets: {', '.join(sorted(target_set))}",
                    )
                )
            elif region in placed:
                problems.append(
                    Problem(
                        item,
                        f"{region} is already in wave {placed[region]}",
                        "list each region in exactly one wave",
                    )
                )
            else:
                placed[region] = w
    missing = sorted(target_set - placed.keys())
    if missing:
        problems.append(
            Problem(
                path,
                f"target region(s) {', '.join(missing)} are in no wave",
                "add each target region to exactly one wave",
            )
        )
    return problems


def add_region_to_first_wave(
    waves: Sequence[Sequence[str]], region: str
) -> tuple[tuple[str, ...], ...]:
    """Waves with `region` added to the first wave (used when the source region is added)."""
    region = normalise_region(region)
    if not waves:
        return ((region,),)
    first = (*waves[0], region)
    return (tuple(first), *(tuple(w) for w in waves[1:]))
