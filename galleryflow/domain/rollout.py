"""Rollout plan: which regions go live together (waves) and when each is replicated. Pure.

ARM refuses any update of an image version while it is `Creating` or `Updating`
(docs/azure-facts.md, Q1), so a completed region cannot be made live while other regions of
the same version still replicate. galleryflow therefore replicates **progressively**: the
version is created with the first wave's regions (plus its home region, which ARM requires
as a target from the start); when they are all terminal, ONE update makes that wave live and
adds **every later wave's regions at once** (excluded from latest), so they replicate in
parallel; when those are all terminal, the later waves go live one after the other, each after
the previous wave's soak and approval. The first wave never waits for later ones; a later wave
waits for the replication of the waves after it (the version takes no update before).

Why every later wave at once (docs/pipeline.md, "Rollout"): with waves W1..Wn, replication
times r1..rn and a soak s, adding one wave per update makes every region live after
r1 + sum(max(s, rk)), adding the rest at once after r1 + max(s, max(rk)) + (n - 2) s: never
later, and much sooner without a long soak (approval waits never overlapped replication
anyway: the next wave was added only when the previous one went live). The price: the second
wave goes live when the slowest later region is done, not when its own regions are.

Modes:
- `canary` (the default for a request without `rollout`): the version's home region alone,
  then every other region; the fastest safe rollout the facts allow (per-region `as_ready`
  would need updates during replication).
- `waves`: the waves the request lists, with optional soak and approval between them.
- `all_at_once`: one wave, every region replicated together (no staging, as before).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# docs/azure-facts.md Q1: ARM refuses updates while a version replicates. If that ever proves
# wrong, regions could go live one by one (`as_ready`) without staging replication.
UPDATES_DURING_REPLICATION = False

CANARY = "canary"
WAVES = "waves"
ALL_AT_ONCE = "all_at_once"
MODES = (CANARY, WAVES, ALL_AT_ONCE)


@dataclass(frozen=True)
class Stage:
    """One step of a progressive rollout: replicate `adds` (with what is already there), then
    make `wave` live."""

    adds: tuple[str, ...]
    wave: tuple[str, ...]


def promotion_waves(
    mode: str, waves: Sequence[Sequence[str]], targets: Sequence[str], home: str | None
) -> list[list[str]]:
    """The waves of regions that go live together, in order."""
    if mode == WAVES:
        return [list(w) for w in waves if w]
    if mode == CANARY and home in targets and len(targets) > 1:
        return [[str(home)], [t for t in targets if t != home]]
    return [list(targets)]


def stages(waves: Sequence[Sequence[str]], home: str | None) -> list[Stage]:
    """Replication stages for promotion `waves`: the first stage replicates the first wave
    (and the home region whatever its wave: ARM needs the version's location among its
    targets); the second replicates every later wave's regions at once; the rest only go
    live. Each region goes live with its own wave."""
    out: list[Stage] = []
    for index, wave in enumerate(waves):
        if index == 0:
            adds = list(wave) if not home or home in wave else [home, *wave]
        elif index == 1:
            adds = [r for later in waves[1:] for r in later if r != home]
        else:
            adds = []
        out.append(Stage(tuple(adds), tuple(wave)))
    return out
